"""Replay: one mechanism behind the dashboard, the CLI and the API.

A failed job (or, when asked, a published one) goes back to `queued` with attempts + 1;
its history stays in job_events, where the replay is marked. It then runs again from
the source object's stored version, and since publishing is an upsert keyed by the
record id, a replay never adds a second document. Jobs still in flight are left alone.
"""

from __future__ import annotations

import psycopg

from workers.ledger import jobs as ledger
from workers.ledger.queries import JobFilter, job_ids


def replayable_states(include_published: bool) -> tuple[str, ...]:
    return ("failed", "published") if include_published else ("failed",)


def replay(conn: psycopg.Connection, ids: list[int], *, include_published: bool = False, by: str = "cli") -> list[int]:
    """Re-queue those of `ids` that may be replayed; returns them (the caller sends their tasks)."""
    allowed = replayable_states(include_published)
    done = []
    for job_id in ids:
        job = ledger.get(conn, job_id)
        if job is None or job["state"] not in allowed:
            continue
        ledger.transition(conn, job_id, "queued", detail={"replay": True, "by": by, "from": job["state"]})
        done.append(job_id)
    return done


def matching(conn: psycopg.Connection, flt: JobFilter, *, include_published: bool = False) -> list[int]:
    """The ids a replay by filter would take: the filter's jobs in a replayable state."""
    states = replayable_states(include_published)
    if flt.state and flt.state not in states:
        return []
    ids: list[int] = []
    for state in ([flt.state] if flt.state else states):
        ids += job_ids(conn, JobFilter(state=state, drop=flt.drop, code=flt.code, since=flt.since))
    return sorted(ids)
