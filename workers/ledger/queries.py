"""Reading the ledger: the filters the CLI and the dashboard share (one meaning for
`--state`, `--drop`, `--code`, `--since` wherever they appear), and the aggregates the
dashboard shows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import psycopg

from workers.stores.postgres import unavailable_as_retryable

_SPAN = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(value: str | None) -> datetime | None:
    """`30m`, `2h`, `7d` (ago) or an ISO timestamp."""
    if not value:
        return None
    m = _SPAN.match(value.strip())
    if m:
        return datetime.now(timezone.utc) - timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError(f"--since takes 30m, 2h, 7d or an ISO time, not {value!r}") from exc
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class JobFilter:
    state: str | None = None
    drop: str | None = None
    code: str | None = None
    since: datetime | None = None   # jobs whose state last changed at or after this

    def where(self) -> tuple[str, list]:
        clauses, args = [], []
        for column, value in (("state", self.state), ("drop_name", self.drop), ("failure_code", self.code)):
            if value:
                clauses.append(f"{column} = %s")
                args.append(value)
        if self.since:
            clauses.append("state_changed_at >= %s")
            args.append(self.since)
        return (" AND ".join(clauses) or "true"), args


def list_jobs(conn: psycopg.Connection, flt: JobFilter, limit: int = 100, offset: int = 0,
              with_traceback: bool = False) -> list[dict]:
    where, args = flt.where()
    # the traceback of the job's last failure, if an exception made it
    traceback = (", (SELECT e.detail->>'traceback' FROM job_events e WHERE e.job_id = jobs.id AND e.state = 'failed'"
                 " ORDER BY e.id DESC LIMIT 1) AS traceback") if with_traceback else ""
    with unavailable_as_retryable():
        return conn.execute(
            f"SELECT id, bucket, key, drop_name, state, attempts, page_count, failure_code, failure_message, "
            f"record_id, created_at, state_changed_at{traceback} FROM jobs WHERE {where} "
            f"ORDER BY state_changed_at DESC, id DESC LIMIT %s OFFSET %s", (*args, limit, offset)).fetchall()


def count_jobs(conn: psycopg.Connection, flt: JobFilter) -> int:
    where, args = flt.where()
    with unavailable_as_retryable():
        return conn.execute(f"SELECT count(*) AS n FROM jobs WHERE {where}", args).fetchone()["n"]


def job_ids(conn: psycopg.Connection, flt: JobFilter) -> list[int]:
    where, args = flt.where()
    with unavailable_as_retryable():
        return [r["id"] for r in conn.execute(f"SELECT id FROM jobs WHERE {where} ORDER BY id", args)]


def failures_by_code(conn: psycopg.Connection, since: datetime) -> dict[str, int]:
    with unavailable_as_retryable():
        rows = conn.execute("SELECT failure_code, count(*) AS n FROM jobs WHERE state = 'failed' "
                            "AND state_changed_at >= %s GROUP BY failure_code ORDER BY n DESC", (since,))
        return {r["failure_code"]: r["n"] for r in rows}


def pages_per_minute(conn: psycopg.Connection, minutes: int = 60) -> list[tuple[datetime, int]]:
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


def drops_summary(conn: psycopg.Connection) -> list[dict]:
    """One row per drop: totals by outcome, pages, pages per minute over the last 10
    minutes and the time the rest should take at that pace."""
    with unavailable_as_retryable():
        rows = conn.execute(
            """SELECT j.drop_name AS name, count(*) AS total,
                      count(*) FILTER (WHERE j.state = 'published') AS published,
                      count(*) FILTER (WHERE j.state = 'failed') AS failed,
                      coalesce(sum(j.page_count) FILTER (WHERE j.state = 'published'), 0) AS pages,
                      coalesce(sum(j.page_count) FILTER (WHERE j.state = 'published'
                               AND j.state_changed_at >= now() - interval '10 minutes'), 0) / 10.0 AS pages_per_minute,
                      count(*) FILTER (WHERE j.state = 'published'
                               AND j.state_changed_at >= now() - interval '10 minutes') / 10.0 AS jobs_per_minute,
                      min(j.created_at) AS started, max(j.state_changed_at) AS last_change,
                      (SELECT d.manifest FROM drops d WHERE d.name = j.drop_name) AS manifest
               FROM jobs j WHERE j.drop_name IS NOT NULL GROUP BY j.drop_name ORDER BY max(j.created_at) DESC"""
        ).fetchall()
    for r in rows:
        r["pending"] = r["total"] - r["published"] - r["failed"]
        r["eta_minutes"] = round(r["pending"] / r["jobs_per_minute"], 1) if r["pending"] and r["jobs_per_minute"] else None
    return rows


def missing_from_drop(conn: psycopg.Connection, drop: str) -> list[str]:
    """Files the drop's manifest lists that never arrived."""
    with unavailable_as_retryable():
        row = conn.execute("SELECT manifest FROM drops WHERE name = %s", (drop,)).fetchone()
        if not row:
            return []
        arrived = {r["key"].split("/", 2)[2] for r in conn.execute(
            "SELECT DISTINCT key FROM jobs WHERE drop_name = %s", (drop,))}
    return [f for f in row["manifest"].get("files", []) if f not in arrived]
