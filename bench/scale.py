"""Scaling benchmark: 1, 2, … worker processes (up to the machine's cores) against one
broker, one ledger and one object store; for each count its pages/s, its speedup over
one process and that speedup's ratio to linear, and what each page cost the shared
pieces (the numbers the README's "Scaling" model is built from).

    .venv/bin/python bench/scale.py [--pages-per-worker 30] [--max-workers N]

Each count gets fresh pages (one scan each, as a drop of single pages arrives), uploaded
first, then announced at once as MinIO does; the clock runs from the first event to the
last job published. Worker processes are separate `celery worker -c 1` processes, each
with its own tesseract engine, as separate pods would be. Per page it counts what the
shared pieces were asked to do:
- the database (PostgreSQL's own statistics): transactions committed, and rows written
  (inserted, updated or deleted) per table: the ledger's (jobs, job_events), the metric
  counters' (job_counts, counters: a few rows every transition updates) and the documents';
- the broker (Redis INFO): every command the run sent it;
- the object store (the S3 server's access log): every request, by method and bucket,
  less the bench's own uploads;
- the CPU each piece spent (its processes' user + system time): PostgreSQL's, Redis's,
  the S3 server's (moto here, not MinIO), the intake's, and the workers' own (with their
  tesseract engines). A shared piece's milliseconds per page over its cores is where it
  saturates: the README's model divides by them.
It starts its own S3 server, intake, database `delo_bench` and Redis db 12
(bench/pipeline.py's), and stops them at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psutil
import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from pipeline import make_pages, start_stack, through_stack  # noqa: E402

sys.path.insert(0, str(ROOT))
from tests.stack.conftest import BIN, spawn, stop, wait_until  # noqa: E402


def start_workers(env: dict, tmp: Path, n: int) -> list:
    """`n` worker processes of one slot each, on every queue."""
    procs = [spawn([str(BIN / "celery"), "-A", "workers.celery_app", "worker", "-Q", "ocr,ocr_bulk,parse,publish",
                    "-c", "1", "--without-gossip", "--without-mingle", "--loglevel=WARNING", "-n", f"scale{i}@%h"],
                   env, tmp / f"worker-{n}-{i}.log") for i in range(n)]

    def all_answer() -> bool:
        import subprocess

        out = subprocess.run([str(BIN / "celery"), "-A", "workers.celery_app", "inspect", "ping", "-t", "2"],
                             env=env, capture_output=True, text=True).stdout
        return out.count("pong") >= n

    wait_until(all_answer, timeout=90, what=f"{n} workers")
    return procs


def commands(client: redis.Redis) -> int:
    return int(client.info("stats")["total_commands_processed"])


# PostgreSQL's statistics reach the views within about a second of a transaction, or when
# its backend goes idle for 10 s (PG 15): read them once every process has gone quiet
STATS_SETTLE_SECONDS = 11
TABLE_GROUPS = {"jobs": "ledger", "job_events": "ledger", "drops": "ledger", "job_counts": "counters",
                "counters": "counters"}


def db_writes(url: str) -> Counter:
    """Rows written per table group so far, and transactions committed."""
    time.sleep(STATS_SETTLE_SECONDS)
    with psycopg.connect(url) as conn:
        done: Counter = Counter()
        for table, rows in conn.execute("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables"):
            done[TABLE_GROUPS.get(table, "documents" if table.startswith(("documents", "record")) else "other")] += rows
        done["transactions"] = conn.execute("SELECT xact_commit FROM pg_stat_database "
                                            "WHERE datname = current_database()").fetchone()[0]
    return done


def cpu_seconds(procs: list[psutil.Process]) -> float:
    """User + system seconds of these processes and every live descendant."""
    total = 0.0
    for proc in procs:
        try:
            for p in [proc, *proc.children(recursive=True)]:
                times = p.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def named(name: str) -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["name"]) if p.info["name"] == name]


S3_REQUEST = re.compile(rb'"(GET|PUT|POST|HEAD|DELETE) /([^/?" ]*)')


def s3_requests(log: Path) -> Counter:
    """The S3 server's requests so far, by method and bucket."""
    return Counter(f"{m.group(1).decode()} {m.group(2).decode() or '/'}" for m in S3_REQUEST.finditer(log.read_bytes()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages-per-worker", type=int, default=30)
    ap.add_argument("--max-workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="delo-scale-") as tmp_name:
        tmp = Path(tmp_name)
        env, services, intake = start_stack(tmp)
        broker = redis.Redis.from_url(env["DELO_REDIS_URL"])
        rows = []
        try:
            for n in range(1, args.max_workers + 1):
                (tmp / f"pages-{n}").mkdir()
                pages = make_pages(args.pages_per_worker * n, tmp / f"pages-{n}")
                workers = start_workers(env, tmp, n)
                try:
                    # two pages a worker first, untimed: each worker's tesseract engine and parser
                    # models load once, as a pod's would (one page warmed only the worker that took it)
                    through_stack(pages[:2 * n], intake, env["DELO_DATABASE_URL"], f"warm-{n}")
                    written, asked = db_writes(env["DELO_DATABASE_URL"]), s3_requests(tmp / "s3.log")
                    pieces = {"postgres": named("postgres"), "redis": named("redis-server"),
                              "s3": [psutil.Process(services[0].pid)], "intake": [psutil.Process(services[1].pid)],
                              "workers": [psutil.Process(w.pid) for w in workers]}
                    cpu = {k: cpu_seconds(v) for k, v in pieces.items()}
                    before = commands(broker)
                    seconds = through_stack(pages, intake, env["DELO_DATABASE_URL"], f"scale-{n}")
                    sent = commands(broker) - before
                    cpu = {k: (cpu_seconds(v) - cpu[k]) / len(pages) * 1000 for k, v in pieces.items()}
                    written = db_writes(env["DELO_DATABASE_URL"]) - written
                    asked = s3_requests(tmp / "s3.log") - asked
                    asked["PUT scans"] -= len(pages)  # the bench's own uploads
                finally:
                    for proc in workers:
                        stop(proc)
                rows.append((n, len(pages), seconds, written, sent / len(pages), asked, cpu))
        finally:
            for proc in services:
                stop(proc)
    one = rows[0][1] / rows[0][2]
    print(f"{'workers':>7} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'speedup':>8} {'of linear':>9}  per page: "
          f"{'db commits':>10} {'ledger rows':>11} {'counter rows':>12} {'document rows':>13} {'broker cmds':>11} "
          f"{'S3 requests':>11}")
    for n, count, seconds, written, cmds, asked, _ in rows:
        rate = count / seconds
        print(f"{n:7} {count:6} {seconds:8.1f} {rate:8.2f} {rate / one:8.2f} {rate / one / n:9.2f}  {'':9} "
              f"{written['transactions'] / count:10.1f} {written['ledger'] / count:11.1f} "
              f"{written['counters'] / count:12.1f} {written['documents'] / count:13.1f} {cmds:11.0f} "
              f"{sum(asked.values()) / count:11.1f}")
        if n > 1:
            print(f"speedup {rate / one:.2f}")
    print("CPU ms per page: " + "; ".join(
        f"{r[0]} worker(s): " + ", ".join(f"{k} {v:.0f}" for k, v in r[6].items()) for r in rows))
    print("S3 requests per page, by method and bucket (last count): "
          + ", ".join(f"{what} {k / rows[-1][1]:.2f}" for what, k in sorted(rows[-1][5].items()) if k))
    print("per page: db commits are the database's transactions (the ledger's transitions, the intake's batch "
          "inserts, the documents' upserts, the dashboard's none); counter rows are the few metric rows every "
          "transition updates in its own transaction; broker commands are every Redis command the run caused "
          "(sends, acks, results, task events, heartbeats)")


if __name__ == "__main__":
    main()
