"""/metrics in Prometheus' text format, computed from the ledger and the broker at scrape
time (so it survives restarts, like everything the dashboard shows)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

BUCKETS = (0.25, 0.5, 1, 2, 4, 8, 16, 32, 64)


class LedgerCollector:
    def __init__(self, conn, queues: dict[str, int]):
        self.conn, self.queues = conn, queues

    def collect(self):
        depth = GaugeMetricFamily("delo_queue_depth", "tasks waiting in each broker queue", labels=["queue"])
        for name, n in self.queues.items():
            depth.add_metric([name], n)
        yield depth

        # one pass over the jobs for the states, the failures and the per-page OCR times
        rows = self.conn.execute(
            "SELECT state, failure_code, count(*) AS n, coalesce(sum(page_count), 0) AS pages, "
            + ", ".join(f"count(*) FILTER (WHERE s <= {b}) AS b{i}" for i, b in enumerate(BUCKETS))
            + ", count(s) AS timed, coalesce(sum(s), 0) AS total FROM ("
            "  SELECT state, failure_code, page_count, CASE WHEN state = 'published' AND timings ? 'ocr'"
            "    THEN (timings->>'ocr')::float / greatest(page_count, 1) END AS s FROM jobs"
            "  WHERE superseded_by IS NULL OFFSET 0) t"  # a superseded failure is no one's to act on  # OFFSET 0: compute s once a row, not once per bucket
            " GROUP BY state, failure_code").fetchall()
        jobs = GaugeMetricFamily("delo_jobs", "jobs in the ledger by state", labels=["state"])
        by_state: dict[str, int] = {}
        for r in rows:
            by_state[r["state"]] = by_state.get(r["state"], 0) + r["n"]
        for state, n in by_state.items():
            jobs.add_metric([state], n)
        yield jobs

        published = [r for r in rows if r["state"] == "published"]
        yield CounterMetricFamily("delo_pages_processed", "pages of published jobs",
                                  value=sum(r["pages"] for r in published))
        row = {k: sum(r[k] for r in published) for k in [f"b{i}" for i in range(len(BUCKETS))] + ["timed", "total"]}
        yield HistogramMetricFamily(
            "delo_ocr_seconds_per_page", "seconds in the OCR state per page, per published job",
            buckets=[(str(b), row[f"b{i}"]) for i, b in enumerate(BUCKETS)] + [("+Inf", row["timed"])],
            sum_value=row["total"])

        failures = CounterMetricFamily("delo_failures", "failed jobs by failure code", labels=["code"])
        for r in rows:
            if r["state"] == "failed":
                failures.add_metric([r["failure_code"] or "UNKNOWN"], r["n"])
        yield failures

        replays = self.conn.execute("SELECT count(*) AS n FROM job_events WHERE detail ? 'replay'").fetchone()
        yield CounterMetricFamily("delo_replays", "jobs sent through the pipeline again", value=replays["n"])


def render(conn, queues: dict[str, int]) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(LedgerCollector(conn, queues))
    return generate_latest(registry)
