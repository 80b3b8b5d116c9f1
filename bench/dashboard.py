"""Dashboard benchmark: a ledger of 200,000 jobs over 50 drops, every page timed.

    .venv/bin/python bench/dashboard.py [--jobs 200000] [--drops 50] [--documents 20000] [--requests 40]

Fills a database `delo_dash_bench` (jobs in every state, six events per finished job,
failures under several codes, documents with Russian text for search), starts the
dashboard on it, and prints p50/p95 of each page over sequential requests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.stack.conftest import BIN, free_port, spawn, stop, wait_until  # noqa: E402

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DB = "delo_dash_bench"


def fill(url: str, jobs: int, drops: int, documents: int) -> None:
    from psycopg.types.json import Jsonb

    from workers.pipeline import record_id
    from workers.records import parse_record
    from workers.records.morph import lemmas
    from workers.stores import postgres

    with psycopg.connect(url, autocommit=True) as conn:
        postgres.migrate_all(conn)
        started = time.perf_counter()
        # states: 85% published, 6% failed (four codes), the rest in flight; spread over two hours
        conn.execute("""
            INSERT INTO jobs (bucket, key, version, etag, size, drop_name, state, attempts, page_count,
                              failure_code, failure_message, timings, created_at, state_changed_at)
            SELECT 'scans', 'drops/drop-' || (i %% %(drops)s) || '/scan-' || i || '.tif', 'e' || i, 'e' || i, 100000,
                   'drop-' || (i %% %(drops)s),
                   CASE WHEN r < 0.85 THEN 'published' WHEN r < 0.91 THEN 'failed' WHEN r < 0.95 THEN 'queued'
                        WHEN r < 0.98 THEN 'ocr' ELSE 'publishing' END,
                   1, 1 + (i %% 3),
                   CASE WHEN r >= 0.85 AND r < 0.91
                        THEN (ARRAY['CORRUPT_FILE','NO_TEXT','STORE_UNAVAILABLE','OCR_TIMEOUT'])[1 + i %% 4] END,
                   CASE WHEN r >= 0.85 AND r < 0.91 THEN 'generated failure' END,
                   jsonb_build_object('queued', 0.1, 'ocr', 1.2 + r, 'parsing', 0.05, 'publishing', 0.03),
                   now() - make_interval(secs => 7200 * (1 - i::float / %(jobs)s)),
                   now() - make_interval(secs => 7200 * (1 - i::float / %(jobs)s)) + interval '2 seconds'
            FROM (SELECT i, random() AS r FROM generate_series(1, %(jobs)s) i) g""",
                     {"jobs": jobs, "drops": drops})
        conn.execute("""
            INSERT INTO job_events (job_id, state, at)
            SELECT j.id, s.state, j.created_at + make_interval(secs => s.n * 0.3)
            FROM jobs j CROSS JOIN LATERAL unnest(CASE WHEN j.state IN ('published', 'failed')
                 THEN ARRAY['received','queued','ocr','parsing','publishing', j.state]
                 ELSE ARRAY['received','queued', j.state] END) WITH ORDINALITY AS s(state, n)""")
        texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "samples" / "texts").glob("*.txt"))]
        records = [parse_record(t) for t in texts]
        copy_in = "COPY documents (id, source_uri, document_type, date, record, text, lemmas) FROM STDIN"
        with conn.cursor() as cur, cur.copy(copy_in) as copy:
            for i in range(documents):
                text, rec = texts[i % len(texts)], records[i % len(texts)]
                uri = f"s3://scans/drops/drop-{i % drops}/scan-{i}.tif"
                doc = {"schema": "delo.record/1", "id": record_id(uri), "source": {"uri": uri}, "text": text, "record": rec}
                copy.write_row((record_id(uri), uri, rec["document_type"], rec["date"], Jsonb(doc), text, lemmas(text)))
        conn.execute("UPDATE jobs SET record_id = id::text WHERE state = 'published'")
        conn.execute("VACUUM ANALYZE")
        counts = conn.execute("SELECT (SELECT count(*) FROM jobs), (SELECT count(*) FROM job_events), "
                              "(SELECT count(*) FROM documents)").fetchone()
        print(f"ledger filled in {time.perf_counter() - started:.0f} s: {counts[0]:,} jobs, {counts[1]:,} events, "
              f"{counts[2]:,} documents, {drops} drops")


def timed(url: str, n: int, headers: dict) -> tuple[float, float]:
    with httpx.Client(headers=headers, timeout=30) as client:
        client.get(url).raise_for_status()  # warm
        times = []
        for _ in range(n):
            t = time.perf_counter()
            client.get(url).raise_for_status()
            times.append((time.perf_counter() - t) * 1000)
    q = statistics.quantiles(times, n=20)
    return statistics.median(times), q[18]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=200_000)
    ap.add_argument("--drops", type=int, default=50)
    ap.add_argument("--documents", type=int, default=20_000)
    ap.add_argument("--requests", type=int, default=40)
    args = ap.parse_args()
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DB}"')
    url = psycopg.conninfo.make_conninfo(ADMIN, dbname=DB)
    fill(url, args.jobs, args.drops, args.documents)
    port = free_port()
    env = {**os.environ, "DELO_DATABASE_URL": url, "DELO_DASHBOARD_VIEWER_TOKEN": "bench-viewer",
           "DELO_REDIS_URL": "redis://127.0.0.1:6379/12"}
    with tempfile.TemporaryDirectory() as tmp:
        proc = spawn([str(BIN / "uvicorn"), "--factory", "services.dashboard.app:create_app",
                      "--host", "127.0.0.1", "--port", str(port),
                      "--log-level", "warning", "--no-access-log"], env, Path(tmp) / "dashboard.log")
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until(lambda: httpx.get(f"{base}/healthz").status_code == 200, what="dashboard")
            headers = {"Authorization": "Bearer bench-viewer"}
            pages = {
                "overview": "/", "drops": "/drops", "drop (one of 50)": "/drops/drop-7",
                "failures (all)": "/failures", "failures (code + drop + since)": "/failures?code=NO_TEXT&drop=drop-3&since=1h",
                "search (Корея)": "/documents?q=Корея", "job": f"/jobs/{args.jobs // 2}", "metrics": "/metrics",
            }
            print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8}   ({args.requests} sequential requests each)")
            for name, path in pages.items():
                p50, p95 = timed(base + path, args.requests, headers)
                print(f"{name:34} {p50:8.1f} {p95:8.1f}")
        finally:
            stop(proc)


if __name__ == "__main__":
    main()
