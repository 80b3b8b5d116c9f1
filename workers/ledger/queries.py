"""Reading the ledger: the filters the CLI and the dashboard share (one meaning for
`--state`, `--drop`, `--code`, `--since` wherever they appear), and the aggregates the
dashboard shows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg.rows import DictRow

from workers.errors import FailureCode
from workers.ledger.jobs import STATES
from workers.stores.postgres import Conn, unavailable_as_retryable

_SPAN = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(value: str | None) -> datetime | None:
    """`30m`, `2h`, `7d` (ago) or an ISO timestamp."""
    if not value:
        return None
    m = _SPAN.match(value.strip())
    if m:
        return datetime.now(UTC) - timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError(f"--since takes 30m, 2h, 7d or an ISO time, not {value!r}") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass(frozen=True)
class JobFilter:
    """A filter refuses (ValueError) what could never match, rather than match nothing:
    an operator who typed `--state faild` must not read "0 jobs" as "all is well"."""

    state: str | None = None
    drop: str | None = None
    code: str | None = None
    since: datetime | None = None   # jobs whose state last changed at or after this
    # Failures superseded by a published newer version of their object are left out
    # unless asked for: nobody has to act on them (see migration 003).
    superseded: bool = False

    def __post_init__(self) -> None:
        if self.state and self.state not in STATES:
            raise ValueError(f"no state {self.state!r}; the states are {', '.join(STATES)}")
        if self.code:
            # Codes are upper-case names: a lower-case one can only mean the same code, so it
            # is taken as that rather than refused (less to type, nothing ambiguous).
            code = self.code.strip().upper()
            if code not in FailureCode.__members__:
                raise ValueError(f"no failure code {self.code!r}; the codes are {', '.join(FailureCode.__members__)}")
            object.__setattr__(self, "code", code)

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        args: list[Any] = []
        for column, value in (("state", self.state), ("drop_name", self.drop), ("failure_code", self.code)):
            if value:
                clauses.append(f"{column} = %s")
                args.append(value)
        if self.since:
            clauses.append("state_changed_at >= %s")
            args.append(self.since)
        if not self.superseded:
            clauses.append("superseded_by IS NULL")
        return (" AND ".join(clauses) or "true"), args


def check_drop(conn: Conn, name: str | None) -> None:
    """ValueError unless a job or a manifest names the drop: a misspelt drop matches nothing."""
    if not name:
        return
    with unavailable_as_retryable():
        if conn.execute("SELECT 1 FROM jobs WHERE drop_name = %s UNION ALL SELECT 1 FROM drops WHERE name = %s LIMIT 1",
                        (name, name)).fetchone():
            return
        known = [r["name"] for r in conn.execute(
            "SELECT name FROM (SELECT drop_name AS name, max(created_at) AS at FROM jobs WHERE drop_name IS NOT NULL "
            "GROUP BY drop_name UNION ALL SELECT name, updated_at FROM drops) d GROUP BY name ORDER BY max(at) DESC LIMIT 10")]
    raise ValueError(f"no drop {name!r}; " + (f"the newest are {', '.join(known)}" if known else "there are no drops yet"))


def list_jobs(conn: Conn, flt: JobFilter, limit: int = 100, offset: int = 0,
              with_traceback: bool = False) -> list[DictRow]:
    where, args = flt.where()
    # the traceback of the job's last failure, if an exception made it
    traceback = (", (SELECT e.detail->>'traceback' FROM job_events e WHERE e.job_id = jobs.id AND e.state = 'failed'"
                 " ORDER BY e.id DESC LIMIT 1) AS traceback") if with_traceback else ""
    with unavailable_as_retryable():
        return conn.execute(
            f"SELECT id, bucket, key, drop_name, state, attempts, page_count, failure_code, failure_message, "
            f"record_id, superseded_by, created_at, state_changed_at{traceback} FROM jobs WHERE {where} "
            f"ORDER BY state_changed_at DESC, id DESC LIMIT %s OFFSET %s", (*args, limit, offset)).fetchall()


def count_jobs(conn: Conn, flt: JobFilter) -> int:
    where, args = flt.where()
    with unavailable_as_retryable():
        row = conn.execute(f"SELECT count(*) AS n FROM jobs WHERE {where}", args).fetchone()
    n: int = row["n"] if row else 0  # count(*) answers one row
    return n


def job_ids(conn: Conn, flt: JobFilter) -> list[int]:
    where, args = flt.where()
    with unavailable_as_retryable():
        return [r["id"] for r in conn.execute(f"SELECT id FROM jobs WHERE {where} ORDER BY id", args)]


def failures_by_code(conn: Conn, since: datetime) -> dict[str, int]:
    with unavailable_as_retryable():
        rows = conn.execute("SELECT failure_code, count(*) AS n FROM jobs WHERE state = 'failed' "
                            "AND superseded_by IS NULL AND state_changed_at >= %s "
                            "GROUP BY failure_code ORDER BY n DESC", (since,))
        return {r["failure_code"]: r["n"] for r in rows}


def pages_per_minute(conn: Conn, minutes: int = 60) -> list[tuple[datetime, int]]:
    """Pages published in each of the last `minutes` minutes, oldest first, zeros included."""
    with unavailable_as_retryable():
        rows = conn.execute(
            """WITH span AS (SELECT date_trunc('minute', now()) - make_interval(mins => %s - 1) AS first),
               recent AS (
                   SELECT date_trunc('minute', e.at) AS minute, coalesce(j.page_count, 1) AS pages
                   FROM job_events e JOIN jobs j ON j.id = e.job_id, span
                   WHERE e.state = 'published' AND e.at >= span.first)
               SELECT m.minute, coalesce(sum(r.pages), 0)::int AS pages
               FROM span, generate_series(span.first, date_trunc('minute', now()), interval '1 minute') AS m(minute)
               LEFT JOIN recent r ON r.minute = m.minute
               GROUP BY m.minute ORDER BY m.minute""", (minutes,)).fetchall()
    return [(r["minute"], r["pages"]) for r in rows]


def drops_summary(conn: Conn) -> list[DictRow]:
    """One row per drop (named by a job or by a manifest): totals by outcome, pages, pages
    per minute over the last 10 minutes and the time the rest should take at that pace.

    A drop is `done` only when nothing is pending and every file its manifest names has
    arrived: a scanner's lost upload must not read as a finished drop; a drop of sheets
    only once its file has been read with the sheets that joined it. Superseded failures
    are not counted (the newer version's job is)."""
    with unavailable_as_retryable():
        rows = conn.execute(
            """WITH per_drop AS (
                   SELECT j.drop_name AS name, count(*) AS total,
                      count(*) FILTER (WHERE j.state = 'published') AS published,
                      count(*) FILTER (WHERE j.state = 'failed') AS failed,
                      count(*) FILTER (WHERE j.state = 'joined') AS joined,
                      coalesce(sum(j.page_count) FILTER (WHERE j.state = 'published'), 0) AS pages,
                      coalesce(sum(j.page_count) FILTER (WHERE j.state = 'published'
                               AND j.state_changed_at >= now() - interval '10 minutes'), 0) / 10.0 AS pages_per_minute,
                      count(*) FILTER (WHERE j.state = 'published'
                               AND j.state_changed_at >= now() - interval '10 minutes') / 10.0 AS jobs_per_minute,
                      min(j.created_at) AS started, max(j.state_changed_at) AS last_change, max(j.created_at) AS newest
                   FROM jobs j WHERE j.drop_name IS NOT NULL AND j.superseded_by IS NULL GROUP BY j.drop_name),
               missing AS (  -- manifest files with no job under drops/<name>/ (an anti-join, not a loop)
                   SELECT d.name, count(*) AS n
                   FROM drops d CROSS JOIN LATERAL jsonb_array_elements_text(
                        CASE WHEN jsonb_typeof(d.manifest->'files') = 'array' THEN d.manifest->'files' ELSE '[]' END) AS f(file)
                   WHERE NOT EXISTS (SELECT 1 FROM jobs k WHERE k.drop_name = d.name
                                     AND k.key = 'drops/' || d.name || '/' || f.file)
                   GROUP BY d.name)
               SELECT coalesce(p.name, d.name) AS name, coalesce(p.total, 0) AS total,
                      coalesce(p.published, 0) AS published, coalesce(p.failed, 0) AS failed,
                      coalesce(p.joined, 0) AS joined,
                      coalesce(p.pages, 0) AS pages, coalesce(p.pages_per_minute, 0) AS pages_per_minute,
                      coalesce(p.jobs_per_minute, 0) AS jobs_per_minute, p.started, p.last_change,
                      d.manifest, coalesce(m.n, 0) AS missing,
                      -- sheets joined since its file was last read (workers/sheets.py)
                      coalesce(d.manifest->>'sheets' = 'true' AND d.changed_at > coalesce(d.assembled_at, '-infinity'),
                               false) AS sheets_waiting
               FROM per_drop p FULL JOIN drops d ON d.name = p.name LEFT JOIN missing m ON m.name = d.name
               ORDER BY coalesce(p.newest, d.updated_at) DESC"""
        ).fetchall()
    for r in rows:
        r["pending"] = r["total"] - r["published"] - r["failed"] - r["joined"]
        r["done"] = r["pending"] == 0 and r["missing"] == 0 and not r["sheets_waiting"]
        r["eta_minutes"] = round(r["pending"] / r["jobs_per_minute"], 1) if r["pending"] and r["jobs_per_minute"] else None
    return rows


def missing_from_drop(conn: Conn, drop: str) -> list[str]:
    """Files the drop's manifest lists that never arrived."""
    with unavailable_as_retryable():
        row = conn.execute("SELECT manifest FROM drops WHERE name = %s", (drop,)).fetchone()
        if not row:
            return []
        arrived = {r["key"].split("/", 2)[2] for r in conn.execute(
            "SELECT DISTINCT key FROM jobs WHERE drop_name = %s", (drop,))}
    return [f for f in row["manifest"].get("files", []) if f not in arrived]
