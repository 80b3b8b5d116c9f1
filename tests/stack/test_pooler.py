"""Past about 100 workers PostgreSQL's connections run out (one a worker process, up to 16
an intake replica): a transaction-mode pooler goes between (README "Scaling"). delo behind
a real PgBouncer (Debian's), with more clients than server connections and
DELO_DATABASE_POOLER set: the schema migrated through it, and a scan taken from upload to
published record by an intake and a worker that reach the database only through it; and
what the setting prevents."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator

import psycopg
import pytest
import redis

from tests import scans
from tests.stack.conftest import BIN, PG_ADMIN, REDIS, free_port, serve, spawn, stop, wait_until
from tests.stack.helpers import minio_event, notify, upload, wait_for_job
from workers.ledger import jobs as ledger
from workers.stores import postgres

pytestmark = pytest.mark.stack
SERVER_CONNECTIONS = 2  # fewer than the clients below: sessions share server connections


@pytest.fixture(scope="module")
def pooled(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """(a fresh database's URL through PgBouncer in transaction mode, its direct URL)."""
    name = f"delo_pool_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    folder = tmp_path_factory.mktemp("pgbouncer")
    port = free_port()
    admin_info = psycopg.conninfo.conninfo_to_dict(PG_ADMIN)
    (folder / "users.txt").write_text('"postgres" ""\n')
    (folder / "pgbouncer.ini").write_text(f"""[databases]
* = host={admin_info.get("host", "127.0.0.1")} port={admin_info.get("port", 5432)}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "users.txt"}
pool_mode = transaction
default_pool_size = {SERVER_CONNECTIONS}
max_client_conn = 200
ignore_startup_parameters = extra_float_digits
""")
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    as_user = ["-u", "nobody"] if os.geteuid() == 0 else []  # it will not run as root
    proc = spawn([binary, *as_user, str(folder / "pgbouncer.ini")], dict(os.environ), folder / "pgbouncer.log")
    url = f"postgresql://postgres@127.0.0.1:{port}/{name}"
    wait_until(lambda: _answers(url), what="pgbouncer")
    yield url, psycopg.conninfo.make_conninfo(PG_ADMIN, dbname=name)
    stop(proc)
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            return conn.execute("SELECT 1").fetchone() == (1,)
    except psycopg.OperationalError:
        return False


def test_sessions_prepared_statements_collide_behind_the_pooler_unless_told(pooled, monkeypatch) -> None:
    url, _ = pooled
    plain = [psycopg.connect(url, autocommit=True) for _ in range(2 * SERVER_CONNECTIONS)]  # psycopg's defaults
    with pytest.raises(psycopg.errors.DuplicatePreparedStatement):  # each prepares on its 5th run of a statement
        for i in range(10):
            for client in plain:
                client.execute("SELECT %s::int + 1", (i,)).fetchone()
    for client in plain:
        client.close()
    from workers.config import get_settings

    monkeypatch.setenv("DELO_DATABASE_POOLER", "true")
    get_settings.cache_clear()
    try:
        clients = [postgres.connect(url) for _ in range(2 * SERVER_CONNECTIONS)]
        for i in range(10):
            for conn in clients:
                assert conn.execute("SELECT %s::int + 1 AS n", (i,)).fetchone() == {"n": i + 1}
        for conn in clients:
            conn.close()
    finally:
        monkeypatch.delenv("DELO_DATABASE_POOLER")
        get_settings.cache_clear()


def test_a_scan_is_published_through_the_pooler(pooled, stack_env, s3, tmp_path) -> None:
    url, direct = pooled
    broker = f"{REDIS}/11"  # its own queues: the session's workers reach the database directly
    redis.Redis.from_url(broker).flushdb()
    env = {**stack_env, "DELO_DATABASE_URL": url, "DELO_DOCUMENTS_DATABASE_URL": url, "DELO_DATABASE_POOLER": "true",
           "DELO_REDIS_URL": broker}
    migrated = subprocess.run([str(BIN / "delo"), "migrate"], env=env, capture_output=True, text=True, timeout=120)
    assert migrated.returncode == 0, migrated.stderr
    log = tmp_path / "worker.log"
    worker = spawn([str(BIN / "celery"), "-A", "workers.celery_app", "worker", "-Q", "ocr,ocr_bulk,parse,publish",
                    "-c", "2", "--loglevel=INFO", "-n", f"pooled-{uuid.uuid4().hex[:6]}@%h"], env, log)
    intake = serve("intake", env, tmp_path)
    try:
        wait_until(lambda: b"ready." in log.read_bytes(), timeout=60, what="celery worker")
        intake_url = next(intake)
        keys = [f"pooled/page-{i}.png" for i in range(3)]
        for i, key in enumerate(keys):
            notify(intake_url, minio_event(upload(s3, key, scans.png(tmp_path / f"{i}.png").read_bytes())))
        with postgres.connect(direct) as db:
            for key in keys:
                [job] = wait_for_job(db, key)
                assert job["state"] == "published", job
            published = db.execute("SELECT count(*) AS n FROM documents WHERE source_uri LIKE %s",
                                   ("%/pooled/%",)).fetchone()
            assert published == {"n": len(keys)}
            assert ledger.counts_by_state(db) == {"published": len(keys)}
        assert b"DuplicatePreparedStatement" not in log.read_bytes() and b"prepared statement" not in log.read_bytes()
    finally:
        intake.close()
        stop(worker)
        redis.Redis.from_url(broker).flushdb()
