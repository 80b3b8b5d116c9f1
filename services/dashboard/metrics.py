"""/metrics in Prometheus' text format: the queues' depths asked of the broker, and what
the ledger counted at the transitions (workers/ledger/metrics.py names every metric), and
the pages awaiting review (an index of the documents table). A
scrape reads a few dozen rows whatever the size of the ledger, and the counters, kept in
the database, only grow: restarts and replays leave rate() right."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric

from workers.ledger import metrics as ledger_metrics
from workers.ledger.jobs import STATES

COUNTERS = {  # name (without _total) → help
    "delo_jobs_published": "jobs published (a job replayed and published again counts again)",
    "delo_pages_processed": "pages of the jobs published",
    "delo_replays": "jobs sent through the pipeline again by a replay",
}


class LedgerCollector:
    def __init__(self, snapshot: ledger_metrics.Snapshot, queues: dict[str, int], awaiting_review: int):
        self.snapshot, self.queues, self.awaiting_review = snapshot, queues, awaiting_review

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily("delo_queue_depth", "tasks waiting in each broker queue", labels=["queue"])
        for name, n in self.queues.items():
            depth.add_metric([name], n)
        yield depth

        jobs = GaugeMetricFamily("delo_jobs", "jobs in the ledger by state (a failure a newer version's "
                                 "publication superseded: superseded)", labels=["state"])
        for state in (*STATES, "superseded", *sorted(set(self.snapshot.jobs) - {*STATES, "superseded"})):
            jobs.add_metric([state], self.snapshot.jobs.get(state, 0))
        yield jobs

        for name, help_text in COUNTERS.items():
            yield CounterMetricFamily(name, help_text, value=self.snapshot.value(f"{name}_total"))

        failures = CounterMetricFamily("delo_failures", "jobs that entered failed, by failure code", labels=["code"])
        for labels, value in sorted(self.snapshot.counters.get("delo_failures_total", {}).items()):
            failures.add_metric([dict(labels)["code"]], value)
        yield failures

        yield GaugeMetricFamily("delo_pages_awaiting_review", "pages under the confidence threshold in records "
                                "no person has corrected yet (the Review page)", value=self.awaiting_review)

        buckets, total, count = self.snapshot.histogram("delo_ocr_page_seconds")
        yield HistogramMetricFamily(
            "delo_ocr_page_seconds", "OCR seconds of each page (preprocessing and tesseract), measured per page",
            buckets=[(le(bound), n) for bound, n in buckets] or [("+Inf", count)], sum_value=total)


def le(bound: float) -> str:
    """A bucket's bound as Prometheus writes it: 1.0, 0.25, +Inf."""
    return "+Inf" if bound == float("inf") else repr(float(bound))


def render(conn: ledger_metrics.Conn, queues: dict[str, int], awaiting_review: int) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(LedgerCollector(ledger_metrics.snapshot(conn), queues, awaiting_review))
    return generate_latest(registry)
