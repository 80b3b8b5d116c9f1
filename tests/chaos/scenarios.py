"""The fault scenarios of issue 8, run against a Stack (tests/chaos/stack.py); the tests
(tests/chaos/test_faults.py) and `bench/chaos.py` both run them from here.

Each scenario uploads to S3 and posts MinIO's event to the intake, does its harm, marks
the fault's end, and then Run.finish measures, for its own uploads only (a key prefix
of its own): uploaded → published, poison failed with its code, lost, duplicated (jobs
rows per object version, documents rows, record objects, stream entries), and the seconds
from the fault's end until every upload had settled.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock

import httpx

from tests.chaos import files
from tests.chaos.stack import TOKEN, Stack
from tests.stack.helpers import minio_event, source_uri
from workers.pipeline import record_id

LIMIT = 60  # seconds from a fault's end by which every job must be published (issue 8)
OUTAGE = 30  # seconds the database or the object store stays cut


@dataclass
class Outcome:
    scenario: str
    uploaded: int = 0
    published: int = 0
    failed_as_meant: int = 0
    lost: list[str] = field(default_factory=list)   # good uploads not published everywhere, and what is missing
    wrong: list[str] = field(default_factory=list)  # poison that did not fail with its own code
    duplicated: dict[str, int] = field(default_factory=dict)  # extra copies: jobs, documents, records, stream
    recover_seconds: float | None = None  # None: not settled by the end of the wait
    limit: float = LIMIT
    answers: Counter = field(default_factory=Counter)  # the intake's answers, by status (0: none)
    allow_503: bool = False  # only during a ledger outage
    notes: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        found = []
        if self.lost:
            found.append(f"lost {len(self.lost)}: {self.lost[:5]}")
        if self.wrong:
            found.append(f"poison not failed as meant: {self.wrong}")
        if any(self.duplicated.values()):
            found.append(f"duplicated: {self.duplicated}")
        if self.recover_seconds is None or self.recover_seconds > self.limit:
            found.append(f"not settled within {self.limit:.0f} s: {self.recover_seconds}")
        server_errors = {s: n for s, n in self.answers.items() if s >= 500 and not (s == 503 and self.allow_503)}
        if server_errors:
            found.append(f"intake answered {server_errors}")
        if self.answers.get(0):
            found.append(f"intake did not answer {self.answers[0]} time(s)")
        return found


class Run:
    """One scenario's uploads, its fault's end, and the count at the end."""

    def __init__(self, stack: Stack, name: str, tmp: Path, prefix: str = "chaos"):
        self.stack, self.name, self.tmp = stack, name, tmp  # tmp: a folder for the files it makes
        self.prefix = f"{prefix}/{name}-{uuid.uuid4().hex[:6]}/"
        self.good: list[str] = []
        self.bad: dict[str, str] = {}  # key → the failure code it must end with
        self.fault_end: float | None = None
        self.outcome = Outcome(name)
        self.lock = Lock()  # events are posted from several threads at once

    def put(self, name: str, data: bytes, code: str | None = None) -> dict:
        """Upload only: the event is the caller's to send."""
        key = self.prefix + name
        with self.lock:
            if code:
                self.bad[key] = code
            else:
                self.good.append(key)
        return self.stack.upload(key, data)

    def send(self, name: str, data: bytes, code: str | None = None, patience: float = 60) -> httpx.Response:
        return self.notify(self.put(name, data, code), patience)

    def notify(self, obj: dict, patience: float = 60) -> httpx.Response:
        """POST the event as MinIO does: again every second until a 2xx (MinIO keeps a
        refused event in its queue and retries it for ever); `patience` bounds that here."""
        deadline = time.monotonic() + patience
        while True:
            try:
                answer = httpx.post(f"{self.stack.intake}/minio/events", json=minio_event(obj),
                                    headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
                with self.lock:
                    self.outcome.answers[answer.status_code] += 1
                if answer.is_success or time.monotonic() > deadline:
                    return answer
            except httpx.TransportError:
                with self.lock:
                    self.outcome.answers[0] += 1  # no answer at all
                if time.monotonic() > deadline:
                    raise
            time.sleep(1)

    def wait_for(self, states: set[str], timeout: float = 60) -> None:
        """Until one of this run's jobs is in one of `states` (a fault lands mid-job)."""
        deadline = time.monotonic() + timeout
        while not any(j["state"] in states for j in self.stack.jobs(self.prefix)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: no job reached {states}")
            time.sleep(0.05)

    def fault_over(self) -> None:
        self.fault_end = time.monotonic()

    def _settled(self) -> bool:
        jobs: dict[str, list[str]] = {}
        for j in self.stack.jobs(self.prefix):
            jobs.setdefault(j["key"], []).append(j["state"])
        return all(jobs.get(k) and set(jobs[k]) == {"published"} for k in self.good) and \
            all(jobs.get(k) and set(jobs[k]) == {"failed"} for k in self.bad)

    def finish(self, wait: float) -> Outcome:
        """Wait up to `wait` s past the fault's end for every upload to settle, then count."""
        out = self.outcome
        start = self.fault_end or time.monotonic()
        while not self._settled() and time.monotonic() < start + wait:
            time.sleep(0.25)
        if self._settled():
            out.recover_seconds = round(max(time.monotonic() - start, 0), 1)
            time.sleep(1)  # the last task is acked just after its job's last state
        jobs = self.stack.jobs(self.prefix)
        # a message left for a job that has settled is a delivery still to come: harmless
        # by design, but a publish run again adds a stream entry later than we look
        ids = {j["id"] for j in jobs}
        left = [task for task, kwargs in self.stack.broker_messages()
                if kwargs.get("job_id") in ids or ids & set(kwargs.get("job_ids") or ())]
        if left and out.recover_seconds is not None:
            out.notes.append(f"{len(left)} message(s) for its settled jobs still in the broker: {Counter(left)}")
        by_key: dict[str, list[dict]] = {}
        for j in jobs:
            by_key.setdefault(j["key"], []).append(j)
        uris = {k: source_uri(k) for k in self.good + list(self.bad)}
        docs, stream = self.stack.documents(list(uris.values())), self.stack.stream_entries()
        out.uploaded = len(uris)
        out.duplicated = {"jobs": sum(max(len(v) - 1, 0) for v in by_key.values()), "documents": 0,
                          "records": 0, "stream": 0}
        for key in self.good:
            uri = uris[key]
            have = {"published": any(j["state"] == "published" for j in by_key.get(key, [])),
                    "document": docs.get(uri, 0), "record": self.stack.record_objects(uri),
                    "stream": stream.get(record_id(uri), 0)}
            out.duplicated["documents"] += max(have["document"] - 1, 0)
            out.duplicated["records"] += max(have["record"] - 1, 0)
            out.duplicated["stream"] += max(have["stream"] - 1, 0)
            missing = [what for what, n in have.items() if not n]
            if missing:
                state = ",".join(j["state"] for j in by_key.get(key, [])) or "no job"
                out.lost.append(f"{key.removeprefix(self.prefix)} ({state}; missing {'/'.join(missing)})")
            else:
                out.published += 1
        for key, code in self.bad.items():
            got = [j["failure_code"] or j["state"] for j in by_key.get(key, [])] or ["no job"]
            if got == [code] and not docs.get(uris[key]):
                out.failed_as_meant += 1
            else:
                out.wrong.append(f"{key.removeprefix(self.prefix)}: {got} (meant {code})")
        return out


# --- the scenarios -----------------------------------------------------------------
# Each takes a Run, leaves the fault over (run.fault_over()) and returns; the caller
# finishes the run and heals the stack.

def child_killed(run: Run) -> None:
    """A worker's pool child SIGKILLed while tesseract reads a page: its task must come
    back at once (acks late, rejected when the worker is lost) and run on."""
    for n in range(4):
        run.send(f"page-{n}.png", files.page(n))
    name, child = run.stack.busy_worker()
    child.kill()
    run.fault_over()
    run.outcome.notes.append(f"killed pool child {child.pid} of worker {name} mid-OCR")


def worker_killed(run: Run) -> None:
    """A whole worker instance (main process and children) SIGKILLed mid-job: the other
    instance must take over its task once the instance is seen to be gone."""
    run.send("three-pages.pdf", files.pdf(3))
    for n in range(3):
        run.send(f"page-{n}.png", files.page(n))
    name, _ = run.stack.busy_worker()
    run.stack.kill_worker(name)
    run.fault_over()
    run.outcome.notes.append(f"killed worker {name} (process group) mid-OCR")


def _broker_restarted(run: Run, durable: bool, crash: bool = False) -> None:
    stack = run.stack
    if stack.broker.durable != durable:
        # the server must have been of this kind before the fault: restart it idle, and
        # let the workers reconnect before the uploads
        stack.broker.restart(durable=durable)
        time.sleep(5)
    run.send("three-pages.pdf", files.pdf(3))
    for n in range(3):
        run.send(f"page-{n}.png", files.page(n))
    stack.busy_worker()
    stack.broker.restart(durable=durable, crash=crash)
    run.fault_over()


def broker_restarted_empty(run: Run) -> None:
    """The broker Redis restarted with nothing (no persistence): every message, the
    unacked ones and the chords' counters gone; the jobs must be sent again."""
    _broker_restarted(run, durable=False)


def broker_restarted_appendonly(run: Run) -> None:
    """The broker Redis restarted from its AOF: the messages come back, the workers'
    deliveries of before the restart are stale."""
    _broker_restarted(run, durable=True)


def broker_killed_appendonly(run: Run) -> None:
    """The broker Redis SIGKILLed and started from its AOF: the last second of writes may
    be gone, messages or marks, in the order they were written."""
    _broker_restarted(run, durable=True, crash=True)


def events_while_broker_down(run: Run) -> None:
    """Events posted while the broker is down: the intake answers 200 (the jobs are in
    the ledger) and the jobs must publish once the broker is back."""
    run.stack.broker.stop()
    down = time.monotonic()
    for n in range(4):
        answer = run.send(f"page-{n}.png", files.note(n), patience=0)
        if not answer.is_success:
            run.outcome.notes.append(f"intake answered {answer.status_code} with the broker down")
    time.sleep(max(0.0, down + 5 - time.monotonic()))
    run.stack.broker.start()
    run.fault_over()


def _outage(run: Run, proxy: str) -> None:
    stack = run.stack
    for n in range(3):
        run.send(f"before-{n}.png", files.page(n))
    run.wait_for({"ocr", "parsing", "publishing"})
    stack.cut_proxy(proxy)
    cut = time.monotonic()
    # events during the outage, posted as MinIO would, retried until answered 2xx
    with ThreadPoolExecutor(2) as pool:
        for n in range(2):
            pool.submit(run.send, f"during-{n}.png", files.page(10 + n), None, OUTAGE + 30)
        time.sleep(max(0.0, cut + OUTAGE - time.monotonic()))
        stack.restore_proxy(proxy)
        run.fault_over()


def database_cut(run: Run) -> None:
    """PostgreSQL unreachable for 30 s (a TCP cut) with jobs in flight and events arriving:
    the intake answers 503 meanwhile, the tasks retry, and all publish after."""
    run.outcome.allow_503 = True
    _outage(run, "pg_proxy")


def object_store_cut(run: Run) -> None:
    """The object store unreachable for 30 s with jobs in flight: downloads and record
    writes retry, no attempt burnt at 0 s, and all publish soon after the store is back."""
    _outage(run, "s3_proxy")


def duplicate_events(run: Run) -> None:
    """The same event posted by 16 threads at once, for each of 5 uploads: every answer
    2xx, one job and one document each."""
    objs = [run.put(f"twin-{n}.png", files.note(n)) for n in range(5)]
    run.fault_over()
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda o: run.notify(o), [o for o in objs for _ in range(16)]))
    created = sum(len(a.json().get("jobs", [])) for a in answers if a.is_success)
    if created != len(objs):
        run.outcome.notes.append(f"{created} jobs created for {len(objs)} objects")


def poison(run: Run) -> None:
    """Poison files between good uploads: each fails its own job with its code, the good
    ones around them publish; a good page named .pdf is read by its content."""
    settings = run.stack.env
    bad = files.poison(run.tmp, int(settings["DELO_MAX_FILE_BYTES"]), int(settings["DELO_MAX_PAGES"]))
    run.fault_over()
    for i, (name, (data, code)) in enumerate(bad.items()):
        run.send(f"good-{i}.png", files.note(i))
        run.send(name, data, code)
    run.send("mislabelled.pdf", files.note(50))


def burst(run: Run, count: int = 200) -> None:
    """200 uploads into a drop, their events posted from 8 threads as fast as they go."""
    objs = [run.put(f"p{n:03}.png", files.note(n % 10)) for n in range(count)]
    run.fault_over()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(run.notify, objs))


@dataclass(frozen=True)
class Scenario:
    run: Callable[[Run], None]
    slow: bool  # left out of `make test`; `pytest -m chaos` / `make chaos` run it
    wait: float = LIMIT  # how long Run.finish waits, from the fault's end
    prefix: str = "chaos"


SCENARIOS = {
    "child-killed": Scenario(child_killed, slow=False),
    "worker-killed": Scenario(worker_killed, slow=False),
    "broker-restarted-empty": Scenario(broker_restarted_empty, slow=False),
    "broker-restarted-appendonly": Scenario(broker_restarted_appendonly, slow=False),
    "broker-killed-appendonly": Scenario(broker_killed_appendonly, slow=False),
    "events-while-broker-down": Scenario(events_while_broker_down, slow=False),
    "database-cut-30s": Scenario(database_cut, slow=True),
    "object-store-cut-30s": Scenario(object_store_cut, slow=False),
    "duplicate-events": Scenario(duplicate_events, slow=False),
    "poison": Scenario(poison, slow=False),
    "burst-200": Scenario(burst, slow=True, wait=300, prefix="drops"),
}


def run(stack: Stack, name: str, tmp: Path, extra_wait: float = 15) -> Outcome:
    """One scenario from start to count, the stack healed after it. The wait goes
    `extra_wait` s past the scenario's limit, so that a late recovery is measured rather
    than only called lost."""
    scenario = SCENARIOS[name]
    r = Run(stack, name, tmp, scenario.prefix)
    try:
        scenario.run(r)
        outcome = r.finish(scenario.wait + extra_wait)
        outcome.limit = scenario.wait
    finally:
        stack.heal()
    return outcome


def table(outcomes: list[Outcome]) -> str:
    head = ("scenario", "uploaded→published", "failed as meant", "lost", "dup jobs/docs/records/stream",
            "s to recover", "intake answers", "verdict")
    rows = [head]
    for o in outcomes:
        good = o.uploaded - len(o.wrong) - o.failed_as_meant
        d = o.duplicated
        rows.append((o.scenario, f"{good} → {o.published}", str(o.failed_as_meant) if o.failed_as_meant or o.wrong else "",
                     str(len(o.lost)), f"{d.get('jobs', 0)}/{d.get('documents', 0)}/{d.get('records', 0)}/{d.get('stream', 0)}",
                     "—" if o.recover_seconds is None else f"{o.recover_seconds:.1f}",
                     " ".join(f"{s}×{n}" for s, n in sorted(o.answers.items())),
                     "ok" if not o.problems() else "FAIL"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for o in outcomes:
        for line in o.problems() + o.notes:
            lines.append(f"{o.scenario}: {line}")
    return "\n".join(lines)


def warm_up(stack: Stack, tmp: Path) -> None:
    """A few pages through both workers first: a child's first task loads the OCR and
    parsing models (seconds), which no scenario should count as recovery."""
    r = Run(stack, "warm-up", tmp)
    for n in range(4):
        r.send(f"note-{n}.png", files.note(n))
    if r.finish(120).problems():
        raise RuntimeError(f"the stack does not publish: {r.outcome.problems()}")
