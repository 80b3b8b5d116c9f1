"""`delo health`: is this container's delo process doing its job? One check for every role
the image runs, so the image's HEALTHCHECK, compose and the Kubernetes probes ask the same
question. The role is read from the container's main process (PID 1's command line):

- a web service (uvicorn): its /healthz answers 200 (the intake's also reaches the ledger);
- a Celery worker: this very worker answers a ping over the broker (its main process reads
  the broker, its pool runs), and tesseract has the languages it is configured to read;
- beat: it wrote its schedule file within the last 5 minutes (it does at every tick);
- anything else (a one-shot `delo ingest` or `delo migrate`): nothing to watch, healthy.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx

BEAT_STALE_SECONDS = 300


def command_line(pid: int = 1) -> list[str]:
    raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _option(argv: list[str], *names: str, default: str | None = None) -> str | None:
    """The value of `--name value`, `--name=value` or `-n value` in argv."""
    for i, arg in enumerate(argv):
        for name in names:
            if arg == name and i + 1 < len(argv):
                return argv[i + 1]
            if name.startswith("--") and arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return default


def role(argv: list[str]) -> str:
    programs = {Path(arg).name for arg in argv[:3]}  # `celery …`, `python -m celery …`, `/venv/bin/uvicorn …`
    if "uvicorn" in programs:
        return "web"
    if "celery" in programs:
        return "beat" if "beat" in argv else "worker" if "worker" in argv else "other"
    return "other"


def check(argv: list[str]) -> str:
    """What is healthy about the process argv describes; raises RuntimeError if it is not."""
    kind = role(argv)
    if kind == "web":
        port = _option(argv, "--port", default="8000")
        answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
        if answer.status_code != 200:
            raise RuntimeError(f"/healthz on :{port} answered {answer.status_code}: {answer.text[:200]}")
        return f"web service on :{port} answers /healthz"
    if kind == "worker":
        return _worker(argv)
    if kind == "beat":
        schedule = Path(_option(argv, "--schedule", "-s", default="celerybeat-schedule") or "")
        age = time.time() - schedule.stat().st_mtime
        if age > BEAT_STALE_SECONDS:
            raise RuntimeError(f"beat last wrote {schedule} {age:.0f} s ago")
        return f"beat wrote its schedule {age:.0f} s ago"
    return "no long-running delo process to watch"


def _worker(argv: list[str]) -> str:
    from celery.utils.nodenames import default_nodename, host_format

    from workers.celery_app import app
    from workers.config import get_settings
    from workers.ocr import tesseract

    name = host_format(default_nodename(_option(argv, "-n", "--hostname") or ""))  # %h: this host's name
    if not app.control.ping([name], timeout=10):
        raise RuntimeError(f"worker {name} does not answer a ping over the broker")
    tesseract.check_languages(get_settings().ocr_languages)  # a ConfigError names the missing package
    return f"worker {name} answers; tesseract has {get_settings().ocr_languages}"
