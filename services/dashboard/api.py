"""The dashboard's JSON API: what its pages show and do, for a team's own scripts and review
tools. Token-authenticated (`Authorization: Bearer <viewer or operator token>`; a viewer
may read, an operator may also correct and replay), described in OpenAPI at
/openapi.json (and browsable at /docs). The pages call the same functions
(services/dashboard/documents.py), so the two never disagree."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from services.dashboard import documents as docs
from services.dashboard.auth import Role, operator, viewer
from workers.ledger import queries
from workers.ledger.queries import JobFilter, parse_since
from workers.records.morph import query as query_forms
from workers.review import FIELDS
from workers.stores import postgres

router = APIRouter(prefix="/api", tags=["api"])


class Correction(BaseModel):
    """A person's correction: the text (parsed again when saved; a line `⸻` between pages)
    and/or fields set by hand; fields left out stay as they are, an empty one is cleared."""
    by: str = Field(min_length=1, max_length=200, description="who corrects: kept in the record and the ledger")
    text: str | None = Field(None, max_length=200_000)
    document_type: str | None = None
    date: str | None = Field(None, description="ISO: 1950, 1950-03 or 1950-03-05")
    registration_number: str | None = None


class ReplayOptions(BaseModel):
    languages: str | None = Field(None, description="tesseract's languages: rus, Cyrillic, rus+eng")
    preprocess: Literal["auto", "none"] | None = Field(None, description="auto: delo's preprocessing; none: as scanned")
    overwrite_corrections: bool = Field(False, description="the new readings replace records a person corrected")


@router.get("/jobs")
def jobs(request: Request, state: str | None = None, drop: str | None = None, code: str | None = None,
         since: str | None = None, limit: Annotated[int, Query(le=1000)] = 100,
         role: Role = Depends(viewer)) -> dict[str, Any]:
    """Jobs by the CLI's filters (`delo jobs`), newest change first."""
    try:
        flt = JobFilter(state=state, drop=drop, code=code, since=parse_since(since))
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    with request.app.state.pool.connection() as conn:
        return {"total": queries.count_jobs(conn, flt), "jobs": queries.list_jobs(conn, flt, limit)}


@router.post("/jobs/{job_id}/replay")
def replay(request: Request, job_id: int, body: ReplayOptions, role: Role = Depends(operator)) -> dict[str, Any]:
    """Replay a failed or published job, with other OCR options if given (kept on the job;
    the record says which produced it)."""
    return {"replayed": docs.replay_with(request.app.state, job_id, languages=body.languages,
                                         preprocess=body.preprocess, overwrite_corrections=body.overwrite_corrections)}


@router.get("/documents")
def documents(request: Request, q: str = "", order: Literal["date", "type", "drop"] = "date",
              offset: Annotated[int, Query(ge=0)] = 0, limit: Annotated[int, Query(ge=1, le=500)] = 50,
              role: Role = Depends(viewer)) -> dict[str, Any]:
    """Full-text search (`q`: Russian word forms, a surname's other forms), or every document
    by date, type or drop."""
    with request.app.state.documents.connection() as conn:
        rows = postgres.search_documents(conn, q, query_forms(q), limit) if q.strip() else \
            postgres.browse_documents(conn, order, limit, offset)
    return {"documents": rows}


@router.get("/documents/{doc_id}")
def document(request: Request, doc_id: str, role: Role = Depends(viewer)) -> dict[str, Any]:
    """A record (delo.record/1) and its revisions (0: the machine's reading)."""
    rec = docs.record(request.app.state, doc_id)
    with request.app.state.documents.connection() as conn:
        history = postgres.revisions(conn, doc_id)
    return {"record": rec, "revisions": history}


@router.get("/documents/{doc_id}/pages")
def pages(request: Request, doc_id: str, q: str = "", role: Role = Depends(viewer)) -> dict[str, Any]:
    """Each page: its image's URL (served by delo), size in pixels, confidence, and every
    word with its box, confidence (0..1), `low` and, for `q`, `hit`."""
    return {"pages": docs.pages(request.app.state, docs.record(request.app.state, doc_id), q)}


@router.get("/review")
def review(request: Request, role: Role = Depends(viewer)) -> dict[str, Any]:
    """Records a person should look at, by drop, worst page first, with why."""
    return {"records": docs.review_queue(request.app.state)}


@router.post("/documents/{doc_id}/correct")
def correct(request: Request, doc_id: str, body: Correction, role: Role = Depends(operator)) -> dict[str, Any]:
    """Save a correction as the record's next revision and publish it again (same id)."""
    fields = {name: getattr(body, name) for name in FIELDS if getattr(body, name) is not None}
    return {"record": docs.correct(request.app.state, doc_id, text=body.text, fields=fields, by=body.by)}
