"""What the dashboard's pages and its JSON API (api.py) share: a record, its pages with
their words, the review queue, saving a person's correction, replaying a job with other
OCR settings. Each takes the app's state (its pools, clients and settings)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import redis
from fastapi import HTTPException
from pydantic import ValidationError

from services.dashboard import viewer as pageview
from workers import review
from workers.celery_app import send_jobs
from workers.errors import DeloError
from workers.ledger import jobs as ledger
from workers.ledger import replay
from workers.ocr import options
from workers.ocr.tesseract import check_languages
from workers.publish import stream_entry
from workers.records.morph import forms, lemmas
from workers.stores import objectstore, postgres


def record(state: Any, doc_id: str) -> dict[str, Any]:
    with state.documents.connection() as conn:
        found = postgres.get_document(conn, doc_id)
    if found is None:
        raise HTTPException(404, "no such record")
    return found


def pages(state: Any, rec: dict[str, Any], q: str = "") -> list[dict[str, Any]]:
    """Each of the record's pages with its words (their boxes in the page's pixels, from
    the record's ALTO): `low` under the uncertain-word confidence, `hit` a word of `q`."""
    settings = state.settings
    alto_name = (rec.get("outputs") or {}).get("alto")
    found = pageview.words(objectstore.read(state.s3, settings.records_bucket, alto_name)) if alto_name else {}
    wanted = {f for w in q.split() for f in forms(pageview.bare(w))} if q.strip() else set()
    low = settings.uncertain_word_confidence / 100
    out = []
    for p in rec["ocr"]["pages"]:
        on_page = found.get(p["number"])
        words = [{"text": w.text, "confidence": w.confidence, "x": w.x, "y": w.y, "w": w.w, "h": w.h,
                  "low": w.confidence < low, "hit": bool(forms(pageview.bare(w.text)) & wanted)}
                 for w in (on_page.words if on_page else [])]
        out.append({"number": p["number"], "width": on_page.width if on_page else p.get("width"),
                    "height": on_page.height if on_page else p.get("height"), "confidence": p.get("confidence"),
                    "image": f"/documents/{rec['id']}/pages/{p['number']}.jpg", "words": words})
    return out


def review_queue(state: Any) -> list[dict[str, Any]]:
    with state.documents.connection() as conn:
        rows = postgres.review_queue(conn)
    for r in rows:
        r["source"] = unquote(r["source_uri"].split("/", 3)[-1])  # the key as uploaded
    return rows


def correct(state: Any, doc_id: str, *, text: str | None, fields: dict[str, str | None], by: str) -> dict[str, Any]:
    """A person's correction saved as the record's next revision (the machine's reading
    kept as revision 0), published again with the same id (bucket and stream), and noted
    in its job's history. 400 when it breaks the contract, 409 when the record changed
    since it was opened."""
    current = record(state, doc_id)
    try:
        corrected = review.correct(current, text=text, by=by.strip(), at=datetime.now(UTC), fields=fields)
    except (ValidationError, ValueError) as exc:
        raise HTTPException(400, f"not saved: {exc}") from None
    with state.documents.connection() as conn:
        try:
            number = postgres.correct_document(conn, corrected, lemmas(corrected["text"]),
                                               base=(current.get("revision") or {}).get("number", 0))
        except ValueError as exc:  # saved meanwhile by someone else
            raise HTTPException(409, f"not saved: {exc}") from None
    objectstore.put_record(state.s3, state.settings.records_bucket, corrected)
    stream_entry(state.stream, state.settings, corrected)
    bucket, key = pageview.source_uri_parts(corrected["source"]["uri"])
    with state.pool.connection() as conn:
        job = ledger.latest(conn, bucket, key)
        if job:  # who corrected what, and when, in the source's history
            ledger.note(conn, job["id"], "corrected", {"record": doc_id, "revision": number,
                                                        "by": corrected["revision"]["by"]})
    return corrected


def broker_answers(state: Any) -> None:
    """Before a replay changes the ledger: with the broker away, the jobs would sit queued
    with no task behind them until a sweep; nothing is changed and the answer says why."""
    try:
        state.broker.ping()
    except redis.RedisError:
        raise HTTPException(503, "the broker does not answer: nothing was replayed") from None


def ocr_options(languages: str | None, preprocess: str | None) -> dict[str, str]:
    """A replay's OCR options as a form or the API gives them, checked against the
    installed tesseract (400 for a language it does not have)."""
    try:
        ocr = options.parse({"languages": (languages or "").strip(), "preprocess": preprocess or None})
        if ocr.get("languages"):
            check_languages(ocr["languages"])
    except (ValueError, DeloError) as exc:
        raise HTTPException(400, f"not replayed: {exc}") from None
    return ocr


def replay_with(state: Any, job_id: int, *, languages: str | None, preprocess: str | None,
                overwrite_corrections: bool = False) -> list[int]:
    """Replay one job (failed or published) with these OCR options (workers/ocr/options.py),
    its records replacing a person's corrections if asked; 400 for options tesseract
    cannot use, 409 when the job may not be replayed (and why)."""
    ocr = ocr_options(languages, preprocess)
    broker_answers(state)
    with state.pool.connection() as conn:
        plan = replay.check(conn, [job_id], include_published=True)
        done = replay.apply(conn, plan, include_published=True, by="dashboard", ocr=ocr,
                            overwrite_corrections=overwrite_corrections)
    send_jobs(done)
    if not done:
        raise HTTPException(409, f"not replayed: {plan.skipped[0]['detail'] if plan.skipped else 'unknown'}")
    return done
