"""/metrics by the Prometheus rules (issue 9, point 8), against a real PostgreSQL and the
running dashboard: counters kept by the ledger at the transitions never go down (a replay,
a supersession or a deletion takes nothing back) and survive a restart; each page's OCR
seconds lands in its bucket; jobs by state always equal what the jobs table says; and a
scrape reads no job at all."""

from __future__ import annotations

import random
import uuid
from datetime import datetime
from typing import Any

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.stack.conftest import PG_ADMIN, serve
from tests.stack.helpers import job_row
from workers.ledger import jobs as ledger
from workers.ledger import metrics, replay
from workers.stores import postgres

pytestmark = pytest.mark.stack
PUBLISHED = ("queued", "ocr", "parsing", "publishing", "published")
MIGRATIONS = postgres.migrations(postgres.LEDGER)


@pytest.fixture
def fresh(db):
    """Each test's jobs live in a bucket named for the test (and its failure codes carry it)."""
    bucket = f"m{datetime.now().timestamp():.6f}".replace(".", "")
    yield bucket
    db.execute("DELETE FROM jobs WHERE bucket = %s", (bucket,))


def scrape(url: str) -> dict[tuple, float]:
    """Every sample of /metrics: (name, ((label, value), ...)) → value, by Prometheus' own parser."""
    answer = httpx.get(f"{url}/metrics", timeout=10)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(answer.text) for s in family.samples}


def publish(db, bucket: str, key: str, pages: int, seconds: list[float] | None = None, etag: str | None = None) -> int:
    job_id, _ = ledger.create(db, bucket, key, etag=etag or key, size=1)
    for state in PUBLISHED:
        fields: dict[str, Any] = {"page_count": pages} if state == "ocr" else {}
        ledger.transition(db, job_id, state, **fields,
                          detail={metrics.PAGE_SECONDS: seconds} if state == "published" and seconds else None)
    return job_id


def fail(db, bucket: str, key: str, code: str, etag: str | None = None) -> int:
    job_id, _ = ledger.create(db, bucket, key, etag=etag or key, size=1, queued=True)
    ledger.transition(db, job_id, "failed", failure=(code, "for the test"))
    return job_id


def counts_agree(db) -> tuple[dict, dict]:
    """job_counts and the jobs table's own answer, read in one snapshot."""
    with db.transaction():
        db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        kept = ledger.counts_by_state(db)  # the shards of each state added up
        truth = {r["state"]: r["n"] for r in db.execute(
            "SELECT CASE WHEN state = 'failed' AND superseded_by IS NOT NULL THEN 'superseded' ELSE state END AS state,"
            " count(*) AS n FROM jobs GROUP BY 1")}
    return kept, truth


def test_metrics_parse_and_name_every_family(dashboard, db, fresh) -> None:
    """GIVEN a ledger with jobs WHEN /metrics is scraped THEN Prometheus' parser reads it,
    with the families and types the README names, and jobs by state as the table has them."""
    fail(db, fresh, "a.png", f"TEST_{fresh}")
    answer = httpx.get(f"{dashboard}/metrics", timeout=10)
    families = {f.name: f.type for f in text_string_to_metric_families(answer.text)}
    assert families == {
        "delo_queue_depth": "gauge", "delo_jobs": "gauge", "delo_jobs_published": "counter",
        "delo_pages_processed": "counter", "delo_replays": "counter", "delo_failures": "counter",
        "delo_ocr_page_seconds": "histogram", "delo_pages_awaiting_review": "gauge"}
    samples = scrape(dashboard)
    assert samples[("delo_failures_total", (("code", f"TEST_{fresh}"),))] == 1
    assert {k[1][0][1] for k in samples if k[0] == "delo_queue_depth"} == {"ocr", "ocr_bulk", "parse", "publish"}
    kept, truth = counts_agree(db)
    assert kept == truth
    assert {k[1][0][1]: v for k, v in samples.items() if k[0] == "delo_jobs" and v} == truth
    assert ("delo_jobs", (("state", "superseded"),)) in samples  # every state, 0 when none


def test_a_replay_decreases_no_counter(dashboard, db, fresh) -> None:
    """GIVEN a published job (3 pages) and a failed one WHEN both are replayed (and the
    failure's newer version published, superseding nothing since it was replayed) THEN no
    counter goes down: replays +2, pages and failures as they were; published again, +3 pages."""
    code = f"TEST_{fresh}"
    done = publish(db, fresh, "done.png", 3)
    failed = fail(db, fresh, "bad.png", code)
    before = scrape(dashboard)
    assert sorted(replay.replay(db, [done, failed], include_published=True, by="test")) == sorted([done, failed])
    after = scrape(dashboard)
    for key, value in before.items():
        if key[0].endswith(("_total", "_bucket", "_count", "_sum")):
            assert after.get(key, 0) >= value, key
    assert after[("delo_replays_total", ())] == before[("delo_replays_total", ())] + 2
    assert after[("delo_pages_processed_total", ())] == before[("delo_pages_processed_total", ())]
    assert after[("delo_failures_total", (("code", code),))] == 1
    # the replayed jobs run again: the published one is published again, the other fails again
    for state in PUBLISHED[1:]:
        ledger.transition(db, done, state)
    ledger.transition(db, failed, "failed", failure=(code, "again"))
    again = scrape(dashboard)
    assert again[("delo_pages_processed_total", ())] == before[("delo_pages_processed_total", ())] + 3
    assert again[("delo_jobs_published_total", ())] == before[("delo_jobs_published_total", ())] + 1
    assert again[("delo_failures_total", (("code", code),))] == 2


def test_a_superseded_or_deleted_failure_takes_nothing_back(dashboard, db, fresh) -> None:
    """GIVEN a failure WHEN a newer version of its object is published THEN the gauge moves
    it from failed to superseded, and the failure counter stays; deleting jobs neither."""
    code = f"TEST_{fresh}"
    fail(db, fresh, "a.png", code, etag="v1")
    before = scrape(dashboard)
    publish(db, fresh, "a.png", 1, etag="v2")
    after = scrape(dashboard)
    jobs = lambda s, state: s.get(("delo_jobs", (("state", state),)), 0)  # noqa: E731
    assert jobs(after, "failed") == jobs(before, "failed") - 1
    assert jobs(after, "superseded") == jobs(before, "superseded") + 1
    assert after[("delo_failures_total", (("code", code),))] == 1
    db.execute("DELETE FROM jobs WHERE bucket = %s", (fresh,))
    gone = scrape(dashboard)
    assert gone[("delo_failures_total", (("code", code),))] == 1
    assert gone[("delo_pages_processed_total", ())] == after[("delo_pages_processed_total", ())]
    assert jobs(gone, "superseded") == jobs(before, "superseded")


def test_each_pages_ocr_seconds_lands_in_its_bucket(dashboard, db, fresh) -> None:
    """GIVEN a job published with its pages' OCR seconds [0.1, 0.25, 0.3, 3.0, 100] THEN the
    histogram's buckets gain, cumulatively, le=0.25: 2 (a bound is inclusive), 0.5: 3,
    1..2: 3, 4..64: 4, +Inf: 5; its count 5 and its sum 103.65."""
    before = scrape(dashboard)
    publish(db, fresh, "five.pdf", 5, seconds=[0.1, 0.25, 0.3, 3.0, 100])
    after = scrape(dashboard)
    gained = {le: after[("delo_ocr_page_seconds_bucket", (("le", le),))]
              - before[("delo_ocr_page_seconds_bucket", (("le", le),))]
              for le in ("0.25", "0.5", "1.0", "2.0", "4.0", "8.0", "16.0", "32.0", "64.0", "+Inf")}
    assert gained == {"0.25": 2, "0.5": 3, "1.0": 3, "2.0": 3, "4.0": 4, "8.0": 4, "16.0": 4, "32.0": 4,
                      "64.0": 4, "+Inf": 5}
    assert after[("delo_ocr_page_seconds_count", ())] - before[("delo_ocr_page_seconds_count", ())] == 5
    assert after[("delo_ocr_page_seconds_sum", ())] - before[("delo_ocr_page_seconds_sum", ())] == pytest.approx(103.65)


def test_published_detail_carries_each_pages_seconds() -> None:
    record = {"ocr": {"pages": [{"number": 1, "seconds": 1.5}, {"number": 2, "seconds": 0.2}]}}
    assert metrics.published_detail([record]) == {"page_seconds": [1.5, 0.2]}


def test_observe_pages_without_a_transition(db) -> None:
    before = metrics.snapshot(db)
    metrics.observe_pages(db, [0.6, 70])
    after = metrics.snapshot(db)
    bucket = "delo_ocr_page_seconds_bucket"
    gained = {le: after.value(bucket, le=le) - before.value(bucket, le=le) for le in ("0.5", "1", "64", "+Inf")}
    assert gained == {"0.5": 0, "1": 1, "64": 0, "+Inf": 1}  # not cumulative as kept: each page in one row
    assert after.value("delo_ocr_page_seconds_count") - before.value("delo_ocr_page_seconds_count") == 2


def test_counters_survive_a_dashboard_restart(stack_env, db, fresh, tmp_path) -> None:
    """GIVEN counters seen by one dashboard process WHEN it stops and another starts THEN
    the new one shows the same counts (they are the ledger's, not the process's)."""
    code = f"TEST_{fresh}"
    fail(db, fresh, "a.png", code)
    publish(db, fresh, "b.png", 2, seconds=[0.3, 0.4])
    first = serve("dashboard", stack_env, tmp_path)
    seen = scrape(next(first))
    first.close()  # the process is stopped
    second = serve("dashboard", stack_env, tmp_path)
    try:
        again = scrape(next(second))
    finally:
        second.close()
    assert again[("delo_failures_total", (("code", code),))] == seen[("delo_failures_total", (("code", code),))] == 1
    for key, value in seen.items():
        if key[0].endswith(("_total", "_bucket", "_count", "_sum")):
            assert again.get(key, 0) >= value, key
    assert seen[("delo_pages_processed_total", ())] >= 2


@pytest.mark.parametrize("seed", range(6))
def test_job_counts_equal_the_jobs_table_after_any_transitions(db, fresh, seed, stack_env) -> None:
    """Property: after a random series of creations, transitions (failures with codes,
    publications of newer versions that supersede failures), replays and deletions, made
    over several connections (each writes its own shard of the metric rows), the kept
    jobs-by-state equal `SELECT state, count(*)`, and the counters moved by exactly what
    the series did (the oracle counts its own steps, not the ledger's rows)."""
    rng = random.Random(seed)
    others = [postgres.connect(stack_env["DELO_DATABASE_URL"]) for _ in range(3)]
    conns = [db, *others]
    codes = [f"TEST_{fresh}_{c}" for c in "XYZ"]
    before = metrics.snapshot(db)
    expected = {"published": 0, "pages": 0, "replays": 0, **{c: 0 for c in codes}}
    jobs: dict[int, int] = {}  # id → its page count
    for step in range(80):
        action = rng.random()
        if action < 0.2 or not jobs:
            key = f"k{rng.randrange(4)}.png"  # few keys: newer versions of them supersede failures
            job_id, _ = ledger.create(db, fresh, key, etag=uuid.uuid4().hex, size=1, queued=rng.random() < 0.5)
            jobs[job_id] = 0
            continue
        job_id = rng.choice(sorted(jobs))
        job = job_row(db, job_id)
        if action < 0.3:
            replayed = replay.replay(db, [job_id], include_published=True, by="test")
            expected["replays"] += len(replayed)
        elif action < 0.33:
            db.execute("DELETE FROM jobs WHERE id = %s", (job_id,))
            del jobs[job_id]
        else:
            state = rng.choice(sorted(ledger._ALLOWED[job["state"]]))
            fields: dict[str, Any] = {}
            if state == "ocr":
                fields["page_count"] = jobs[job_id] = rng.randrange(1, 9)
            failure = (rng.choice(codes), "for the test") if state == "failed" else None
            ledger.transition(rng.choice(conns), job_id, state, failure=failure, **fields)
            if state == "published":
                expected["published"] += 1
                expected["pages"] += jobs[job_id]
            elif failure is not None:  # state == "failed"
                expected[failure[0]] += 1
        kept, truth = counts_agree(db)
        assert kept == truth, f"step {step}"
    after = metrics.snapshot(db)
    moved = {"published": after.value("delo_jobs_published_total") - before.value("delo_jobs_published_total"),
             "pages": after.value("delo_pages_processed_total") - before.value("delo_pages_processed_total"),
             "replays": after.value("delo_replays_total") - before.value("delo_replays_total"),
             **{c: after.value("delo_failures_total", code=c) for c in codes}}
    assert moved == expected
    shards = {r["shard"] for r in db.execute("SELECT DISTINCT shard FROM job_counts")}
    assert len(shards) > 1  # four backends' pids: the same shard for all four is a 1 in 32,768 chance
    for conn in others:
        conn.close()
    db.execute("DELETE FROM jobs WHERE bucket = %s", (fresh,))
    kept, truth = counts_agree(db)
    assert kept == truth


def test_a_scrape_reads_no_job(stack_env, db) -> None:
    """GIVEN jobs and job_events locked against any reader by another transaction WHEN the
    metrics and the overview's jobs by state are read THEN they answer at once: they never
    touch either table (and their plans name only counters and job_counts)."""
    from services.dashboard import metrics as exposition

    with postgres.connect(stack_env["DELO_DATABASE_URL"]) as locker, locker.transaction():
        locker.execute("LOCK TABLE jobs, job_events IN ACCESS EXCLUSIVE MODE")
        with postgres.connect(stack_env["DELO_DATABASE_URL"]) as conn:
            conn.execute("SET statement_timeout = '2s'")
            body = exposition.render(conn, {"ocr": 0}, 0)
            assert b"delo_jobs{" in body
            ledger.counts_by_state(conn)
            for query in metrics.QUERIES:
                plan = "\n".join(r["QUERY PLAN"] for r in conn.execute(f"EXPLAIN {query}"))
                assert "jobs " not in plan and "job_events" not in plan, plan


def test_the_migration_counts_the_ledger_it_finds(tmp_path) -> None:
    """GIVEN a ledger of migrations 001-003 with jobs published, failed (one superseded)
    and replayed WHEN migration 004 runs THEN job_counts and the counters start from them."""
    name = f"delo_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        older = tmp_path / "older"
        older.mkdir()
        for path in sorted(MIGRATIONS.glob("*.sql")):
            if path.name < "004":
                (older / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
        with postgres.connect(psycopg.conninfo.make_conninfo(PG_ADMIN, dbname=name)) as conn:
            assert "004_metrics.sql" not in postgres.migrate(conn, older)
            publish(conn, "b", "p.png", 4)
            publish(conn, "b", "q.png", 2)
            fail(conn, "b", "f.png", "CORRUPT_FILE", etag="v1")
            publish(conn, "b", "f.png", 1, etag="v2")  # supersedes the failure
            failed = fail(conn, "b", "g.png", "OCR_TIMEOUT")
            replay.replay(conn, [failed], by="test")
            ledger.transition(conn, failed, "failed", failure=("OCR_TIMEOUT", "again"))
            assert postgres.migrate(conn, MIGRATIONS)[0] == "004_metrics.sql"  # and those after it
            kept, truth = counts_agree(conn)
            assert kept == truth == {"published": 3, "failed": 1, "superseded": 1}
            snap = metrics.snapshot(conn)
            assert snap.value("delo_jobs_published_total") == 3
            assert snap.value("delo_pages_processed_total") == 7
            assert snap.value("delo_failures_total", code="CORRUPT_FILE") == 1
            assert snap.value("delo_failures_total", code="OCR_TIMEOUT") == 2
            assert snap.value("delo_replays_total") == 1
            buckets, total, count = snap.histogram("delo_ocr_page_seconds")
            assert [b for b, _ in buckets] == [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, float("inf")]
            assert (total, count) == (0, 0)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_job_the_workers_publish_observes_each_of_its_pages(tmp_path, s3, db, intake, workers) -> None:
    """GIVEN a scan uploaded and announced WHEN the workers publish it THEN the histogram
    counts each of its pages once, with the seconds its record gives each page."""
    from tests import scans
    from tests.stack.helpers import minio_event, notify, upload, wait_for_job

    before = metrics.snapshot(db)
    key = f"single/metrics-{uuid.uuid4().hex[:8]}.png"
    notify(intake, minio_event(upload(s3, key, scans.png(tmp_path / "p.png", scans.TELEGRAM).read_bytes())))
    job = wait_for_job(db, key)[0]
    assert job["state"] == "published"
    record = postgres.get_document(db, job["record_id"])
    assert record is not None
    seconds = [p["seconds"] for p in record["ocr"]["pages"]]
    after = metrics.snapshot(db)
    moved = {name: after.value(name) - before.value(name) for name in ("delo_ocr_page_seconds_count",
                                                                       "delo_ocr_page_seconds_sum")}
    assert len(seconds) == 1
    assert moved == {"delo_ocr_page_seconds_count": 1, "delo_ocr_page_seconds_sum": pytest.approx(sum(seconds))}
