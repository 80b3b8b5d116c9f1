"""The intake HTTP service.

    POST /minio/events        MinIO's webhook (Authorization: Bearer <token>)
    POST /sns/events?token=   AWS S3 events through an SNS HTTP subscription
    GET  /documents?q=        Russian full-text search over published records
    GET  /documents/{id}      one record
    GET  /healthz

An event is answered 2xx once its jobs are in the ledger, whether or not it started any:
MinIO retries a non-2xx for ever, and a stuck event blocks the ones behind it. If the
broker is down the jobs stay `received` and the reconciler queues them later; if the
ledger is down the answer is 503, so that MinIO keeps the event in its queue_dir.
"""

from __future__ import annotations

import hmac
import json
import logging
from contextlib import asynccontextmanager
from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from psycopg_pool import ConnectionPool
from psycopg.rows import dict_row

from services.intake.events import created_objects
from workers.celery_app import app as celery
from workers.config import get_settings
from workers.errors import UnavailableError
from workers.ledger import jobs as ledger
from workers.stores import postgres

log = logging.getLogger("delo.intake")
settings = get_settings()
pool: ConnectionPool | None = None


@asynccontextmanager
async def lifespan(_: FastAPI):
    global pool
    with postgres.connect(settings.database_url) as conn:
        postgres.migrate(conn)
    pool = ConnectionPool(settings.database_url, min_size=2, max_size=16, open=True,
                          kwargs={"autocommit": True, "row_factory": dict_row})
    yield
    pool.close()


api = FastAPI(title="delo intake", lifespan=lifespan)


@api.exception_handler(UnavailableError)
def unavailable(_: Request, exc: UnavailableError) -> JSONResponse:
    return JSONResponse({"error": exc.code.value, "message": exc.message}, status_code=503)


def bearer(authorization: Annotated[str | None, Header()] = None) -> None:
    expected = f"Bearer {settings.intake_token}"
    if not authorization or not hmac.compare_digest(authorization.encode(), expected.encode()):
        raise HTTPException(401, "a valid Bearer token is required", headers={"WWW-Authenticate": "Bearer"})


def accept(body: dict) -> dict:
    started, known = [], 0
    with pool.connection() as conn:
        for obj in created_objects(body):
            job_id, created = ledger.create(conn, obj.bucket, obj.key, etag=obj.etag,
                                            version_id=obj.version_id, size=obj.size)
            if not created:
                known += 1
                continue
            try:
                ledger.transition(conn, job_id, "queued")
                celery.send_task("delo.start", kwargs={"job_id": job_id}, queue="ocr")
            except UnavailableError:
                raise
            except Exception:  # broker down: the job waits in the ledger for the reconciler
                log.exception("could not queue job %s", job_id)
            started.append(job_id)
    return {"jobs": started, "already_known": known}


@api.post("/minio/events", dependencies=[Depends(bearer)])
async def minio_events(request: Request) -> dict:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return {"ignored": "body is not JSON"}
    return await _run(accept, body)


@api.post("/sns/events")
async def sns_events(request: Request, token: Annotated[str, Query()] = "") -> dict:
    """SNS sends no Authorization header; the token rides in the subscription URL."""
    if not hmac.compare_digest(token.encode(), settings.intake_token.encode()):
        raise HTTPException(401, "a valid token is required in the subscription URL")
    envelope = json.loads(await request.body() or b"{}")
    kind = envelope.get("Type") or request.headers.get("x-amz-sns-message-type")
    if kind == "SubscriptionConfirmation":
        async with httpx.AsyncClient(timeout=10) as client:
            (await client.get(envelope["SubscribeURL"])).raise_for_status()
        return {"confirmed": envelope.get("TopicArn")}
    if kind != "Notification":
        return {"ignored": kind}
    try:
        message = json.loads(envelope.get("Message") or "{}")
    except ValueError:
        return {"ignored": "message is not an S3 event"}
    return await _run(accept, message)


async def _run(fn, *args):
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn, *args)


@api.get("/documents", dependencies=[Depends(bearer)])
def search(q: Annotated[str, Query(min_length=1)], limit: int = 20) -> list[dict]:
    with pool.connection() as conn:
        return postgres.search_documents(conn, q, limit)


@api.get("/documents/{doc_id}", dependencies=[Depends(bearer)])
def document(doc_id: str) -> dict:
    with pool.connection() as conn:
        record = postgres.get_document(conn, doc_id)
    if record is None:
        raise HTTPException(404, "no such document")
    return record


@api.get("/healthz")
def healthz() -> dict:
    with pool.connection() as conn:
        conn.execute("SELECT 1")
    return {"ok": True}


app = api
