"""A worker's checks before its first task: a worker that reads pages (it consumes an OCR
queue) and lacks tesseract, its languages or poppler exits with one line saying what to
install (exit status 6, as `delo` gives a ConfigError), instead of taking jobs only to
fail each with TOOL_MISSING. Parse and publish workers need none of them."""

from __future__ import annotations

import sys

from celery.signals import worker_init

from workers.errors import ConfigError
from workers.threads import one_per_process

PAGE_QUEUES = {"ocr", "ocr_bulk"}  # the queues whose tasks read pages (workers/celery_app.py)


@worker_init.connect
def one_thread_each(**_) -> None:
    # in the main process before the pool forks: its children inherit the limits
    one_per_process()


@worker_init.connect
def check_tools(sender=None, **_) -> None:
    # worker_init fires in the worker's main process after -Q is read, before it connects
    # to the broker or forks its pool: one check per worker, nothing taken off a queue yet.
    # Celery logs and swallows an exception from a signal handler: refusing is an exit.
    queues = sender.app.amqp.queues
    if not PAGE_QUEUES & set(queues.consume_from or queues):  # no -Q: every queue
        return
    # imported here: the Celery app (imported by the CLI and the intake too) stays light
    from workers.config import get_settings
    from workers.ocr import tools

    try:
        tools.check(get_settings())
    except ConfigError as exc:
        print(f"delo worker: cannot start: {exc}", file=sys.stderr, flush=True)
        sys.exit(ConfigError.exit_status)
