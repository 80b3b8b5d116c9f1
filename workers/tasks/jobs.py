"""The job's tasks: start (queue ocr) fans a source out by page, ocr_page (ocr) reads one
page, parse (parse) puts the pages back in order and builds a record per document,
publish (publish) writes them out. The images of a drop read as one file (workers/sheets.py)
each join their drop at start; the file's own job reads them all as one source.
Transient failures of the stores are retried with capped exponential backoff; bad input
fails its job at once with its failure code.

Every task names the `attempt` of its job it belongs to (jobs.attempts when it was sent):
when the sweep or a replay has sent the job again since, the task is a leftover and does
nothing; a second delivery of the same task finds the job already moved on and does
nothing either (`ledger.transition(..., attempt=, only_from=)`)."""

from __future__ import annotations

import logging

import kombu.exceptions
import redis.exceptions
from celery import Task, chord
from kombu.transport.redis import Channel as RedisChannel

from workers import drops, pipeline, sheets, sweep
from workers.celery_app import app, ocr_queue, queue_again, send_starts
from workers.config import get_settings
from workers.errors import DeloError, FailureCode, InputError, UnavailableError, retry_delay
from workers.ledger import jobs as ledger
from workers.ledger import metrics
from workers.ocr import options, stage
from workers.ocr.stage import PageResult, Source
from workers.outputs.pdf import SourcePage
from workers.publish import outputs_sink
from workers.publish import publish as publish_records
from workers.reconcile import reconcile as reconcile_bucket
from workers.tasks import resources

log = logging.getLogger(__name__)


# stores that did not answer; the broker refusing a task sent from a task
PASSING = (UnavailableError, kombu.exceptions.OperationalError, redis.exceptions.ConnectionError)


class JobTask(Task):
    """Retries what may pass (a store that did not answer), and when a task gives up,
    records the failure on its job so the ledger never shows a job in flight forever."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except PASSING as exc:  # past max_retries, retry() raises exc: on_failure fails the job
            settings = get_settings()
            raise self.retry(exc=exc, max_retries=settings.task_max_retries,
                             countdown=retry_delay(self.request.retries, settings.retry_delay_max_seconds)) from exc

    def before_start(self, task_id, args, kwargs):
        if self.request.retries:
            resources.reset_db()  # the connection may be what failed

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        job_id = kwargs.get("job_id")
        if job_id is None:
            return
        code = exc.code.value if isinstance(exc, DeloError) else FailureCode.INTERNAL.value
        fail(job_id, code, str(getattr(exc, "message", exc)) or type(exc).__name__, traceback=str(einfo),
             attempt=kwargs.get("attempt"))


def fail(job_id: int, code: str, message: str, traceback: str | None = None, attempt: int | None = None,
         pages: list[dict] | None = None) -> None:
    """`pages`: each page's own outcome, for the job's page (one bad page fails the job)."""
    detail: dict = {}
    if traceback:
        detail["traceback"] = traceback[-4000:]
    if pages:
        detail["pages"] = pages
    try:
        if ledger.transition(resources.db(), job_id, "failed", failure=(code, message[:2000]), attempt=attempt,
                             only_from=ledger.IN_FLIGHT, detail=detail or None):
            sweep.forget(resources.broker(), job_id)
    except Exception:  # the ledger unreachable: without its mark, the sweep sends the job again once it is back
        log.exception("could not record the failure of job %s", job_id)
        sweep.forget(resources.broker(), job_id)


def _job(job_id: int, attempt: int | None, states: tuple[str, ...]) -> dict | None:
    """The job, when this task still has work on it: its attempt is the current one (None:
    a task sent before attempts were named) and the job is in one of `states`."""
    job = ledger.get(resources.db(), job_id)
    if job is None:
        log.warning("job %s is not in the ledger", job_id)
        return None
    if (attempt is not None and job["attempts"] != attempt) or job["state"] not in states:
        log.info("job %s: a leftover task (attempt %s, job at attempt %s, %s)", job_id, attempt,
                 job["attempts"], job["state"])
        return None
    return job


@app.task(name="delo.start", base=JobTask, bind=True, ignore_result=True)
def start(self, *, job_id: int, attempt: int | None = None) -> None:
    job = _job(job_id, attempt, ("queued", "ocr"))
    if job is None:
        return
    settings, attempt, db = get_settings(), job["attempts"], resources.db()
    ledger.transition(db, job_id, "ocr", attempt=attempt)
    resources.sweep_cache()
    manifest = drops.manifest_of(db, job["drop_name"])
    ocr = options.effective(job.get("replay_options"), manifest)  # a replay's options over the drop's
    if sheets.is_sheet(job, manifest):
        # its pages are read by its drop's file job, which the sweep makes once all are in
        sheets.touch(db, job["drop_name"])
        if ledger.transition(db, job_id, "joined", attempt=attempt, only_from=("ocr",),
                             detail={"file": sheets.folder_key(job["drop_name"])}):
            sweep.forget(resources.broker(), job_id)
        return
    try:
        source, pages = _open(job, manifest, settings)
    except UnavailableError:
        raise  # retried
    except DeloError as exc:
        fail(job_id, exc.code.value, exc.message, attempt=attempt)
        return
    ledger.transition(db, job_id, "ocr", page_count=source.page_count,
                      detail={"pages": source.page_count, **({"ocr": ocr} if ocr else {})}, attempt=attempt)
    after: dict = {"job_id": job_id, "source": source.meta(), "attempt": attempt, "ocr": ocr}
    if sheets.is_file_job(job):
        after["sheet_pages"] = [page["sheet"] for page in pages]
    if len(pages) == 1:
        # a single page is read here: a second task would only add a hop and a download
        parse.apply_async(([_read(job, **pages[0], ocr=ocr)],), kwargs=after)
        return
    # one task per page: every worker takes a share of a long document; the source was
    # checked here once, so a page task only renders and reads its page
    queue = ocr_queue(job["drop_name"])
    chord(ocr_page.s(job_id=job_id, attempt=attempt, ocr=ocr, **page).set(queue=queue)
          for page in pages)(parse.s(**after))


def _open(job: dict, manifest: dict | None, settings) -> tuple[Source, list[dict]]:
    """The job's source checked and opened, and a page task's arguments for each of its
    pages (for a drop read as one file, workers/sheets.py, each names its image)."""
    if not sheets.is_file_job(job):
        stage.check_size(job["size"] or 0, job["key"], settings)  # the event's size: not downloaded to be refused
        source = stage.open_source(resources.fetch(job), settings, name=job["key"])
        return source, [{"number": n, "source": source.meta()} for n in range(1, source.page_count + 1)]
    parts = sheets.open_members(sheets.members(resources.s3(), job["bucket"], job["drop_name"], manifest), settings,
                                lambda key, etag: resources.fetch(_sheet_job(job, key, etag)))
    if not parts:
        raise InputError(FailureCode.EMPTY_FILE, f"{job['key']}: the drop holds no sheets")
    pages: list[dict] = []
    for key, etag, part in parts:
        for page in range(1, part.page_count + 1):
            pages.append({"number": len(pages) + 1, "source": part.meta(),
                          "sheet": {"key": key, "version": etag, "kind": part.kind, "page": page}})
    return sheets.whole([part for _, _, part in parts], resources.cache_path(job), job["key"]), pages


def _sheet_job(job: dict, key: str, etag: str) -> dict:
    """What fetching one image of a drop read as one file needs (resources.fetch)."""
    return {**job, "key": key, "version": etag, "version_id": None}


def _read(job: dict, number: int, source: dict, sheet: dict | None = None, ocr: dict | None = None) -> dict:
    """Page `number`'s result, or its failure as data: one bad page fails the job, not the
    chord. `sheet`: the page is page `sheet["page"]` of one image of a drop read as one
    file; `ocr`: the options it is read with (workers/ocr/options.py)."""
    path = resources.fetch(_sheet_job(job, sheet["key"], sheet["version"]) if sheet else job)
    try:
        result = stage.read_page(Source.from_meta(path, source), sheet["page"] if sheet else number,
                                 options.apply(get_settings(), ocr))
    except UnavailableError:
        raise  # retried
    except DeloError as exc:
        return {"number": number, "failure": [exc.code.value, f"page {number}: {exc.message}"]}
    return {**result.as_task(), "number": number}


@app.task(name="delo.ocr_page", base=JobTask, bind=True)
def ocr_page(self, *, job_id: int, number: int, source: dict, attempt: int | None = None,
             sheet: dict | None = None, ocr: dict | None = None) -> dict:
    job = _job(job_id, attempt, ("ocr",))
    if job is None:
        return {"number": number, "failure": ["SUPERSEDED", "the job moved on before this page"]}
    return _read(job, number, source, sheet, ocr)


@app.task(name="delo.parse", base=JobTask, bind=True, ignore_result=True)
def parse(self, pages: list[dict], *, job_id: int, source: dict, attempt: int | None = None,
          sheet_pages: list[dict] | None = None, ocr: dict | None = None) -> None:
    """`sheet_pages`: for a drop read as one file, the image each page is on (key, version,
    kind, its page in that image); `ocr`: the options the pages were read with."""
    # `parsing` too: the same task delivered again because its worker died while parsing
    job = _job(job_id, attempt, ("ocr", "parsing"))
    if job is None:
        return
    attempt = job["attempts"]
    failed = [p["failure"] for p in pages if "failure" in p]
    if failed:
        code, message = failed[0]
        outcomes = [{"number": p["number"], "code": p["failure"][0]} if "failure" in p else
                    {"number": p["number"], "confidence": p.get("confidence")}
                    for p in sorted(pages, key=lambda p: p["number"])]
        fail(job_id, code, message, attempt=attempt, pages=outcomes)
        return
    if sorted(p["number"] for p in pages) != list(range(1, job["page_count"] + 1)):
        # duplicate deliveries of a page can complete a chord early, with one page twice and
        # another missing; its result cannot complete it again: the job runs once more
        log.warning("job %s: pages %s are not its %s pages; sent again", job_id,
                    sorted(p["number"] for p in pages), job["page_count"])
        enqueue(job_id)
        return
    db = resources.db()
    if ledger.transition(db, job_id, "parsing", attempt=attempt, only_from=("ocr", "parsing")) is None:
        return  # another delivery of this task got past parsing first
    images = [s["key"].removeprefix(job["key"]) for s in sheet_pages] if sheet_pages else None
    settings = options.apply(get_settings(), ocr)
    sink = outputs_sink(resources.s3(), settings)
    try:
        records = pipeline.finish(
            Source.from_meta(resources.cache_path(job), source), [PageResult.from_task(p) for p in pages],
            uri=ledger.source_uri(job["bucket"], job["key"]), version=job["version"], drop=job["drop_name"],
            manifest=drops.manifest_of(db, job["drop_name"]), settings=settings, images=images,
            sink=sink, sources=_page_sources(job, source, sheet_pages) if sink else None)
    except UnavailableError:
        raise  # retried
    except DeloError as exc:
        fail(job_id, exc.code.value, exc.message, attempt=attempt)
        return
    if ledger.transition(db, job_id, "publishing", record_id=records[0]["id"], attempt=attempt) is None:
        return
    # a drop's images read alone before its manifest said they were sheets: their records go
    replaces = [ledger.source_uri(job["bucket"], job["key"] + name) for name in dict.fromkeys(images or ())]
    publish.apply_async(kwargs={"job_id": job_id, "records": records, "attempt": attempt, "replaces": replaces})


def _page_sources(job: dict, source: dict, sheet_pages: list[dict] | None) -> list[SourcePage]:
    """Where each page's image is on this machine (downloaded if a page task read it
    elsewhere): what the searchable PDF is made of."""
    if sheet_pages:
        return [SourcePage(resources.fetch(_sheet_job(job, s["key"], s["version"])), s["kind"], s["page"])
                for s in sheet_pages]
    path = resources.fetch(job)
    return [SourcePage(path, source["kind"], n) for n in range(1, source["page_count"] + 1)]


@app.task(name="delo.publish", base=JobTask, bind=True, ignore_result=True)
def publish(self, *, job_id: int, records: list[dict] | None = None, record: dict | None = None,
            attempt: int | None = None, replaces: list[str] | None = None) -> None:
    """`records`: the source's, one per document; `record`: a message sent before sources
    held several documents, still in a queue when workers were upgraded."""
    job = _job(job_id, attempt, ("publishing",))
    if job is None:
        return
    if records is None:
        records = [record] if record else []
    if not records:
        raise ValueError(f"job {job_id}: a publish task without records")
    publish_records(records, db=resources.documents_db(), s3=resources.s3(), stream=resources.stream(),
                    settings=get_settings(), replaces=replaces or (),
                    overwrite_corrections=bool((job.get("replay_options") or {}).get("overwrite_corrections")))
    if ledger.transition(resources.db(), job_id, "published", record_id=records[0]["id"], attempt=job["attempts"],
                         only_from=("publishing",), detail=metrics.published_detail(records)):
        sweep.forget(resources.broker(), job_id)


@app.task(name="delo.dispatch", base=JobTask, bind=True, ignore_result=True)
def dispatch(self, *, job_ids: list[int]) -> None:
    """A batch of queued jobs (from the intake, a replay): one start task each, over one
    broker connection, drops' jobs on the bulk queue."""
    send_starts(ledger.queued(resources.db(), job_ids), resources.broker())


@app.task(name="delo.reconcile", base=JobTask, bind=True)
def reconcile(self) -> dict:
    return reconcile_bucket(resources.db(), resources.s3(), resources.broker(), get_settings(), enqueue)


@app.task(name="delo.sweep", ignore_result=True)
def sweep_now() -> dict | None:
    """Not retried: the next sweep comes in seconds. A store away is one line, not a
    traceback every 10 s for the length of an outage."""
    try:
        with app.connection_for_write() as conn:
            channel = conn.default_channel
            if not isinstance(channel, RedisChannel):  # the sweep reads kombu's Redis structures
                raise TypeError(f"the sweep needs kombu's Redis transport, not {type(channel).__name__}")
            done = sweep.sweep(resources.db(), channel.client, channel.qos, get_settings(), enqueue)
            done["sheets_files"] = len(sheets.assemble(resources.db(), resources.s3(), get_settings(), enqueue))
            return done
    except PASSING as exc:
        resources.reset_db()
        log.warning("sweep skipped: %s", exc)
        return None


def enqueue(job_id: int) -> None:
    queue_again(resources.db(), resources.broker(), job_id)
