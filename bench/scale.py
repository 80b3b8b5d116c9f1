"""Scaling benchmark: 1, 2, … worker processes (up to the machine's cores) against one
broker, one ledger and one object store; for each count its pages/s, its speedup over
one process and that speedup's ratio to linear, and what each page cost the shared
pieces (the numbers the README's "Scaling" model is built from).

    .venv/bin/python bench/scale.py [--pages-per-worker 30] [--max-workers N]

Each count gets fresh pages (one scan each, as a drop of single pages arrives), uploaded
first, then announced at once as MinIO does; the clock runs from the first event to the
last job published. Worker processes are separate `celery worker -c 1` processes, each
with its own tesseract engine, as separate pods would be. Per page it counts, from the
ledger: the ledger's writes (job rows and job_events rows), and from the broker (Redis
INFO): the commands the run sent to it. It starts its own S3 server, intake, database
`delo_bench` and Redis db 12 (bench/pipeline.py's), and stops them at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

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
                    # one page first, untimed: each worker's engine starts once, as a pod's would
                    through_stack(pages[:1], intake, env["DELO_DATABASE_URL"], f"warm-{n}")
                    before = commands(broker)
                    seconds = through_stack(pages, intake, env["DELO_DATABASE_URL"], f"scale-{n}")
                    sent = commands(broker) - before
                finally:
                    for proc in workers:
                        stop(proc)
                with psycopg.connect(env["DELO_DATABASE_URL"]) as conn:
                    events = conn.execute("SELECT count(*) FROM job_events e JOIN jobs j ON j.id = e.job_id "
                                          "WHERE j.key LIKE %s", (f"scale-{n}/%",)).fetchone()[0]
                rows.append((n, len(pages), seconds, events / len(pages), sent / len(pages)))
        finally:
            for proc in services:
                stop(proc)
    one = rows[0][1] / rows[0][2]
    print(f"{'workers':>7} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'speedup':>8} {'of linear':>9}"
          f" {'ledger writes/page':>19} {'broker cmds/page':>17}")
    for n, count, seconds, writes, cmds in rows:
        rate = count / seconds
        print(f"{n:7} {count:6} {seconds:8.1f} {rate:8.2f} {rate / one:8.2f} {rate / one / n:9.2f} "
              f"{2 * writes:19.1f} {cmds:17.0f}")
        if n > 1:
            print(f"speedup {rate / one:.2f}")
    print("ledger writes per page: each transition updates the job's row and adds its job_events row, in one "
          "transaction (the counting triggers update a few counter rows in it too); broker commands: every Redis "
          "command the run caused (sends, acks, results, task events, heartbeats), per page")


if __name__ == "__main__":
    main()
