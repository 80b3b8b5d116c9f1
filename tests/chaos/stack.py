"""The whole stack, started for the fault scenarios on processes of its own, so that a
fault is real and hurts nothing else on the machine:

- a broker Redis and a stream Redis on free ports (never the machine's Redis, which a
  restart would empty for everyone), the broker restartable empty or from its AOF;
- a fresh PostgreSQL database and a moto S3 server, each reached by the stack through a
  TCP proxy (tests/stack/proxy.py) that a scenario cuts: an outage the clients see as one;
- two Celery worker instances with one child each (killing one leaves the other), beat
  and the intake under uvicorn, each in a process group of its own.

The scenarios' own clients (uploads, the measurements) go to PostgreSQL and S3 directly.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import psutil
import psycopg
import redis
from minio import Minio
from psycopg.rows import dict_row

from tests.stack.conftest import BIN, PG_ADMIN, ROOT, free_port, stop, wait_until
from tests.stack.helpers import stream_ids, upload
from tests.stack.proxy import Proxy
from workers.pipeline import record_id
from workers.stores import postgres

TOKEN = "chaos-token"
WORKERS = ("a", "b")

# The recovery's knobs, set low enough that the scenarios run in seconds (README, issue 8)
RECOVERY_ENV = {
    "DELO_SWEEP_EVERY_SECONDS": "2",
    "DELO_WORKER_LOST_AFTER_SECONDS": "10",
    "DELO_RETRY_DELAY_MAX_SECONDS": "10",
    "DELO_TASK_MAX_RETRIES": "40",
    # low limits keep the poison files that exceed them small
    "DELO_MAX_FILE_BYTES": str(4 << 20),
    "DELO_MAX_PAGES": "20",
}


def spawn(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    """A process in a session (and so a process group) of its own; its log is appended
    to, so a restarted process keeps the story of the one before."""
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=open(log, "ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)


class RedisServer:
    """redis-server on a free port: durable (appendonly, the AOF in `folder`) or volatile
    (keeps nothing, so a restart comes back empty)."""

    def __init__(self, folder: Path, durable: bool):
        self.folder, self.durable, self.port = folder, durable, free_port()
        self.proc: subprocess.Popen | None = None
        folder.mkdir(parents=True, exist_ok=True)
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=5)

    def start(self) -> None:
        kind = ["--appendonly", "yes"] if self.durable else ["--save", "", "--appendonly", "no"]
        self.proc = spawn(["/usr/bin/redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                           "--dir", str(self.folder), *kind], dict(os.environ), self.folder.with_suffix(".log"))
        wait_until(lambda: self.client().ping(), timeout=20, what=f"redis-server :{self.port}")

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)  # SIGTERM: a durable server writes its AOF out before it exits
            self.proc = None

    @property
    def up(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def restart(self, *, durable: bool, crash: bool = False) -> None:
        """Stop, then start again; volatile, it comes back with nothing. With `crash`, it
        is SIGKILLed: a durable server keeps only what its AOF had fsynced (up to 1 s less)."""
        if crash and self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            self.proc = None
        self.stop()
        self.durable = durable
        if not durable:
            shutil.rmtree(self.folder)
            self.folder.mkdir()
        self.start()


class Stack:
    def __init__(self, folder: Path):
        self.folder = folder
        self.procs: dict[str, subprocess.Popen] = {}
        self.cut: set[str] = set()  # the proxies a scenario has cut and not yet restored

    # --- up and down ---------------------------------------------------------------

    def start(self) -> Stack:
        self.database = f"delo_chaos_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.database}"')
        direct = psycopg.conninfo.make_conninfo(PG_ADMIN, dbname=self.database)
        pg = psycopg.conninfo.conninfo_to_dict(direct)
        self.pg_proxy = Proxy(str(pg.get("host", "127.0.0.1")), int(str(pg.get("port", 5432))))
        self.db = psycopg.connect(direct, autocommit=True, row_factory=dict_row)
        postgres.migrate_all(self.db)  # once, before the services start

        s3_port = free_port()
        self._spawn("moto", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(s3_port)], dict(os.environ))
        wait_until(lambda: httpx.get(f"http://127.0.0.1:{s3_port}/").status_code < 500, what="moto server")
        self.s3_proxy = Proxy("127.0.0.1", s3_port)
        self.s3 = Minio(f"127.0.0.1:{s3_port}", access_key="test", secret_key="test-secret", secure=False)
        for bucket in ("scans", "records"):
            self.s3.make_bucket(bucket)

        self.broker = RedisServer(self.folder / "broker", durable=True)
        self.stream = RedisServer(self.folder / "stream", durable=True)
        # the machine's own DELO_ settings (or those another test session put in
        # os.environ) must not leak into this stack
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DELO_")} | RECOVERY_ENV | {
            "DELO_DATABASE_URL": psycopg.conninfo.make_conninfo(direct, host="127.0.0.1", port=self.pg_proxy.port),
            "DELO_S3_ENDPOINT": f"127.0.0.1:{self.s3_proxy.port}",
            "DELO_S3_ACCESS_KEY": "test", "DELO_S3_SECRET_KEY": "test-secret",
            "DELO_REDIS_URL": self.broker.url, "DELO_STREAM_REDIS_URL": self.stream.url,
            "DELO_INTAKE_TOKEN": TOKEN, "DELO_CACHE_DIR": str(self.folder / "cache"),
        }

        for name in WORKERS:
            self.start_worker(name, wait=False)
        self._spawn("beat", [str(BIN / "celery"), "-A", "workers.celery_app", "beat", "--loglevel=INFO",
                             "--schedule", str(self.folder / "beat-schedule")])
        port = free_port()
        self.intake = f"http://127.0.0.1:{port}"
        self._spawn("intake", [str(BIN / "uvicorn"), "--factory", "services.intake.app:create_app", "--host", "127.0.0.1",
                               "--port", str(port), "--no-access-log"])
        wait_until(lambda: httpx.get(f"{self.intake}/healthz").status_code == 200, what="intake")
        for name in WORKERS:
            self._wait_ready(name, 0)
        return self

    def stop(self) -> None:
        for proc in self.procs.values():
            stop(proc)
        for server in ("broker", "stream"):
            if hasattr(self, server):
                getattr(self, server).stop()
        for proxy in ("pg_proxy", "s3_proxy"):
            if hasattr(self, proxy) and proxy not in self.cut:
                getattr(self, proxy).cut()
        if hasattr(self, "db"):
            self.db.close()
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def _spawn(self, name: str, cmd: list[str], env: dict | None = None) -> subprocess.Popen:
        self.procs[name] = spawn(cmd, env or self.env, self.log(name))
        return self.procs[name]

    def log(self, name: str) -> Path:
        return self.folder / f"{name}.log"

    # --- workers -------------------------------------------------------------------

    def start_worker(self, name: str, wait: bool = True) -> None:
        """A worker instance; restarted under the same node name, as a supervisor would."""
        seen = self.log(name).stat().st_size if self.log(name).exists() else 0
        self._spawn(name, [str(BIN / "celery"), "-A", "workers.celery_app", "worker", "-Q", "ocr,ocr_bulk,parse,publish",
                           "-c", "1", "--loglevel=INFO", "-n", f"chaos-{name}@%h"])
        if wait:
            self._wait_ready(name, seen)

    def _wait_ready(self, name: str, seen: int) -> None:
        wait_until(lambda: b"ready." in self.log(name).read_bytes()[seen:], timeout=90, what=f"worker {name}")

    def busy_worker(self, timeout: float = 60) -> tuple[str, psutil.Process]:
        """(instance, its pool child) at a moment that child's tesseract engine is reading
        a page. The engine (workers/ocr/engine.py) is a process the pool child keeps
        between pages, idle on its stdin: burning CPU, it is mid-page."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = {}
            for name in WORKERS:
                try:
                    for child in psutil.Process(self.procs[name].pid).children():
                        for p in child.children():
                            if "workers.ocr.engine" in p.cmdline():
                                before[name, child, p] = sum(p.cpu_times()[:2])
                except psutil.NoSuchProcess:
                    pass
            time.sleep(0.05)
            for (name, child, p), cpu in before.items():
                try:
                    if sum(p.cpu_times()[:2]) - cpu > 0.02:
                        return name, child
                except psutil.NoSuchProcess:
                    pass
        raise TimeoutError(f"no worker was reading a page within {timeout} s")

    def kill_worker(self, name: str) -> None:
        """SIGKILL to the instance's whole process group: main process, pool, tesseract."""
        os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait()

    # --- faults --------------------------------------------------------------------

    def cut_proxy(self, which: str) -> None:
        getattr(self, which).cut()
        self.cut.add(which)

    def restore_proxy(self, which: str) -> None:
        getattr(self, which).restore()
        self.cut.discard(which)

    def heal(self) -> None:
        """Back to a whole stack after a scenario, whatever it left broken."""
        for which in list(self.cut):
            self.restore_proxy(which)
        if not self.broker.up:
            self.broker.start()
        for name in WORKERS:
            if self.procs[name].poll() is not None:
                self.start_worker(name)

    # --- uploads and what became of them ---------------------------------------------

    def upload(self, key: str, data: bytes) -> dict:
        return upload(self.s3, key, data)

    def jobs(self, prefix: str) -> list[dict]:
        return self.db.execute("SELECT id, key, state, failure_code, failure_message FROM jobs "
                               "WHERE bucket = 'scans' AND key LIKE %s ORDER BY id", (prefix + "%",)).fetchall()

    def documents(self, uris: list[str]) -> dict[str, int]:
        rows = self.db.execute("SELECT source_uri, count(*) AS n FROM documents WHERE source_uri = ANY(%s) "
                               "GROUP BY source_uri", (uris,)).fetchall()
        return {r["source_uri"]: r["n"] for r in rows}

    def record_objects(self, uri: str) -> int:
        return sum(o.object_name.endswith(".json") for o in self.s3.list_objects("records", prefix=record_id(uri)))

    def broker_messages(self) -> list[tuple[str, dict]]:
        """(task, kwargs) of every message in the broker's queues or held unacked by a worker."""
        client = self.broker.client()
        raw = [m for q in ("ocr", "ocr_bulk", "parse", "publish") for m in client.lrange(q, 0, -1)]
        raw += [json.dumps(json.loads(held)[0]) for held in client.hvals("unacked")]
        found = []
        for message in map(json.loads, raw):
            body = json.loads(base64.b64decode(message["body"]))  # [args, kwargs, embed]
            found.append((message["headers"].get("task"), body[1]))
        return found

    def stream_entries(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for raw in stream_ids(self.stream.client(), "delo:documents"):
            doc = raw.decode() if isinstance(raw, bytes) else raw
            counts[doc] = counts.get(doc, 0) + 1
        return counts
