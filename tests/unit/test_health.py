"""`delo health` (workers/health.py): the role read from a process's command line, and the
checks for a web service and for beat. The worker's check runs in tests/stack/test_health.py."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from workers import health


@pytest.mark.parametrize(("argv", "role"), [
    (["/app/.venv/bin/uvicorn", "--factory", "services.intake.app:create_app", "--port", "8080"], "web"),
    (["celery", "-A", "workers.celery_app", "worker", "-Q", "ocr", "-n", "ocr@%h"], "worker"),
    (["/usr/local/bin/python", "-m", "celery", "-A", "workers.celery_app", "worker"], "worker"),
    (["celery", "-A", "workers.celery_app", "beat", "--schedule", "/tmp/beat-schedule"], "beat"),
    (["celery", "-A", "workers.celery_app", "inspect", "ping"], "other"),
    (["/usr/local/bin/delo", "ingest", "/data/scans"], "other"),
])
def test_the_role_comes_from_the_command_line(argv, role) -> None:
    assert health.role(argv) == role


def test_options_in_each_spelling() -> None:
    assert health._option(["x", "--port", "81"], "--port") == "81"
    assert health._option(["x", "--port=82"], "--port") == "82"
    assert health._option(["x", "-n", "a@b"], "-n", "--hostname") == "a@b"
    assert health._option(["x"], "--port", default="8000") == "8000"


def test_a_process_command_line_is_read_from_proc() -> None:
    argv = [sys.executable, "-c", "import time; time.sleep(30)", "worker", "-n", "a b@c"]
    proc = subprocess.Popen(argv)
    try:
        deadline = time.monotonic() + 10
        while health.command_line(proc.pid) != argv and time.monotonic() < deadline:
            time.sleep(0.01)  # until the child has exec'd: before, /proc holds the parent's, or nothing
        assert health.command_line(proc.pid) == argv
    finally:
        proc.kill()
        proc.wait()


class _Healthz(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *args) -> None:
        pass


def _serve(status: int) -> ThreadingHTTPServer:
    handler = type("Handler", (_Healthz,), {"status": status})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_web_service_is_healthy_while_its_healthz_answers_200() -> None:
    up, down = _serve(200), _serve(503)
    try:
        assert "answers /healthz" in health.check(["uvicorn", "--port", str(up.server_address[1])])
        with pytest.raises(RuntimeError, match="503"):
            health.check(["uvicorn", "--port", str(down.server_address[1])])
    finally:
        for server in (up, down):
            server.shutdown()
            server.server_close()
    port = up.server_address[1]
    with pytest.raises(httpx.ConnectError):  # nothing listens any more: the check fails, it does not hang
        health.check(["uvicorn", f"--port={port}"])


def test_beat_is_healthy_while_it_keeps_writing_its_schedule(tmp_path) -> None:
    schedule = tmp_path / "beat-schedule"
    schedule.write_bytes(b"")
    argv = ["celery", "-A", "workers.celery_app", "beat", "--schedule", str(schedule)]
    assert "s ago" in health.check(argv)
    stale = time.time() - health.BEAT_STALE_SECONDS - 60
    os.utime(schedule, (stale, stale))
    with pytest.raises(RuntimeError, match="last wrote"):
        health.check(argv)
    with pytest.raises(FileNotFoundError):  # never written: beat never ran a tick
        health.check(["celery", "beat", "-s", str(tmp_path / "none")])


def test_a_one_shot_has_nothing_to_watch() -> None:
    assert health.check(["delo", "migrate"]) == "no long-running delo process to watch"
