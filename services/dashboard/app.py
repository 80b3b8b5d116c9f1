"""The dashboard HTTP service: server-rendered pages over the ledger and the broker, a
little JavaScript that refreshes each page's live part, replay actions and /metrics.

    /                overview: queues, workers, jobs by state, pages per minute, failures
    /drops, /drops/N each drop's progress; one drop's jobs and missing files
    /failures        failed jobs, filters, replay one / selected / all matching
    /jobs/ID         a job's timeline, pages, record
    /documents?q=    full-text search over published records
    /documents/ID    a record: fields, pages with their words outlined, text, files; an
                     operator corrects it there (POST /documents/ID/correct)
    /review          records a person should look at, by drop, worst first
    /records/ID.json a published record
    /metrics         Prometheus;  /healthz

Run as `uvicorn --factory services.dashboard.app:create_app`.
"""

from __future__ import annotations

import re
import threading
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, get_args
from urllib.parse import unquote, urlencode

import redis
from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from services.dashboard import api, metrics
from services.dashboard import documents as docs
from services.dashboard import viewer as pageview
from services.dashboard.auth import (
    COOKIE,
    CSRF_COOKIE,
    LoginRequired,
    Role,
    csrf_field,
    csrf_protect,
    local_path,
    new_login_binder,
    operator,
    role_of,
    set_cookie,
    viewer,
)
from services.tokens import refuse_default_tokens
from workers import outputs, review, sheets
from workers.celery_app import app as celery
from workers.celery_app import send_jobs
from workers.config import Settings, get_settings
from workers.errors import DeloError, FailureCode
from workers.ledger import jobs as ledger
from workers.ledger import queries, replay
from workers.ledger.queries import JobFilter, parse_since
from workers.records.model import DocumentType
from workers.records.morph import query as query_forms
from workers.stores import objectstore, postgres

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals["editable"] = review.editable  # a record's text in the correction form
templates.env.globals["csrf_field"] = csrf_field  # {{ csrf_field(request) }} in every POST form
# codes a replay cannot mend (the file itself is the cause): their Replay button asks first
templates.env.globals["mendless_codes"] = {c.value for c in FailureCode if not c.retryable}
QUEUES = ("ocr", "ocr_bulk", "parse", "publish")
router = APIRouter()


class Workers:
    """What each live worker is doing, asked of the broker every few seconds in the
    background: a page never waits for the workers' answer."""

    def __init__(self, every: float = 5.0) -> None:
        self.every = every
        self.snapshot: dict[str, list[dict[str, Any]]] = {}  # worker → what it is doing
        self.at: datetime | None = None
        self.stopped = threading.Event()
        threading.Thread(target=self._run, name="workers", daemon=True).start()

    def stop(self) -> None:
        self.stopped.set()

    def _run(self) -> None:
        while not self.stopped.is_set():
            try:
                active = celery.control.inspect(timeout=1.0).active() or {}
                self.snapshot = {name: [{"task": t["name"].removeprefix("delo."), "job": (t.get("kwargs") or {}).get("job_id"),
                                         "page": (t.get("kwargs") or {}).get("number")} for t in tasks]
                                 for name, tasks in sorted(active.items())}
                self.at = datetime.now(UTC)
            except Exception:  # the broker away: show the last answer, with its age
                pass
            self.stopped.wait(self.every)


# a replay of 1,000 selected jobs is a 15 KB form; a corrected text up to 200,000 letters (2 bytes each, multipart)
MAX_BODY_BYTES = 512 * 1024


class SmallBodies:
    """A body is let through only when it declares a length under MAX_BODY_BYTES (uvicorn
    holds it to that length): a 50 MB POST is refused before a byte of it is read. ASGI
    middleware, since FastAPI parses a form before any dependency runs."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            declared = dict(scope["headers"]).get(b"content-length", b"")
            refusal = (411, "a request body must declare its Content-Length") if not declared.isdigit() else \
                (413, f"a request body is at most {MAX_BODY_BYTES} bytes") if int(declared) > MAX_BODY_BYTES else None
            if refusal:
                await JSONResponse({"error": refusal[1]}, status_code=refusal[0])(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The dashboard for these settings (the environment's by default): uvicorn calls it
    (`--factory`), tests call it with their own. Nothing is built before this runs."""
    settings = settings or get_settings()
    refuse_default_tokens(settings, "dashboard_viewer_token", "dashboard_operator_token")

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.pool, app.state.documents = postgres.open_pools(settings.database_url,
                                                                  settings.documents_database_url, 10)
        app.state.workers = Workers()
        yield
        app.state.workers.stop()
        postgres.close_pools(app.state.pool, app.state.documents)

    # csrf_protect on the app, not per route: a POST route added later is covered too
    app = FastAPI(title="delo dashboard", lifespan=lifespan, dependencies=[Depends(csrf_protect)])
    app.state.settings, app.state.workers = settings, None
    app.state.broker = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=3, socket_timeout=5)
    app.state.s3 = objectstore.client(settings)  # page images and files, served by delo (never public URLs)
    app.state.stream = redis.Redis.from_url(settings.stream_redis_url or settings.redis_url, socket_connect_timeout=3,
                                            socket_timeout=5)  # a correction's event on the documents stream
    app.add_middleware(SmallBodies)
    app.add_exception_handler(LoginRequired, login_required)
    app.include_router(router)
    app.include_router(api.router)
    return app


def login_required(request: Request, _: Exception) -> Response:  # registered for LoginRequired
    if "text/html" in request.headers.get("accept", ""):
        return RedirectResponse(f"/login?{urlencode({'next': str(request.url.path)})}", status_code=303)
    return JSONResponse({"error": "a viewer or operator token is required"}, status_code=401,
                        headers={"WWW-Authenticate": "Bearer"})


def page(request: Request, name: str, role: Role, **context) -> HTMLResponse:
    """A page, or with ?partial=1 only its live part (what the page's script polls)."""
    partial = request.query_params.get("partial") == "1"
    return templates.TemplateResponse(request, name, {"role": role, "operator": role >= Role.operator,
                                                      "partial": partial, "now": datetime.now(UTC), **context})


def queue_depths(request: Request) -> dict[str, int]:
    try:
        with request.app.state.broker.pipeline() as p:
            for q in QUEUES:
                p.llen(q)
            return dict(zip(QUEUES, p.execute(), strict=True))
    except redis.RedisError:
        return {}


# --- pages -------------------------------------------------------------------------

@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/", error: str | None = None):
    binder = new_login_binder(request)  # a first visit: the form's token needs a cookie to be tied to
    response = templates.TemplateResponse(request, "login.html", {"next": next, "error": error, "role": None})
    if binder:
        set_cookie(response, request, CSRF_COOKIE, binder, max_age=12 * 3600)
    return response


@router.post("/login")
def login(request: Request, token: Annotated[str, Form()], next: Annotated[str, Form()] = "/"):
    if role_of(token, request.app.state.settings) is None:
        return RedirectResponse(f"/login?{urlencode({'next': next, 'error': 'That token is not known.'})}", status_code=303)
    response = RedirectResponse(local_path(next), status_code=303)
    set_cookie(response, request, COOKIE, token, max_age=12 * 3600)
    return response


@router.post("/logout")
def logout(request: Request):
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return response


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, role: Role = Depends(viewer)):
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    with request.app.state.pool.connection() as conn:
        states = ledger.counts_by_state(conn)
        per_minute = queries.pages_per_minute(conn, 60)
        failures = queries.failures_by_code(conn, hour_ago)
    workers = request.app.state.workers
    return page(request, "overview.html", role, queues=queue_depths(request), states=states, states_order=ledger.STATES,
                per_minute=per_minute, peak=max([p for _, p in per_minute] + [1]), failures=failures,
                workers=workers.snapshot if workers else {}, workers_at=workers.at if workers else None)


@router.get("/drops", response_class=HTMLResponse)
def drops_page(request: Request, role: Role = Depends(viewer)):
    with request.app.state.pool.connection() as conn:
        drops = queries.drops_summary(conn)
    return page(request, "drops.html", role, drops=drops, queues=queue_depths(request))


@router.get("/drops/{name}", response_class=HTMLResponse)
def drop_page(request: Request, name: str, state: str | None = None, role: Role = Depends(viewer)):
    try:
        flt = JobFilter(drop=name, state=state or None)
    except ValueError as exc:  # a state that cannot match (JobFilter says which exist)
        raise HTTPException(400, str(exc)) from None
    with request.app.state.pool.connection() as conn:
        summary = next((d for d in queries.drops_summary(conn) if d["name"] == name), None)
        if summary is None:
            raise HTTPException(404, "no such drop")
        jobs = queries.list_jobs(conn, flt, limit=500)
        missing = queries.missing_from_drop(conn, name)
    uris = [ledger.source_uri(j["bucket"], j["key"]) for j in jobs]
    with request.app.state.documents.connection() as conn:  # a file may hold several documents
        counts = postgres.document_counts(conn, uris)
    for j, uri in zip(jobs, uris, strict=True):
        j["documents"] = counts.get(uri, 0)
    return page(request, "drop.html", role, drop=summary, jobs=jobs, missing=missing, state=state)


def _failure_filter(code: str | None, drop: str | None, since: str | None) -> JobFilter:
    try:
        return JobFilter(state="failed", code=code or None, drop=drop or None, since=parse_since(since))
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None


@router.get("/failures", response_class=HTMLResponse)
def failures_page(request: Request, code: str | None = None, drop: str | None = None, since: str | None = None,
                  role: Role = Depends(viewer)):
    flt = _failure_filter(code, drop, since)
    with request.app.state.pool.connection() as conn:
        jobs = queries.list_jobs(conn, flt, limit=200, with_traceback=True)
        total = queries.count_jobs(conn, flt)
        codes = queries.failures_by_code(conn, datetime(1970, 1, 1, tzinfo=UTC))
    return page(request, "failures.html", role, jobs=jobs, total=total, codes=codes,
                filters={"code": code or "", "drop": drop or "", "since": since or ""},
                query=urlencode({k: v for k, v in {"code": code, "drop": drop, "since": since}.items() if v}))


def _replay(request: Request, conn, ids: list[int], languages: str = "", preprocess: str = ""):
    ocr = docs.ocr_options(languages, preprocess)
    docs.broker_answers(request.app.state)
    plan = replay.check(conn, ids)
    done = replay.apply(conn, plan, by="dashboard", ocr=ocr)
    send_jobs(done)
    if "text/html" in request.headers.get("accept", ""):
        return RedirectResponse(f"/failures?{urlencode({'replayed': len(done), 'skipped': len(plan.skipped)})}",
                                status_code=303)
    return JSONResponse({"replayed": len(done), "job_ids": done, "skipped": plan.skipped})


@router.post("/failures/replay")
def replay_jobs(request: Request, job_id: Annotated[list[int] | None, Form()] = None,
                languages: Annotated[str, Form()] = "", preprocess: Annotated[str, Form()] = "",
                role: Role = Depends(operator)):
    """Replay one job or the selected ones (form field job_id, repeated), with other OCR
    settings if given; the answer names the jobs it skipped and why (published, in
    flight, superseded, unknown)."""
    with request.app.state.pool.connection() as conn:
        return _replay(request, conn, job_id or [], languages, preprocess)


@router.post("/jobs/{job_id}/replay")
def replay_with(request: Request, job_id: int, languages: Annotated[str, Form()] = "",
                preprocess: Annotated[str, Form()] = "", overwrite_corrections: Annotated[bool, Form()] = False,
                role: Role = Depends(operator)):
    """Replay one job (failed or published) with other OCR settings; its record says which."""
    docs.replay_with(request.app.state, job_id, languages=languages, preprocess=preprocess,
                     overwrite_corrections=overwrite_corrections)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/failures/replay-all", response_class=HTMLResponse)
def replay_all_confirm(request: Request, code: str | None = None, drop: str | None = None, since: str | None = None,
                       role: Role = Depends(operator)):
    """The confirmation before replaying every failure the filter matches, with the count."""
    flt = _failure_filter(code, drop, since)
    with request.app.state.pool.connection() as conn:
        count = len(replay.matching(conn, flt))
        # failures whose file is the cause (CORRUPT_FILE, EMPTY_FILE, …) will likely fail again: say how many
        mendless = {c.value: n for c in FailureCode if not c.retryable and (flt.code or c.value) == c.value
                    and (n := queries.count_jobs(conn, replace(flt, code=c.value)))}
    return page(request, "confirm.html", role, count=count, mendless=mendless,
                filters={"code": code or "", "drop": drop or "", "since": since or ""})


@router.post("/failures/replay-all")
def replay_all(request: Request, code: Annotated[str, Form()] = "", drop: Annotated[str, Form()] = "",
               since: Annotated[str, Form()] = "", expected: Annotated[int, Form()] = -1,
               languages: Annotated[str, Form()] = "", preprocess: Annotated[str, Form()] = "",
               role: Role = Depends(operator)):
    flt = _failure_filter(code, drop, since)
    with request.app.state.pool.connection() as conn:
        ids = replay.matching(conn, flt)
        if expected >= 0 and len(ids) > expected:
            ids = ids[:expected]  # never more than the person confirmed
        return _replay(request, conn, ids, languages, preprocess)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: int, role: Role = Depends(viewer)):
    with request.app.state.pool.connection() as conn:
        job = ledger.get(conn, job_id)
        if job is None:
            raise HTTPException(404, "no such job")
        events = ledger.events(conn, job_id)
        # a sheet's pages are read by its drop's file job (workers/sheets.py): the latest one
        file_job = ledger.latest(conn, job["bucket"], sheets.folder_key(job["drop_name"])) \
            if job["state"] == "joined" else None
    records = []
    if job["record_id"]:  # the source's records: one per document it holds
        with request.app.state.documents.connection() as conn:
            records = postgres.documents_of(conn, ledger.source_uri(job["bucket"], job["key"]))
    # the first pages with their words outlined (a file of hundreds: each document's own
    # page shows the rest, rather than this page reading every document's ALTO)
    pages_of: dict[str, list] = {}
    for r in records:
        pages_of[r["id"]] = docs.pages(request.app.state, r) if sum(map(len, pages_of.values())) < 20 else []
    return page(request, "job.html", role, job=job, events=events, records=records, file_job=file_job, pages_of=pages_of,
                settings_languages=request.app.state.settings.ocr_languages)


@router.get("/documents", response_class=HTMLResponse)
def documents_page(request: Request, q: str = "", order: str = "date", offset: Annotated[int, Query(ge=0)] = 0,
                   role: Role = Depends(viewer)):
    """Full-text search, or without a query every document, sorted by date, type or drop."""
    if order not in postgres.BROWSE_ORDERS:
        raise HTTPException(400, f"order by one of {', '.join(postgres.BROWSE_ORDERS)}")
    with request.app.state.documents.connection() as conn:
        results = postgres.search_documents(conn, q, query_forms(q), 50) if q.strip() else \
            postgres.browse_documents(conn, order, 50, offset)
        for r in results:  # OCR text is escaped; only the match markers become bold
            snippet = re.sub(r"[\x00-\x08\x0b-\x1f]+", " · ", r["snippet"] or "")  # \f where pages meet
            r["snippet"] = Markup(escape(snippet).replace("⟦", Markup("<b>")).replace("⟧", Markup("</b>")))
            r["source"] = unquote(r["source_uri"].split("/", 3)[-1])  # the key (or path) as uploaded
    return page(request, "documents.html", role, q=q, results=results, order=order, offset=offset)


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(request: Request, doc_id: str, q: str = "", role: Role = Depends(viewer)):
    """A record: its fields and warnings, its pages with their words outlined (low
    confidence marked, the words a search found highlighted), its text, its files."""
    record = docs.record(request.app.state, doc_id)
    pages = docs.pages(request.app.state, record, q)
    with request.app.state.documents.connection() as conn:
        history = postgres.revisions(conn, doc_id)
    return page(request, "document.html", role, record=record, pages=pages, q=q, history=history,
                source=unquote(record["source"]["uri"].split("/", 3)[-1]), types=get_args(DocumentType))


@router.post("/documents/{doc_id}/correct")
def correct_document(request: Request, doc_id: str, by: Annotated[str, Form(min_length=1, max_length=200)],
                     text: Annotated[str | None, Form(max_length=200_000)] = None,
                     document_type: Annotated[str, Form()] = "", date: Annotated[str, Form()] = "",
                     registration_number: Annotated[str, Form()] = "", role: Role = Depends(operator)):
    """An operator's correction: saved as the record's next revision (the machine's reading
    kept as revision 0), published again with the same id, and noted in the ledger."""
    corrected = docs.correct(request.app.state, doc_id, text=text, by=by, fields={
        "document_type": document_type, "date": date, "registration_number": registration_number})
    number = corrected["revision"]["number"]
    return RedirectResponse(f"/documents/{doc_id}?saved={number}", status_code=303)


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, role: Role = Depends(viewer)):
    """Records a person should look at, by drop, worst page first."""
    rows = docs.review_queue(request.app.state)
    drops: dict[str, list] = {}
    for r in rows:
        drops.setdefault(r["drop_name"] or "", []).append(r)
    return page(request, "review.html", role, drops=drops, total=len(rows))


@router.get("/documents/{doc_id}/pages/{number}.jpg")
def page_image(request: Request, doc_id: str, number: int, w: int = 1200, role: Role = Depends(viewer)):
    """A page of the record's source as delo renders it from the object store."""
    record = docs.record(request.app.state, doc_id)
    width = min(pageview.WIDTHS, key=lambda x: abs(x - w))
    try:
        with request.app.state.pool.connection() as conn:
            path = pageview.page_jpeg(request.app.state.s3, conn, request.app.state.settings, record, number, width)
    except KeyError:
        raise HTTPException(404, f"the record has no page {number}") from None
    except DeloError as exc:
        raise HTTPException(404, exc.message) from None
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})


@router.get("/documents/{doc_id}/files/{kind}")
def document_file(request: Request, doc_id: str, kind: str, role: Role = Depends(viewer)):
    """The record's files to download: `source` (the scan as uploaded), `json`, `alto`, `pdf`."""
    record = docs.record(request.app.state, doc_id)
    settings, s3 = request.app.state.settings, request.app.state.s3
    if kind == "source":
        if record["source"].get("images"):
            raise HTTPException(404, "a drop read as one file has no one original: its images are in the drop")
        bucket, key = pageview.source_uri_parts(record["source"]["uri"])
        with request.app.state.pool.connection() as conn:
            path = pageview.source_file(s3, conn, settings, bucket, key, record["source"].get("version"))
        return FileResponse(path, media_type=record["source"]["content_type"], filename=key.rsplit("/", 1)[-1])
    if kind == "json":
        return JSONResponse(record, headers={"Content-Disposition": f'attachment; filename="{doc_id}.json"'})
    name = (record.get("outputs") or {}).get(kind)
    if kind not in outputs.KINDS or not name:
        raise HTTPException(404, f"the record has no {kind} file")
    return StreamingResponse(objectstore.open_stream(s3, settings.records_bucket, name),
                             media_type=outputs.CONTENT_TYPES[kind],
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/records/{doc_id}.json")
def record_json(request: Request, doc_id: str, role: Role = Depends(viewer)):
    with request.app.state.documents.connection() as conn:
        record = postgres.get_document(conn, doc_id)
    if record is None:
        raise HTTPException(404, "no such record")
    return JSONResponse(record)


# --- JSON API (same filters as the CLI) -------------------------------------------------

@router.get("/healthz")
def healthz(request: Request) -> dict:
    with request.app.state.pool.connection() as conn:
        conn.execute("SELECT 1")
    return {"ok": True}


@router.get("/metrics")
def prometheus(request: Request) -> Response:
    if not request.app.state.settings.metrics_public:
        viewer(request)
    with request.app.state.documents.connection() as conn:
        awaiting = postgres.pages_awaiting_review(conn, request.app.state.settings.low_confidence)
    with request.app.state.pool.connection() as conn:
        body = metrics.render(conn, queue_depths(request), awaiting)
    return PlainTextResponse(body, media_type="text/plain; version=0.0.4")
