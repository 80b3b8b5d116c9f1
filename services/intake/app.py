"""The intake HTTP service.

    POST /minio/events        MinIO's webhook (Authorization: Bearer <token>)
    POST /sns/events?token=   AWS S3 events through an SNS HTTP subscription, each message's
                              signature and topic verified first (services/intake/sns.py)
    GET  /documents?q=        Russian full-text search over published records
    GET  /documents/{id}      one record
    GET  /healthz

Run as `uvicorn --factory services.intake.app:create_app`.

An event is answered 2xx once its jobs are in the ledger (as `queued`), whether or not it
started any; their tasks are sent in batches by a background thread, one `delo.dispatch`
task per batch, so a burst of events costs the intake one SQL statement each. If the
process dies before a batch is sent, or the broker is down, the jobs wait in the ledger
and the sweep (workers/sweep.py) sends them within seconds. MinIO retries a non-2xx for
ever, and a stuck event blocks the ones behind it; if the ledger is down the answer is
503, so that MinIO keeps the event in its queue_dir.
"""

from __future__ import annotations

import hmac
import json
import logging
import queue
import threading
import time
from contextlib import asynccontextmanager
from functools import partial
from typing import Annotated

import psycopg
import psycopg_pool
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from psycopg_pool import AsyncConnectionPool
from starlette.concurrency import run_in_threadpool

from services.intake import sns
from services.intake.events import created_objects
from services.tokens import refuse_default_tokens
from workers import drops
from workers.celery_app import send_jobs
from workers.config import Settings, get_settings
from workers.errors import InputError, LimitError, UnavailableError
from workers.ledger import jobs as ledger
from workers.records.morph import query as query_forms
from workers.stores import objectstore, postgres

log = logging.getLogger("delo.intake")
router = APIRouter()


class Dispatcher:
    """Collects the ids of new jobs and sends them to the workers in batches."""

    def __init__(self, max_batch: int = 500, linger: float = 0.02):
        self.pending: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self.max_batch, self.linger = max_batch, linger
        self.thread = threading.Thread(target=self._run, name="dispatcher", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def submit(self, job_id: int) -> None:
        self.pending.put(job_id)

    def stop(self) -> None:
        self.pending.put(None)
        self.thread.join(10)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self.pending.get()
            batch = [] if first is None else [first]
            stopping = first is None
            deadline = time.monotonic() + self.linger
            while len(batch) < self.max_batch and not stopping:
                try:
                    job_id = self.pending.get(timeout=max(deadline - time.monotonic(), 0))
                except queue.Empty:
                    break
                stopping = job_id is None
                if job_id is not None:
                    batch.append(job_id)
            if batch:
                try:
                    send_jobs(batch, self.max_batch)
                except Exception:  # broker down: the jobs wait, queued, for the reconciler
                    log.exception("could not send %d job(s) to the workers", len(batch))


def create_app(settings: Settings | None = None) -> FastAPI:
    """The intake for these settings (the environment's by default): uvicorn calls it
    (`--factory`), tests call it with their own. Nothing is built before this runs."""
    settings = settings or get_settings()
    refuse_default_tokens(settings, "intake_token")

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.pool, app.state.documents = postgres.open_pools(settings.database_url,
                                                                  settings.documents_database_url, 8)
        app.state.apool = AsyncConnectionPool(settings.database_url, min_size=4, max_size=16, open=False, timeout=5,
                                              check=AsyncConnectionPool.check_connection, kwargs=postgres.options())
        await app.state.apool.open()
        app.state.dispatcher.start()
        yield
        app.state.dispatcher.stop()
        await app.state.apool.close()
        postgres.close_pools(app.state.pool, app.state.documents)

    app = FastAPI(title="delo intake", lifespan=lifespan)
    app.state.settings = settings
    app.state.dispatcher = Dispatcher()
    # a fetch that tests can replace, so that verifying never leaves the process
    app.state.sns = sns.Verifier({t.strip() for t in settings.sns_topic_arns.split(",") if t.strip()},
                                 fetch=partial(sns.http_get, via=settings.sns_test_aws_url))
    app.add_exception_handler(UnavailableError, unavailable)
    app.include_router(router)
    return app


def unavailable(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, UnavailableError)  # registered for UnavailableError only
    return JSONResponse({"error": exc.code.value, "message": exc.message}, status_code=503)


def bearer(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    expected = f"Bearer {request.app.state.settings.intake_token}"
    if not authorization or not hmac.compare_digest(authorization.encode(), expected.encode()):
        raise HTTPException(401, "a valid Bearer token is required", headers={"WWW-Authenticate": "Bearer"})


async def accept(request: Request, body: object) -> JSONResponse:
    """Ledger rows for the objects an event announces; runs on the event loop, so a
    burst of events costs no thread hand-offs."""
    state = request.app.state
    started, known, ignored = [], 0, 0
    try:
        async with state.apool.connection() as conn:
            for obj in created_objects(body):
                if obj.bucket not in state.settings.accepted_buckets:
                    ignored += 1  # only the scans bucket starts jobs, whatever else notifies us
                    continue
                if drops.is_manifest(obj.key):
                    await run_in_threadpool(_store_manifest, request, obj)
                    continue
                # the ledger row first, then the task: a job may wait, but is never lost
                job_id, created = await ledger.create_async(
                    conn, obj.bucket, obj.key, etag=obj.etag, version_id=obj.version_id, size=obj.size, queued=True)
                if not created:
                    known += 1
                    continue
                state.dispatcher.submit(job_id)
                started.append(job_id)
    except (psycopg.OperationalError, psycopg_pool.PoolTimeout) as exc:
        raise UnavailableError(f"ledger unreachable: {exc}") from exc
    answer = {"jobs": started, "already_known": known}
    if ignored:
        answer["other_buckets"] = ignored
    return JSONResponse(answer)


def _store_manifest(request: Request, obj) -> None:
    """A drop's manifest is read as it arrives (it is small); it starts no job."""
    data = objectstore.read(objectstore.client(request.app.state.settings), obj.bucket, obj.key)
    try:
        manifest = drops.read_manifest(obj.key, data)
    except (InputError, LimitError) as exc:  # answered 2xx all the same: retrying cannot mend it
        log.warning("ignoring %s", exc)
        return
    drop = ledger.drop_of(obj.key)
    assert drop is not None  # a manifest is a drop's (drops.is_manifest)
    with request.app.state.pool.connection() as conn:
        drops.store(conn, drop, manifest)


async def read_json(request: Request) -> object:
    """The body as JSON, None when it is not JSON; 413 past the size an event can have
    (it is refused before it is read whole)."""
    limit = request.app.state.settings.max_event_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"an event body is at most {limit} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, f"an event body is at most {limit} bytes")
    try:
        return json.loads(body or b"{}")
    except ValueError:
        return None


@router.post("/minio/events", dependencies=[Depends(bearer)])
async def minio_events(request: Request) -> JSONResponse:
    body = await read_json(request)
    if body is None:
        return JSONResponse({"ignored": "body is not JSON"})
    return await accept(request, body)


@router.post("/sns/events")
async def sns_events(request: Request, token: Annotated[str, Query()] = ""):
    """SNS sends no Authorization header; the token rides in the subscription URL. A
    message is believed only once sns.Verifier has proven it (else 400/403, with why)."""
    if not hmac.compare_digest(token.encode(), request.app.state.settings.intake_token.encode()):
        raise HTTPException(401, "a valid token is required in the subscription URL")
    verifier: sns.Verifier = request.app.state.sns
    try:  # in a thread: the certificate's first fetch, or the SubscribeURL, waits on AWS
        envelope = await run_in_threadpool(verifier.verify, await read_json(request))
        if envelope["Type"] == "SubscriptionConfirmation":
            await run_in_threadpool(verifier.confirm, envelope)
            return {"confirmed": envelope["TopicArn"]}
    except sns.Refused as exc:
        return JSONResponse({"error": exc.message}, status_code=exc.status)
    if envelope["Type"] != "Notification":
        return {"ignored": envelope["Type"]}
    try:
        message = json.loads(envelope["Message"])
    except ValueError:
        return {"ignored": "message is not an S3 event"}
    return await accept(request, message)


@router.get("/documents", dependencies=[Depends(bearer)])
def search(request: Request, q: Annotated[str, Query(min_length=1)], limit: int = 20) -> list[dict]:
    with request.app.state.documents.connection() as conn:
        return postgres.search_documents(conn, q, query_forms(q), limit)


@router.get("/documents/{doc_id}", dependencies=[Depends(bearer)])
def document(request: Request, doc_id: str) -> dict:
    with request.app.state.documents.connection() as conn:
        record = postgres.get_document(conn, doc_id)
    if record is None:
        raise HTTPException(404, "no such document")
    return record


@router.get("/healthz")
def healthz(request: Request) -> dict:
    try:
        with request.app.state.pool.connection(timeout=5) as conn:
            conn.execute("SELECT 1")
    except (psycopg.OperationalError, psycopg_pool.PoolTimeout) as exc:
        raise UnavailableError(f"ledger unreachable: {exc}") from exc
    return {"ok": True}
