"""The job's tasks: start (queue ocr) fans a source out by page, ocr_page (ocr) reads one
page, parse (parse) puts the pages back in order and builds the record, publish
(publish) writes it out. Transient failures of the stores are retried with exponential
backoff and jitter; bad input fails its job at once with its failure code."""

from __future__ import annotations

import logging

import kombu.exceptions
import redis.exceptions
from celery import Task, chord

from workers import pipeline
from workers import drops
from workers.celery_app import app, ocr_queue
from workers.config import get_settings
from workers.errors import DeloError, FailureCode, UnavailableError
from workers.ledger import jobs as ledger
from workers.ocr import stage
from workers.ocr.stage import OcrResult, PageResult
from workers.publish import publish as publish_record
from workers.reconcile import reconcile as reconcile_bucket
from workers.tasks import resources

log = logging.getLogger(__name__)
settings = get_settings()


class JobTask(Task):
    """Retries what may pass (a store that did not answer), and when a task gives up,
    records the failure on its job so the ledger never shows a job in flight forever."""

    # stores that did not answer; the broker refusing a task sent from a task
    autoretry_for = (UnavailableError, kombu.exceptions.OperationalError, redis.exceptions.ConnectionError)
    retry_backoff = 2
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = settings.task_max_retries

    def before_start(self, task_id, args, kwargs):
        if self.request.retries:
            resources.reset_db()  # the connection may be what failed

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        job_id = kwargs.get("job_id")
        if job_id is None:
            return
        code = exc.code.value if isinstance(exc, DeloError) else FailureCode.INTERNAL.value
        fail(job_id, code, str(getattr(exc, "message", exc)) or type(exc).__name__, traceback=str(einfo))


def fail(job_id: int, code: str, message: str, traceback: str | None = None) -> None:
    try:
        ledger.transition(resources.db(), job_id, "failed", failure=(code, message[:2000]),
                          detail={"traceback": traceback[-4000:]} if traceback else None)
    except Exception:  # the ledger itself unreachable: the reconciler will find the job stuck
        log.exception("could not record the failure of job %s", job_id)


def _job(job_id: int) -> dict | None:
    job = ledger.get(resources.db(), job_id)
    if job is None:
        log.warning("job %s is not in the ledger", job_id)
    return job


@app.task(name="delo.start", base=JobTask, bind=True, ignore_result=True)
def start(self, *, job_id: int) -> None:
    job = _job(job_id)
    if job is None or job["state"] not in ("queued", "ocr"):
        return  # a duplicate delivery of a job already past this point
    db = resources.db()
    ledger.transition(db, job_id, "ocr")
    resources.sweep_cache()
    try:
        source = stage.open_source(resources.fetch(job), settings)
    except UnavailableError:
        raise  # retried
    except DeloError as exc:
        fail(job_id, exc.code.value, exc.message)
        return
    ledger.transition(db, job_id, "ocr", page_count=source.page_count, detail={"pages": source.page_count})
    meta = {"content_type": source.content_type, "sha256": source.sha256}
    if source.page_count == 1:
        # a single page is read here: a second task would only add a hop and a download
        parse.apply_async([[_read_page(source.path, source.kind, 1)]], kwargs={"job_id": job_id, "source": meta})
        return
    # one task per page: every worker takes a share of a long document; the source was
    # checked here once, so a page task only renders and reads its page
    queue = ocr_queue(job["drop_name"])
    chord(ocr_page.s(job_id=job_id, number=n, kind=source.kind).set(queue=queue)
          for n in range(1, source.page_count + 1))(parse.s(job_id=job_id, source=meta))


def _read_page(path, kind: str, number: int) -> dict:
    """A page's result, or its failure as data: one bad page fails the job, not the chord."""
    try:
        return vars(stage.ocr_one_page(path, kind, number, settings))
    except UnavailableError:
        raise  # retried
    except DeloError as exc:
        return {"number": number, "failure": [exc.code.value, f"page {number}: {exc.message}"]}


@app.task(name="delo.ocr_page", base=JobTask, bind=True)
def ocr_page(self, *, job_id: int, number: int, kind: str) -> dict:
    job = _job(job_id)
    if job is None or job["state"] in ledger.FINAL:
        return {"number": number, "failure": ["SUPERSEDED", "the job ended before this page"]}
    return _read_page(resources.fetch(job), kind, number)


@app.task(name="delo.parse", base=JobTask, bind=True, ignore_result=True)
def parse(self, pages: list[dict], *, job_id: int, source: dict) -> None:
    job = _job(job_id)
    if job is None or job["state"] in ledger.FINAL:
        return
    failed = [p["failure"] for p in pages if "failure" in p]
    if failed:
        fail(job_id, *failed[0])
        return
    db = resources.db()
    ledger.transition(db, job_id, "parsing")
    ocr = OcrResult(source["content_type"], source["sha256"], stage.tesseract.version(), settings.ocr_languages,
                    pages=sorted((PageResult(**{**p, "steps": tuple(p["steps"])}) for p in pages),
                                 key=lambda p: p.number))
    try:
        stage.check_text(ocr, job["key"])
    except DeloError as exc:
        fail(job_id, exc.code.value, exc.message)
        return
    record = pipeline.build_record(uri=ledger.source_uri(job["bucket"], job["key"]), version=job["version"],
                                   drop=job["drop_name"], ocr=ocr, settings=settings)
    drops.apply(record, drops.manifest_of(db, job["drop_name"]))
    ledger.transition(db, job_id, "publishing", record_id=record["id"])
    publish.apply_async(kwargs={"job_id": job_id, "record": record})


@app.task(name="delo.publish", base=JobTask, bind=True, ignore_result=True)
def publish(self, *, job_id: int, record: dict) -> None:
    db = resources.db()
    job = _job(job_id)
    if job is None or job["state"] == "failed":
        return
    publish_record(record, db=resources.documents_db(), s3=resources.s3(), broker=resources.broker(), settings=settings)
    if job["state"] != "published":
        ledger.transition(db, job_id, "published", record_id=record["id"])


@app.task(name="delo.dispatch", bind=True, ignore_result=True, autoretry_for=(Exception,), retry_backoff=True,
          max_retries=settings.task_max_retries)
def dispatch(self, *, job_ids: list[int]) -> None:
    """A batch of queued jobs (from the intake, a replay): one start task each, over one
    broker connection, drops' jobs on the bulk queue."""
    rows = resources.db().execute("SELECT id, drop_name FROM jobs WHERE id = ANY(%s)", (job_ids,)).fetchall()
    with app.producer_or_acquire() as producer:
        for row in rows:
            start.apply_async(kwargs={"job_id": row["id"]}, queue=ocr_queue(row["drop_name"]), producer=producer)


@app.task(name="delo.reconcile", base=JobTask, bind=True)
def reconcile(self) -> dict:
    return reconcile_bucket(resources.db(), resources.s3(), settings, enqueue)


def enqueue(job_id: int) -> None:
    """Queue a job that is in the ledger: the ledger row is always written first."""
    job = ledger.transition(resources.db(), job_id, "queued")
    start.apply_async(kwargs={"job_id": job_id}, queue=ocr_queue(job["drop_name"]))
