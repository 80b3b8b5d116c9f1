"""Pipeline benchmark: the whole stack against bare tesseract, and the intake under a burst.

    .venv/bin/python bench/pipeline.py [--pages 24] [--events 2000]

1. N generated pages (one scan each) uploaded to the S3 server and announced as MinIO
   does; 2 Celery worker processes take them through OCR, parse and publish. Against it,
   bare `tesseract IMG - -l rus` on the same files with 2 processes. Pages/s of each.
2. A burst of N events at the intake with no OCR worker running: events/s and latency
   percentiles (the intake only writes the ledger row and sends the task).
3. The smoke test `make stack` promises: one upload + event → record in `records`.
It starts its own S3 server, intake and workers on free ports, a database `delo_bench`
and Redis db 12, and stops them at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.stack.conftest import BIN, free_port, spawn, stop, wait_until  # noqa: E402
from tests.stack.helpers import minio_event, upload  # noqa: E402
from workers.threads import one_per_process  # noqa: E402

one_per_process()  # as delo's entry points do; bare tesseract runs with the same limits
TEXTS = sorted((ROOT / "samples" / "texts").glob("*.txt"))


def start_stack(tmp: Path) -> tuple[dict, list[subprocess.Popen], str]:
    s3_port, intake_port = free_port(), free_port()
    db = "delo_bench"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{db}"')
    redis.Redis.from_url("redis://127.0.0.1:6379/12").flushdb()
    env = {**os.environ, "DELO_S3_ENDPOINT": f"127.0.0.1:{s3_port}", "DELO_DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{db}",
           "DELO_REDIS_URL": "redis://127.0.0.1:6379/12", "DELO_INTAKE_TOKEN": "bench", "DELO_CACHE_DIR": str(tmp / "cache")}
    os.environ.update({k: v for k, v in env.items() if k.startswith("DELO_")})
    subprocess.run([str(BIN / "delo"), "migrate"], env=env, check=True, capture_output=True)
    procs = [spawn([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(s3_port)], env, tmp / "s3.log")]
    wait_until(lambda: httpx.get(f"http://127.0.0.1:{s3_port}/").status_code < 500, what="S3 server")
    from workers.config import get_settings
    from workers.stores import objectstore

    get_settings.cache_clear()
    objectstore.ensure_buckets(objectstore.client(get_settings()), "scans", "records")
    intake = f"http://127.0.0.1:{intake_port}"
    procs.append(spawn([str(BIN / "uvicorn"), "--factory", "services.intake.app:create_app",
                        "--host", "127.0.0.1", "--port", str(intake_port),
                        "--log-level", "warning", "--no-access-log"], env, tmp / "intake.log"))
    wait_until(lambda: httpx.get(f"{intake}/healthz").status_code == 200, what="intake")
    return env, procs, intake


def start_workers(env: dict, tmp: Path) -> subprocess.Popen:
    log = tmp / "worker.log"
    proc = spawn([str(BIN / "celery"), "-A", "workers.celery_app", "worker", "-Q", "ocr,ocr_bulk,parse,publish", "-c", "2",
                  "--without-gossip", "--without-mingle", "--without-heartbeat",
                  "--loglevel=WARNING", "-n", "bench@%h"], env, log)
    time.sleep(1)
    wait_until(lambda: subprocess.run([str(BIN / "celery"), "-A", "workers.celery_app", "inspect", "ping", "-t", "1"],
                                      env=env, capture_output=True).returncode == 0, timeout=60, what="workers")
    return proc


def make_pages(n: int, folder: Path) -> list[Path]:
    from samples.synthetic import render_page

    pages = []
    for i in range(n):
        path = folder / f"page-{i:03d}.png"
        render_page(TEXTS[i % len(TEXTS)].read_text(encoding="utf-8")).save(path, dpi=(300, 300))
        pages.append(path)
    return pages


def bare_tesseract(pages: list[Path]) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda p: subprocess.run(["tesseract", str(p), "-", "-l", "rus"], capture_output=True, check=True), pages))
    return time.perf_counter() - started


def through_stack(pages: list[Path], intake: str, db: str, prefix: str) -> float:
    from workers.config import get_settings
    from workers.stores import objectstore

    s3 = objectstore.client(get_settings())
    objs = [upload(s3, f"{prefix}/{p.name}", p.read_bytes()) for p in pages]
    started = time.perf_counter()
    for obj in objs:
        httpx.post(f"{intake}/minio/events", json=minio_event(obj), headers={"Authorization": "Bearer bench"})
    with psycopg.connect(db) as conn:
        done = lambda: conn.execute("SELECT count(*) FROM jobs WHERE key LIKE %s AND state IN ('published', 'failed')",  # noqa: E731
                                    (f"{prefix}/%",)).fetchone()[0] == len(pages)
        while not done():
            time.sleep(0.05 if time.perf_counter() - started < 1 else 0.25)
        failed = conn.execute("SELECT count(*) FROM jobs WHERE key LIKE %s AND state = 'failed'", (f"{prefix}/%",)).fetchone()[0]
    if failed:
        raise SystemExit(f"{failed} pages failed")
    return time.perf_counter() - started


async def burst(intake: str, n: int, concurrency: int = 8) -> tuple[float, list[float]]:
    """N distinct events over `concurrency` keep-alive connections. A minimal HTTP/1.1
    client on asyncio streams: httpx alone could not send more than ~400 requests/s here."""
    import json as _json

    host, port = intake.removeprefix("http://").split(":")
    requests = []
    for i in range(n):
        body = _json.dumps(minio_event({"key": f"burst/{i:05d}.png", "etag": f"{i:032x}", "size": 1000})).encode()
        requests.append(b"POST /minio/events HTTP/1.1\r\nHost: intake\r\nAuthorization: Bearer bench\r\n"
                        b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    latencies: list[float] = []
    todo = iter(requests)

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        for request in todo:
            t = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise SystemExit(f"intake answered {head.splitlines()[0]!r}")
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - t)
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


def cpu_by_process() -> dict[str, float]:
    """CPU seconds used so far, summed by program name (tesseract children included)."""
    import psutil

    out: dict[str, float] = {}
    for p in psutil.process_iter(["name", "cmdline", "cpu_times"]):
        try:
            cmd = " ".join(p.info["cmdline"] or [])
            name = next((n for n in ("celery", "moto_server", "uvicorn", "postgres", "redis", "tesseract") if n in cmd),
                        p.info["name"])
            t = p.info["cpu_times"]
            out[name] = out.get(name, 0) + t.user + t.system + t.children_user + t.children_system
        except (psutil.Error, TypeError):
            continue
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=24)
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--cpu", action="store_true", help="also print which processes used the CPU")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="delo-bench-") as tmp:
        tmp = Path(tmp)
        env, procs, intake = start_stack(tmp)
        try:
            seconds, latencies = asyncio.run(burst(intake, args.events))
            q = statistics.quantiles(latencies, n=100)
            print(f"intake burst: {args.events} events in {seconds:.2f} s = {args.events / seconds:.0f} events/s; "
                  f"latency p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms (8 keep-alive connections, no OCR worker)")
            # the burst's tasks are not for this run
            redis.Redis.from_url(env["DELO_REDIS_URL"]).delete("ocr", "ocr_bulk", "publish")
            with psycopg.connect(env["DELO_DATABASE_URL"]) as conn:
                conn.execute("DELETE FROM jobs WHERE key LIKE 'burst/%%'")

            pages = make_pages(args.pages, tmp)
            bare = bare_tesseract(pages)
            procs.append(start_workers(env, tmp))
            through_stack(pages[:2], intake, env["DELO_DATABASE_URL"], "warmup")  # models loaded in both workers
            before = cpu_by_process()
            stack = through_stack(pages, intake, env["DELO_DATABASE_URL"], "bench")
            if args.cpu:
                after = cpu_by_process()
                spent = sorted(((after[k] - before.get(k, 0), k) for k in after), reverse=True)[:8]
                print("CPU seconds during the stack run: " + ", ".join(f"{name} {sec:.1f}" for sec, name in spent))
            print(f"{args.pages} pages, 2 processes each: bare tesseract {args.pages / bare:.2f} pages/s, "
                  f"delo stack {args.pages / stack:.2f} pages/s, ratio {bare / stack:.2f}")

            started = time.perf_counter()
            through_stack(pages[:1], intake, env["DELO_DATABASE_URL"], "smoke")
            print(f"one upload + event → record published: {time.perf_counter() - started:.1f} s")
        finally:
            for p in reversed(procs):
                stop(p)


if __name__ == "__main__":
    main()
