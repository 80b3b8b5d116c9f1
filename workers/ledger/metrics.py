"""The ledger's metrics: counters and jobs by state, kept by triggers at the transitions
(ledger migrations 004 and 007), read here in a few rows: no scrape reads a job.

    delo_jobs{state}                   jobs in each state now (superseded failures: `superseded`)
    delo_jobs_published_total          jobs published (a replay published again counts again)
    delo_pages_processed_total         pages of the jobs published
    delo_failures_total{code}          jobs that entered `failed`, by failure code
    delo_replays_total                 jobs sent through the pipeline again by a replay
    delo_ocr_page_seconds              histogram: OCR seconds of each page, measured per page

The counters only grow: a job leaving `published` or `failed` (a replay), superseded, or
deleted takes nothing back; they live in the database, so they survive any restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg

from workers.stores.postgres import unavailable_as_retryable

PAGE_SECONDS = "page_seconds"  # the key of the `published` event's detail the histogram reads
Labels = tuple[tuple[str, str], ...]  # a counter's labels, sorted: (("code", "OCR_TIMEOUT"),)
Conn = psycopg.Connection[dict[str, Any]]


def published_detail(records: list[dict[str, Any]]) -> dict[str, list[float]]:
    """The detail of a job's `published` transition: its pages' OCR seconds (a page two
    documents share, once), observed by the ledger in the transition's own transaction
    (once per publication)."""
    seconds = {page["number"]: page["seconds"] for record in records for page in record["ocr"]["pages"]}
    return {PAGE_SECONDS: [seconds[n] for n in sorted(seconds)]}


def observe_pages(conn: Conn, seconds: list[float]) -> None:
    """Record pages' OCR seconds in the histogram directly (what a `published` event with
    published_detail does by itself)."""
    with unavailable_as_retryable():
        conn.execute("SELECT delo_observe_page_seconds(%s::double precision[])", ([float(s) for s in seconds],))


@dataclass
class Snapshot:
    jobs: dict[str, int]                                       # state → jobs in it
    counters: dict[str, dict[Labels, float]] = field(default_factory=dict)  # name → {labels: value}

    def value(self, name: str, **labels: str) -> float:
        return self.counters.get(name, {}).get(tuple(sorted(labels.items())), 0.0)

    def histogram(self, name: str) -> tuple[list[tuple[float, float]], float, float]:
        """([(upper bound, cumulative count)…, (inf, count)], sum, count) of a histogram."""
        rows = sorted((float(dict(labels)["le"]), n) for labels, n in self.counters.get(f"{name}_bucket", {}).items())
        buckets: list[tuple[float, float]] = []
        seen = 0.0
        for bound, n in rows:
            seen += n
            buckets.append((bound, seen))
        return buckets, self.value(f"{name}_sum"), self.value(f"{name}_count")


# both tables are a few hundred rows, whatever the size of the ledger: a row per metric (or
# state) and shard, each backend writing its own shard (ledger migration 007), added up here
_READ = "SELECT name, labels, sum(value) AS value FROM counters GROUP BY name, labels"
_JOBS = "SELECT state, sum(n)::bigint AS n FROM job_counts GROUP BY state"


def jobs_by_state(conn: Conn) -> dict[str, int]:
    with unavailable_as_retryable():
        return {r["state"]: r["n"] for r in conn.execute(_JOBS)}


def snapshot(conn: Conn) -> Snapshot:
    jobs = jobs_by_state(conn)
    with unavailable_as_retryable():
        counters: dict[str, dict[Labels, float]] = {}
        for r in conn.execute(_READ):
            counters.setdefault(r["name"], {})[tuple(sorted(r["labels"].items()))] = r["value"]
    return Snapshot(jobs, counters)


QUERIES = (_READ, _JOBS)  # what a scrape runs (tests/stack/test_metrics.py EXPLAINs them)
