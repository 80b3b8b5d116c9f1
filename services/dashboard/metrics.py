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

        jobs = GaugeMetricFamily("delo_jobs", "jobs in the ledger by state", labels=["state"])
        for row in self.conn.execute("SELECT state, count(*) AS n FROM jobs GROUP BY state"):
            jobs.add_metric([row["state"]], row["n"])
        yield jobs

        pages = self.conn.execute("SELECT coalesce(sum(page_count), 0) AS n FROM jobs WHERE state = 'published'").fetchone()
        yield CounterMetricFamily("delo_pages_processed", "pages of published jobs", value=pages["n"])

        row = self.conn.execute(
            "SELECT " + ", ".join(f"count(*) FILTER (WHERE s <= {b}) AS b{i}" for i, b in enumerate(BUCKETS))
            + ", count(*) AS n, coalesce(sum(s), 0) AS total FROM ("
            "  SELECT (timings->>'ocr')::float / greatest(page_count, 1) AS s FROM jobs"
            "  WHERE state = 'published' AND timings ? 'ocr') t").fetchone()
        yield HistogramMetricFamily(
            "delo_ocr_seconds_per_page", "seconds in the OCR state per page, per published job",
            buckets=[(str(b), row[f"b{i}"]) for i, b in enumerate(BUCKETS)] + [("+Inf", row["n"])],
            sum_value=row["total"])

        failures = CounterMetricFamily("delo_failures", "failed jobs by failure code", labels=["code"])
        for r in self.conn.execute("SELECT failure_code, count(*) AS n FROM jobs WHERE state = 'failed' GROUP BY 1"):
            failures.add_metric([r["failure_code"] or "UNKNOWN"], r["n"])
        yield failures

        replays = self.conn.execute("SELECT count(*) AS n FROM job_events WHERE detail ? 'replay'").fetchone()
        yield CounterMetricFamily("delo_replays", "jobs sent through the pipeline again", value=replays["n"])


def render(conn, queues: dict[str, int]) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(LedgerCollector(conn, queues))
    return generate_latest(registry)
