"""`delo health` on a real worker: it answers a ping over the broker and has its tesseract
languages; a worker that is not there, or an image without the configured language, is
unhealthy with the reason."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.stack.conftest import BIN

pytestmark = pytest.mark.stack


def _health(pid: int, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "delo"), "health", "--pid", str(pid)], env=env, capture_output=True,
                          text=True, timeout=60)


def test_a_running_worker_is_healthy(workers, stack_env) -> None:
    done = _health(workers.proc.pid, stack_env)
    assert done.returncode == 0, done.stderr
    assert "answers" in done.stdout


def test_a_worker_without_its_languages_is_unhealthy(workers, stack_env) -> None:
    done = _health(workers.proc.pid, {**stack_env, "DELO_OCR_LANGUAGES": "Cyrillic+xqz"})
    assert done.returncode == 1
    assert "tesseract-ocr-xqz" in done.stderr


def test_a_worker_that_does_not_answer_is_unhealthy(stack_env) -> None:
    # a process whose command line is a worker's that never joined the broker
    ghost = subprocess.Popen(["celery", "-c", "import time; time.sleep(60)", "worker", "-n", "ghost@nowhere"],
                             executable=sys.executable)
    try:
        done = _health(ghost.pid, stack_env)
    finally:
        ghost.kill()
        ghost.wait()
    assert done.returncode == 1
    assert "ghost@nowhere does not answer" in done.stderr
