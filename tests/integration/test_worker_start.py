"""A worker that reads pages checks tesseract, its languages and poppler before its first
task (workers/tasks/startup.py): without them it refuses to start, in one line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from tests.stack.conftest import free_port, spawn, stop, wait_until
from workers.config import Settings
from workers.errors import ConfigError, FailureCode
from workers.ocr import tools

pytestmark = pytest.mark.tesseract
CELERY = os.path.join(os.path.dirname(sys.executable), "celery")
# the languages it has between: the machine's
MISSING = re.compile(r"delo worker: cannot start: TOOL_MISSING: tesseract language data missing: xxx "
                     r"\(have [^;]+; apt-get install tesseract-ocr-xxx\)")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A Redis of the test's own, keeping nothing: the worker needs a broker to start with."""
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    proc = spawn(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                  "--daemonize", "no", "--dir", str(folder)], dict(os.environ), folder / "redis.log")
    import redis

    wait_until(lambda: redis.Redis(port=port).ping(), timeout=20, what=f"redis-server :{port}")
    yield f"redis://127.0.0.1:{port}/0"
    stop(proc)


def worker(redis_url: str, queues: str, **env: str) -> tuple[list[str], dict[str, str]]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DELO_")}
    return [CELERY, "-A", "workers.celery_app", "worker", "-Q", queues, "-c", "1", "--loglevel=INFO"], \
        {**clean, "DELO_REDIS_URL": redis_url, **env}


def test_check_names_the_tools_or_what_is_missing() -> None:
    found = tools.check(Settings(ocr_languages="Cyrillic"))
    assert found.startswith("tesseract ") and "(Cyrillic), poppler " in found
    with pytest.raises(ConfigError) as caught:
        tools.check(Settings(ocr_languages="xxx"))
    assert caught.value.code is FailureCode.TOOL_MISSING and "\n" not in str(caught.value)


def test_a_worker_without_its_language_refuses_to_start_in_one_line(redis_url) -> None:
    """GIVEN DELO_OCR_LANGUAGES names a language tesseract does not have WHEN an OCR worker
    starts THEN it exits within seconds with status 6 and one line saying what to install
    (it used to start and fail every job with TOOL_MISSING)."""
    cmd, env = worker(redis_url, "ocr,ocr_bulk", DELO_OCR_LANGUAGES="xxx")
    started = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert time.monotonic() - started < 20
    assert proc.returncode == ConfigError.exit_status == 6, proc.stderr
    said = [line for line in (proc.stdout + proc.stderr).splitlines() if "cannot start" in line]
    assert len(said) == 1 and MISSING.fullmatch(said[0]), said
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("queues, env", [
    ("ocr,ocr_bulk", {}),                                # the tools are there: it starts
    ("parse,publish", {"DELO_OCR_LANGUAGES": "xxx"}),    # it reads no page: it needs none of them
])
def test_a_worker_with_what_it_needs_starts(redis_url, tmp_path, queues, env) -> None:
    cmd, env = worker(redis_url, queues, **env)
    log = tmp_path / "worker.log"
    proc = spawn(cmd, env, log)
    try:
        wait_until(lambda: b"ready." in log.read_bytes() or proc.poll() is not None, timeout=60, what="worker")
        assert proc.poll() is None, log.read_text()
    finally:
        stop(proc)
