"""Replay: one mechanism behind the dashboard, the CLI and the API.

A failed job (or, when asked, a published one) goes back to `queued` with attempts + 1;
its history stays in job_events, where the replay is marked. It then runs again from
the source object's stored version, and since publishing is an upsert keyed by the
record id, a replay never adds a second document. Jobs still in flight are left alone,
and so are jobs whose object has since been published in a newer version: replaying
them would put the older version back over the newer one.

`check` reads and decides (what will run, what is skipped and why), `apply` changes the
ledger: the CLI checks its stores and asks its questions between the two.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from workers.errors import FailureCode
from workers.ledger import jobs as ledger
from workers.ledger.queries import JobFilter, job_ids
from workers.stores.postgres import Conn, unavailable_as_retryable


def replayable_states(include_published: bool) -> tuple[str, ...]:
    return ("failed", "published") if include_published else ("failed",)


def unmendable(job: DictRow) -> bool:
    """A failure a replay cannot mend: the same file fails the same way (FailureCode.retryable)."""
    code: str = job.get("failure_code") or ""
    return job["state"] == "failed" and code in FailureCode.__members__ and not FailureCode[code].retryable


@dataclass
class Plan:
    ready: list[DictRow] = field(default_factory=list)     # the jobs' rows, in the order asked
    skipped: list[dict[str, Any]] = field(default_factory=list)  # {"id", "reason", "detail"}

    def skip(self, job_id: int, reason: str, detail: str) -> None:
        self.skipped.append({"id": job_id, "reason": reason, "detail": detail})

    @property
    def unmendable(self) -> list[DictRow]:
        return [j for j in self.ready if unmendable(j)]

    def unmendable_codes(self) -> dict[str, int]:
        return dict(Counter(j["failure_code"] for j in self.unmendable))

    def decline_unmendable(self) -> None:
        """The operator said no to replaying failures that can only repeat."""
        for job in self.unmendable:
            self.skip(job["id"], "not_confirmed",
                      f"{job['failure_code']} will likely fail the same way; not confirmed (--yes replays it)")
        self.ready = [j for j in self.ready if not unmendable(j)]


def _newer_published(conn: Conn, job: DictRow) -> int | None:
    newer: int | None = job.get("superseded_by")
    if newer or job["state"] != "published":
        return newer or None
    with unavailable_as_retryable():
        row = conn.execute("SELECT max(id) AS id FROM jobs WHERE bucket = %s AND key = %s AND id > %s "
                           "AND state = 'published'", (job["bucket"], job["key"], job["id"])).fetchone()
    newer = row["id"] if row else None  # max() answers one row, its id NULL when there is none
    return newer


def why_not(conn: Conn, job: DictRow | None, job_id: int, include_published: bool) -> tuple[str, str] | None:
    """(reason, detail) when `job` may not be replayed, None when it may: the one rule."""
    if job is None:
        return "unknown", f"no job {job_id} in the ledger"
    if job["state"] not in ledger.FINAL:
        return "in_flight", f"{job['state']}: still in flight, it ends (or is requeued) by itself"
    newer = _newer_published(conn, job)
    if newer:
        return "superseded", f"job {newer} published a newer version of {job['key']}"
    if job["state"] == "joined":
        return "joined", f"read as a sheet of {job['key'].rsplit('/', 1)[0]}/: replay that file's job"
    if job["state"] not in replayable_states(include_published):
        return "published", "already published (--published runs it again)"
    return None


def check(conn: Conn, ids: list[int], *, include_published: bool = False) -> Plan:
    """What a replay of `ids` would do, changing nothing."""
    plan = Plan()
    for job_id in dict.fromkeys(ids):  # an id given twice is replayed once
        job = ledger.get(conn, job_id)
        reason = why_not(conn, job, job_id, include_published)
        if reason:
            plan.skip(job_id, *reason)
        elif job is not None:  # always: why_not gives a missing job a reason
            plan.ready.append(job)
    return plan


def apply(conn: Conn, plan: Plan, *, include_published: bool = False, by: str = "cli",
          ocr: dict[str, str] | None = None, overwrite_corrections: bool = False) -> list[int]:
    """Re-queue the plan's jobs; returns their ids (the caller sends their tasks). A job
    that changed since `check` (another replay, a worker) is checked again and skipped.
    `ocr`: read the pages with these options (workers/ocr/options.py); with
    `overwrite_corrections` the records replace a person's corrections. Both are kept on
    the job (replay_options) for this replay and its retries; a replay without them
    reads and publishes as the drop and the settings say."""
    asked: dict[str, Any] = {**(ocr or {}), **({"overwrite_corrections": True} if overwrite_corrections else {})}
    done = []
    for checked in plan.ready:
        job = ledger.get(conn, checked["id"])
        reason = why_not(conn, job, checked["id"], include_published)
        if reason:
            plan.skip(checked["id"], *reason)
            continue
        assert job is not None  # why_not gives a missing job a reason
        if asked or job.get("replay_options"):  # what an earlier replay asked does not carry over
            with unavailable_as_retryable():
                conn.execute("UPDATE jobs SET replay_options = %s WHERE id = %s",
                             (Jsonb(asked) if asked else None, job["id"]))
        ledger.transition(conn, job["id"], "queued",
                          detail={"replay": True, "by": by, "from": job["state"], **({"options": asked} if asked else {})})
        done.append(job["id"])
    return done


def replay(conn: Conn, ids: list[int], *, include_published: bool = False, by: str = "cli",
           ocr: dict[str, str] | None = None, overwrite_corrections: bool = False) -> list[int]:
    """Re-queue those of `ids` that may be replayed; returns them (the caller sends their tasks)."""
    return apply(conn, check(conn, ids, include_published=include_published), include_published=include_published,
                 by=by, ocr=ocr, overwrite_corrections=overwrite_corrections)


def matching(conn: Conn, flt: JobFilter, *, include_published: bool = False) -> list[int]:
    """The ids a replay by filter would take: the filter's jobs in a replayable state
    (superseded failures are not among them, see JobFilter)."""
    states = replayable_states(include_published)
    if flt.state and flt.state not in states:
        return []
    ids: list[int] = []
    for state in ([flt.state] if flt.state else states):
        ids += job_ids(conn, JobFilter(state=state, drop=flt.drop, code=flt.code, since=flt.since))
    return sorted(ids)
