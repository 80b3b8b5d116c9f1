"""The database's write rates under many concurrent workers: what the README's "Scaling"
model checks its limits against.

    .venv/bin/python bench/ledger.py [--jobs 600] [--records 400] [--connections 1,4,16,64]

The ledger.
Each of K connections (a worker process each, as K pods would hold) takes its own jobs
through ocr → parsing → publishing → published with the real `jobs.transition` (each a
transaction: lock the job, update it, add its job_events row; the counting triggers
update the metric rows in it). It prints transitions/s for each K, and the same with the
counting triggers switched off as the baseline in the same run: the ratio is what the
metric rows cost, and the share of backends waiting on a lock shows whether they
serialise the transitions.

The documents. Each of K connections publishes its own records (a record a page, built
from samples/texts with the real parser, its lemmas made beforehand) with the real
`postgres.upsert_document`, and the same without the full-text index as the baseline.

Its own database `delo_ledgerbench`, dropped at the end.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workers.ledger import jobs  # noqa: E402
from workers.stores import postgres  # noqa: E402

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DB = "delo_ledgerbench"
URL = f"postgresql://postgres@127.0.0.1:5432/{DB}"
PATH = ("ocr", "parsing", "publishing", "published")


def run(connections: int, per_connection: int, counting: bool, tag: str) -> tuple[float, float]:
    """(transitions/s, share of the samples in which a backend waited on a lock)."""
    with postgres.connect(URL) as conn:
        conn.execute(f"ALTER TABLE jobs {'ENABLE' if counting else 'DISABLE'} TRIGGER jobs_counted")
        ids = [[jobs.create(conn, "scans", f"{tag}/{c}/{i}.png", etag=f"{tag}-{c}-{i}", queued=True)[0]
                for i in range(per_connection)] for c in range(connections)]
    start = threading.Barrier(connections + 1)

    def worker(mine: list[int]) -> None:
        with postgres.connect(URL) as own:
            start.wait()
            for job in mine:
                for state in PATH:
                    jobs.transition(own, job, state)

    threads = [threading.Thread(target=worker, args=(mine,)) for mine in ids]
    for t in threads:
        t.start()
    waiting = samples = 0
    with psycopg.connect(URL, autocommit=True) as watch:
        start.wait()
        began = time.perf_counter()
        while any(t.is_alive() for t in threads):
            active, locked = watch.execute(
                "SELECT count(*) FILTER (WHERE state = 'active'), count(*) FILTER (WHERE wait_event_type = 'Lock') "
                "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()
            samples += active
            waiting += locked
            time.sleep(0.01)
        seconds = time.perf_counter() - began
    return connections * per_connection * len(PATH) / seconds, waiting / max(samples, 1)


def records(n: int) -> list[tuple[dict, str]]:
    """n records of a page each, with their lemmas: the sample texts under n sources."""
    from workers.config import Settings
    from workers.ocr.stage import OcrResult, PageResult
    from workers.pipeline import build_record
    from workers.records.morph import lemmas

    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "samples" / "texts").glob("*.txt"))]
    made = []
    for i in range(len(texts)):
        page = PageResult(number=1, text=texts[i], confidence=90.0, dpi=300, width=2480, height=3508,
                          skew_degrees=0.0, steps=(), seconds=1.0)
        made.append(build_record(uri=f"s3://scans/bench/{i}.png", version="v1", drop="bench", settings=Settings(),
                                 ocr=OcrResult("image/png", "0" * 64, "tesseract", "rus", [page])))
    out = []
    for i in range(n):
        record = {**made[i % len(made)], "id": f"{i:064x}"}
        record["source"] = {**record["source"], "uri": f"s3://scans/bench/{i}.png"}
        out.append((record, lemmas(record["text"])))
    return out


def publish(connections: int, batch: list[tuple[dict, str]], indexed: bool) -> float:
    """Records upserted a second across `connections` connections."""
    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute("TRUNCATE documents")
        if indexed:
            conn.execute("CREATE INDEX IF NOT EXISTS documents_tsv_idx ON documents USING gin (tsv)")
        else:
            conn.execute("DROP INDEX IF EXISTS documents_tsv_idx")
    shares = [batch[c::connections] for c in range(connections)]
    start = threading.Barrier(connections + 1)

    def worker(mine: list[tuple[dict, str]]) -> None:
        with postgres.connect(URL) as own:
            start.wait()
            for record, words in mine:
                postgres.upsert_document(own, record, words)

    threads = [threading.Thread(target=worker, args=(mine,)) for mine in shares]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    return len(batch) / (time.perf_counter() - began)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=600, help="jobs for each count, shared among its connections")
    ap.add_argument("--records", type=int, default=400, help="records for each count of the documents' part")
    ap.add_argument("--connections", default="1,4,16,64")
    args = ap.parse_args()
    postgres.ensure_database(URL, fresh=True)
    with postgres.connect(URL) as conn:
        postgres.migrate_all(conn)  # the ledger's and the documents' schemas, as `delo migrate` makes them
    try:
        print(f"{'connections':>11} {'transitions/s':>13} {'lock waits':>10}   {'no counting':>11} {'lock waits':>10}"
              f" {'ratio':>6}")
        for k in (int(x) for x in args.connections.split(",")):
            per = max(args.jobs // k, 10)
            counted, waits = run(k, per, True, f"c{k}")
            bare, bare_waits = run(k, per, False, f"b{k}")
            print(f"{k:11} {counted:13.0f} {waits:10.0%}   {bare:11.0f} {bare_waits:10.0%} {counted / bare:6.2f}")
        print("transitions/s: jobs.transition calls a second across all connections (4 per job); lock waits: the "
              "share of busy backends waiting on a row lock; no counting: the same with the ledger's counting "
              "trigger off (the baseline); ratio: with counting / without")
        batch = records(args.records)
        print(f"\n{'connections':>11} {'records/s':>9}   {'no FTS index':>12} {'ratio':>6}")
        for k in (int(x) for x in args.connections.split(",")):
            indexed, bare = publish(k, batch, True), publish(k, batch, False)
            print(f"{k:11} {indexed:9.0f}   {bare:12.0f} {indexed / bare:6.2f}")
        print("records/s: documents upserted a second (a record a page, its full text and lemmas); no FTS index: "
              "the same without the full-text index (the baseline); ratio: with / without")
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')


if __name__ == "__main__":
    main()
