"""Job states, their transitions, and the queries the intake, workers and reconciler need.

    received → queued → ocr → parsing → publishing → published
                  ↑        ├──────────┴────────────┴──→ failed
                  │        └──→ joined (a sheet of a drop read as one file: workers/sheets.py)
                  └── sent again by the sweep (its messages lost) or a replay
Every transition is also written to job_events, with the seconds spent in the state left.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import psycopg
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from workers.ledger import metrics
from workers.stores.postgres import Conn, unavailable_as_retryable

STATES = ("received", "queued", "ocr", "parsing", "publishing", "published", "failed", "joined")
FINAL = ("published", "failed", "joined")
IN_FLIGHT = ("received", "queued", "ocr", "parsing", "publishing")
_ALLOWED = {
    "received": {"queued", "failed"},
    "queued": {"queued", "ocr", "failed"},
    "ocr": {"queued", "ocr", "parsing", "failed", "joined"},
    "parsing": {"queued", "parsing", "publishing", "failed"},  # parsing again: its worker died mid-way
    "publishing": {"queued", "publishing", "published", "failed"},
    "published": {"queued"},
    "failed": {"queued"},
    "joined": {"queued"},
}


class TransitionError(Exception):
    pass


def drop_of(key: str) -> str | None:
    """`drops/2026-11-fond45/…` → `2026-11-fond45`: the bulk drop an object arrived in."""
    parts = key.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "drops" and parts[1] else None


def source_uri(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{quote(key)}"


_CREATE = """WITH new AS (
        INSERT INTO jobs (bucket, key, version, version_id, etag, size, drop_name, state, attempts)
        VALUES (%(bucket)s, %(key)s, %(version)s, %(version_id)s, %(etag)s, %(size)s, %(drop)s, %(state)s, %(attempts)s)
        ON CONFLICT (bucket, key, version) DO NOTHING RETURNING id),
    events AS (
        INSERT INTO job_events (job_id, state)
        SELECT id, s FROM new, unnest(%(states)s::text[]) WITH ORDINALITY AS t(s, n) ORDER BY n)
    SELECT id, true AS created FROM new
    UNION ALL SELECT id, false FROM jobs
        WHERE bucket = %(bucket)s AND key = %(key)s AND version = %(version)s AND NOT EXISTS (SELECT 1 FROM new)"""


def create_statement(bucket: str, key: str, *, etag: str, version_id: str | None = None,
                     size: int | None = None, queued: bool = False) -> tuple[str, dict[str, Any]]:
    """The one SQL statement that records a new object version (see `create`); the intake
    runs it on its async pool, everything else through `create`."""
    return _CREATE, {
        "bucket": bucket, "key": key, "version": version_id or etag, "version_id": version_id, "etag": etag,
        "size": size, "drop": drop_of(key), "state": "queued" if queued else "received",
        "attempts": 1 if queued else 0, "states": ["received", "queued"] if queued else ["received"],
    }


def create(conn: Conn, bucket: str, key: str, *, etag: str, version_id: str | None = None,
           size: int | None = None, queued: bool = False) -> tuple[int, bool]:
    """(job id, created). The same object version twice gives the same job: MinIO
    delivers events at least once, and the reconciler may find what an event announced.

    With `queued`, the job is written already queued (the caller sends its task next):
    one statement and one commit, which is what lets the intake answer in milliseconds.
    """
    statement = create_statement(bucket, key, etag=etag, version_id=version_id, size=size, queued=queued)
    with unavailable_as_retryable():
        # Racing another insert of the same version, the statement's snapshot holds neither
        # its own row (the conflict) nor the other's (not yet committed): run once more,
        # by when the other has committed and is seen.
        row = conn.execute(*statement).fetchone() or conn.execute(*statement).fetchone()
    if row is None:  # the statement's UNION ALL answers a row whichever insert won
        raise TransitionError(f"no job for {bucket}/{key} version {version_id or etag} after two inserts")
    return row["id"], row["created"]


async def create_async(conn: psycopg.AsyncConnection[DictRow], bucket: str, key: str, *, etag: str,
                       version_id: str | None = None, size: int | None = None, queued: bool = False) -> tuple[int, bool]:
    """`create` on an async connection (the intake's event loop); psycopg errors are the
    caller's to answer (503)."""
    statement = create_statement(bucket, key, etag=etag, version_id=version_id, size=size, queued=queued)
    # racing the same version's insert, the statement sees neither row: once more (see create)
    row = await (await conn.execute(*statement)).fetchone() or await (await conn.execute(*statement)).fetchone()
    if row is None:  # see create
        raise TransitionError(f"no job for {bucket}/{key} version {version_id or etag} after two inserts")
    return row["id"], row["created"]


def transition(conn: Conn, job_id: int, state: str, *, detail: dict[str, Any] | None = None,
               failure: tuple[str, str] | None = None, attempt: int | None = None,
               only_from: tuple[str, ...] | None = None, **fields: Any) -> DictRow | None:
    """Move a job to `state`, recording the time spent in the state it leaves.
    `fields` may set page_count and record_id; `failure` is (code, message).

    A task passes the `attempt` it belongs to and the states it may move the job `only_from`:
    when the job has been sent again since (a newer attempt) or another delivery of the same
    task got there first, nothing changes and None is returned: duplicates stay harmless.

    One statement: it locks the job, moves it if it may move, and adds its job_events row
    (the counting triggers run in it too). Five round trips to the database a transition
    (begin, lock, update, insert, commit) were most of its cost: the ledger's transitions
    are what the database saturates on first (README "Scaling", bench/ledger.py)."""
    assert state in STATES
    sets = ["state = %(state)s", "state_changed_at = now()",
            "timings = j.timings || jsonb_build_object(o.state, coalesce((j.timings->>o.state)::float, 0)"
            " + extract(epoch FROM now() - o.state_changed_at))"]
    if state == "queued":
        sets.append("attempts = j.attempts + 1")
    if failure:
        sets += ["failure_code = %(code)s", "failure_message = %(message)s"]
    elif state != "failed":
        sets += ["failure_code = NULL", "failure_message = NULL"]
    sets += [f"{name} = %({name})s" for name in ("page_count", "record_id") if name in fields]
    event = dict(detail or {})
    if failure:
        event.update(code=failure[0], message=failure[1])
    args: dict[str, Any] = {
        "id": job_id, "state": state, "event": Jsonb(event), "attempt": attempt, "only_from": list(only_from or ()),
        "from": [was for was, targets in _ALLOWED.items() if state in targets],  # the states it may leave
        "code": failure[0] if failure else None, "message": failure[1] if failure else None,
        **{name: fields[name] for name in ("page_count", "record_id") if name in fields}}
    statement = f"""
        WITH old AS (SELECT id, state, attempts, state_changed_at FROM jobs WHERE id = %(id)s FOR UPDATE),
        moved AS (
            UPDATE jobs j SET {", ".join(sets)} FROM old o
            WHERE j.id = o.id AND o.state = ANY(%(from)s)
              AND (%(attempt)s::int IS NULL OR o.attempts = %(attempt)s::int)
              AND (cardinality(%(only_from)s::text[]) = 0 OR o.state = ANY(%(only_from)s::text[]))
            RETURNING j.*),
        logged AS (INSERT INTO job_events (job_id, state, detail) SELECT id, %(state)s, %(event)s FROM moved)
        SELECT old.state AS was_state, old.attempts AS was_attempts, moved.* FROM old LEFT JOIN moved ON true"""
    with unavailable_as_retryable():
        row = conn.execute(statement, args).fetchone()
    if row is None:
        raise TransitionError(f"job {job_id} does not exist")
    was, attempts = row.pop("was_state"), row.pop("was_attempts")
    if row["id"] is not None:
        return row
    if (attempt is not None and attempts != attempt) or (only_from and was not in only_from):
        return None
    raise TransitionError(f"job {job_id}: {was} → {state} is not a transition")


def note(conn: Conn, job_id: int, what: str, detail: dict[str, Any]) -> None:
    """An event in a job's history that is not a transition (a person's correction of its
    record): the job's state stays as it is."""
    with unavailable_as_retryable():
        conn.execute("INSERT INTO job_events (job_id, state, detail) VALUES (%s, %s, %s)", (job_id, what, Jsonb(detail)))


def get(conn: Conn, job_id: int) -> DictRow | None:
    with unavailable_as_retryable():
        return conn.execute("SELECT * FROM jobs WHERE id = %s", (job_id,)).fetchone()


def latest(conn: Conn, bucket: str, key: str) -> DictRow | None:
    """The job of the newest version of an object."""
    with unavailable_as_retryable():
        return conn.execute("SELECT * FROM jobs WHERE bucket = %s AND key = %s ORDER BY id DESC LIMIT 1",
                            (bucket, key)).fetchone()


def events(conn: Conn, job_id: int) -> list[DictRow]:
    with unavailable_as_retryable():
        return conn.execute("SELECT state, detail, at FROM job_events WHERE job_id = %s ORDER BY id", (job_id,)).fetchall()


def in_flight(conn: Conn, older_than_seconds: float) -> list[tuple[int, int, float]]:
    """(id, attempts, seconds since it last moved) of the jobs short of the end that have
    not moved for `older_than_seconds`."""
    with unavailable_as_retryable():
        rows = conn.execute(
            "SELECT id, attempts, extract(epoch FROM now() - state_changed_at)::float AS idle FROM jobs "
            "WHERE state NOT IN ('published', 'failed', 'joined') AND state_changed_at < now() - make_interval(secs => %s) "
            "ORDER BY id",
            (older_than_seconds,),
        ).fetchall()
    return [(r["id"], r["attempts"], r["idle"]) for r in rows]


def queued(conn: Conn, job_ids: list[int]) -> list[DictRow]:
    """Those of `job_ids` still queued, with what sending them needs."""
    with unavailable_as_retryable():
        return conn.execute("SELECT id, drop_name, attempts FROM jobs WHERE id = ANY(%s) AND state = 'queued'",
                            (job_ids,)).fetchall()


def known_etags(conn: Conn, bucket: str, keys: list[str]) -> set[tuple[str, str]]:
    """(key, eTag) of the versions of these objects the ledger has seen: what a slice of a
    listing is checked against (by the (bucket, key, etag) index, never the whole ledger)."""
    with unavailable_as_retryable():
        return {(r["key"], r["etag"]) for r in conn.execute("SELECT key, etag FROM jobs WHERE bucket = %s AND key = ANY(%s)",
                                                             (bucket, keys))}


def counts_by_state(conn: Conn) -> dict[str, int]:
    """Jobs by state; a failure a newer version's publication superseded counts as
    `superseded`, not as a failure anyone must act on."""
    # kept by triggers at each transition (migrations 004, 007): a few hundred rows, no scan
    return {state: n for state, n in metrics.jobs_by_state(conn).items() if n}

