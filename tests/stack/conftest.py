"""The real pieces, started for the tests: an S3 server (moto), a fresh PostgreSQL
database, a Redis database of its own, Celery worker processes and the intake service.

Redis and PostgreSQL are the machine's (`.ci/run` starts them when they are down)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get("DELO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("DELO_TEST_REDIS", "redis://127.0.0.1:6379")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, timeout: float = 30, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(0.2)
    raise TimeoutError(f"{what} not reached in {timeout} s (last error: {last})")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def spawn(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory) -> Iterator[str]:
    port = free_port()
    proc = spawn([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], dict(os.environ),
                 tmp_path_factory.mktemp("moto") / "moto.log")
    wait_until(lambda: httpx.get(f"http://127.0.0.1:{port}/").status_code < 500, what="moto server")
    yield f"127.0.0.1:{port}"
    stop(proc)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    name = f"delo_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = psycopg.conninfo.make_conninfo(PG_ADMIN, dbname=name)
    from workers.stores import postgres

    with postgres.connect(url) as conn:  # as `delo migrate` does, before any service starts
        postgres.migrate_all(conn)
    yield url
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The broker's database (13), and the documents stream's (12)."""
    urls = [f"{REDIS}/13", f"{REDIS}/12"]
    for url in urls:
        redis.Redis.from_url(url).flushdb()
    yield urls[0]
    for url in urls:
        redis.Redis.from_url(url).flushdb()


@pytest.fixture(scope="session")
def s3_proxy(s3_endpoint):
    """The workers reach the S3 server through this proxy, which a test can cut."""
    from tests.stack.proxy import Proxy

    host, port = s3_endpoint.split(":")
    return Proxy(host, int(port))


@pytest.fixture(scope="session")
def documents_proxy(database_url):
    """The workers publish documents through this proxy to PostgreSQL: a test can cut it."""
    from tests.stack.proxy import Proxy

    info = psycopg.conninfo.conninfo_to_dict(database_url)
    return Proxy(info.get("host", "127.0.0.1"), int(info.get("port", 5432)))


@pytest.fixture(scope="session")
def sns_aws(s3_endpoint):
    """Where the intake fetches the certificates of moto's signed SNS messages (for AWS's host)."""
    from tests.stack.sns_aws import AwsStandIn

    stand_in = AwsStandIn(f"http://{s3_endpoint}")
    yield stand_in
    stand_in.close()


@pytest.fixture(scope="session")
def stack_env(s3_endpoint, s3_proxy, documents_proxy, database_url, redis_url, sns_aws, tmp_path_factory) -> dict:
    env = {
        **os.environ,
        "DELO_S3_ENDPOINT": f"127.0.0.1:{s3_proxy.port}", "DELO_S3_ACCESS_KEY": "test", "DELO_S3_SECRET_KEY": "test-secret",
        "DELO_DATABASE_URL": database_url, "DELO_REDIS_URL": redis_url, "DELO_INTAKE_TOKEN": "test-token",
        "DELO_INTAKE_BUCKETS": "scans,aws-scans",
        "DELO_CACHE_DIR": str(tmp_path_factory.mktemp("cache")), "DELO_STUCK_AFTER_SECONDS": "3600",
        "DELO_DOCUMENTS_DATABASE_URL": psycopg.conninfo.make_conninfo(database_url, host="127.0.0.1",
                                                                      port=documents_proxy.port),
        # a store that stays away fails its job after ~15 s rather than ~10 min
        "DELO_TASK_MAX_RETRIES": "3",
        "DELO_DASHBOARD_VIEWER_TOKEN": "test-viewer", "DELO_DASHBOARD_OPERATOR_TOKEN": "test-operator",
        # the documents stream on a Redis database of its own; a worker silent 6 s is lost
        "DELO_STREAM_REDIS_URL": f"{REDIS}/12", "DELO_WORKER_LOST_AFTER_SECONDS": "6",
        # the topic tests/stack/test_sns.py creates in moto (its default account), and AWS's host's stand-in
        "DELO_SNS_TOPIC_ARNS": "arn:aws:sns:us-east-1:123456789012:delo-scans", "DELO_SNS_TEST_AWS_URL": sns_aws.url,
    }
    os.environ.update({k: v for k, v in env.items() if k.startswith("DELO_")})
    from workers.config import get_settings

    get_settings.cache_clear()
    from workers.stores import objectstore

    objectstore.ensure_buckets(objectstore.client(get_settings()), "scans", "records")
    return env


@dataclass(frozen=True)
class Workers:
    proc: subprocess.Popen[bytes]
    log: Path  # tests read what the workers did (a retry, say) from here


@pytest.fixture(scope="session")
def workers(stack_env, tmp_path_factory) -> Iterator[Workers]:
    """Two real Celery worker processes serving all three queues."""
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    proc = spawn([str(BIN / "celery"), "-A", "workers.celery_app", "worker", "-Q", "ocr,ocr_bulk,parse,publish",
                  "-c", "2", "--loglevel=INFO", "-n", f"test-{uuid.uuid4().hex[:6]}@%h"], stack_env, log)
    wait_until(lambda: b"ready." in log.read_bytes(), timeout=60, what="celery worker")
    yield Workers(proc, log)
    stop(proc)


def serve(service: str, env: dict, folder: Path):
    """One of delo's HTTP services under uvicorn on a free port, until the session ends."""
    port = free_port()
    proc = spawn([str(BIN / "uvicorn"), "--factory", f"services.{service}.app:create_app",
                  "--host", "127.0.0.1", "--port", str(port)], env, folder / f"{service}.log")
    url = f"http://127.0.0.1:{port}"
    try:  # stopped however the caller ends: the session, or a test's own close()
        wait_until(lambda: httpx.get(f"{url}/healthz").status_code == 200, what=service)
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def intake(stack_env, tmp_path_factory) -> Iterator[str]:
    yield from serve("intake", stack_env, tmp_path_factory.mktemp("intake"))


@pytest.fixture
def db(stack_env):
    from workers.stores import postgres

    with postgres.connect(stack_env["DELO_DATABASE_URL"]) as conn:
        yield conn


@pytest.fixture(scope="session")
def s3(stack_env, s3_endpoint):
    """The tests' own client goes to the S3 server directly, not through the proxy."""
    from workers.config import get_settings
    from workers.stores import objectstore

    return objectstore.client(get_settings().model_copy(update={"s3_endpoint": s3_endpoint}))


@pytest.fixture(scope="session")
def dashboard(stack_env, tmp_path_factory) -> Iterator[str]:
    yield from serve("dashboard", stack_env, tmp_path_factory.mktemp("dashboard"))


@pytest.fixture(scope="session")
def browser():
    from tests.stack.browser import launch_browser

    yield from launch_browser()
