"""Replay benchmark: N jobs failed for real, replayed by one filter, counted at the end.

    .venv/bin/python bench/replay.py [--jobs 1000]

N small scans are uploaded and announced while the workers' documents database is
unreachable (and retries are off), so every job fails with STORE_UNAVAILABLE after its
OCR. The workers are then restarted with the database back and
`delo replay --failed --code STORE_UNAVAILABLE` is timed until all N are published.
Prints the time, and the documents count (N expected: one per job, no duplicates).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pipeline import start_stack, start_workers  # noqa: E402
from tests.stack.conftest import BIN, stop  # noqa: E402
from tests.stack.helpers import minio_event, upload  # noqa: E402


def small_scan(n: int) -> bytes:
    from samples.synthetic import _font

    img = Image.new("L", (1200, 300), 255)
    ImageDraw.Draw(img).text((40, 100), f"Телеграмма номер {n}. Совершенно секретно.", font=_font(42), fill=0)
    path = Path(tempfile.gettempdir()) / "delo-replay-scan.png"
    img.save(path, dpi=(300, 300))
    return path.read_bytes()


def wait_states(db: str, states: tuple[str, ...], n: int, timeout: float) -> float:
    started = time.perf_counter()
    with psycopg.connect(db) as conn:
        while conn.execute("SELECT count(*) FROM jobs WHERE key LIKE 'replay/%%' AND state = ANY(%s)",
                           (list(states),)).fetchone()[0] < n:
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"not all {n} jobs reached {states} in {timeout} s")
            time.sleep(0.5)
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=1000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="delo-bench-") as tmp:
        tmp = Path(tmp)
        env, procs, intake = start_stack(tmp)
        try:
            from workers.config import get_settings
            from workers.stores import objectstore

            s3 = objectstore.client(get_settings())
            broken = {**env, "DELO_DOCUMENTS_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere",
                      "DELO_TASK_MAX_RETRIES": "0"}
            workers = start_workers(broken, tmp)
            for i in range(args.jobs):
                obj = upload(s3, f"replay/{i:05d}.png", small_scan(i))
                httpx.post(f"{intake}/minio/events", json=minio_event(obj), headers={"Authorization": "Bearer bench"})
            failed_in = wait_states(env["DELO_DATABASE_URL"], ("failed", "published"), args.jobs, 3600)
            with psycopg.connect(env["DELO_DATABASE_URL"]) as conn:
                codes = dict(conn.execute("SELECT failure_code, count(*) FROM jobs WHERE key LIKE 'replay/%%' "
                                          "GROUP BY 1").fetchall())
            print(f"{args.jobs} jobs processed with the documents database away in {failed_in:.0f} s: {codes}")
            stop(workers)
            procs.append(start_workers(env, tmp))

            started = time.perf_counter()
            out = subprocess.run([str(BIN / "delo"), "replay", "--failed", "--code", "STORE_UNAVAILABLE", "--json"],
                                 capture_output=True, text=True, env=env, check=True).stdout
            replayed = json.loads(out)["replayed"]
            wait_states(env["DELO_DATABASE_URL"], ("published",), args.jobs, 3600)
            took = time.perf_counter() - started
            with psycopg.connect(env["DELO_DATABASE_URL"]) as conn:
                docs, distinct = conn.execute("SELECT count(*), count(DISTINCT source_uri) FROM documents "
                                              "WHERE source_uri LIKE 's3://scans/replay/%%'").fetchone()
                attempts = conn.execute("SELECT min(attempts), max(attempts) FROM jobs WHERE key LIKE 'replay/%%'").fetchone()
            print(f"replay by filter: {replayed} replayed, all published {took:.0f} s after the command "
                  f"({args.jobs / took:.1f} jobs/s); documents {docs} ({distinct} distinct sources), attempts {attempts}")
        finally:
            for p in reversed(procs):
                stop(p)


if __name__ == "__main__":
    main()
