"""Celery's task events (workers/celery_app.py): what Flower and `celery events` read. A
consumer on the broker sees delo's tasks sent, started and succeeded as a job runs."""

from __future__ import annotations

import threading

import pytest
from celery import Celery

from tests import scans
from tests.stack.helpers import minio_event, notify, upload, wait_for_job

pytestmark = pytest.mark.stack


def test_a_monitor_sees_delos_tasks_as_a_job_runs(tmp_path, s3, db, intake, workers, stack_env) -> None:
    seen: list[tuple[str, str]] = []
    names: dict[str, str] = {}  # task id → name (only the sent and received events carry the name)
    monitor = Celery(broker=stack_env["DELO_REDIS_URL"])
    ready = threading.Event()

    def on_event(event: dict) -> None:
        if event.get("name"):
            names[event["uuid"]] = event["name"]
        if event["type"].startswith("task-"):
            seen.append((event["type"], names.get(event.get("uuid", ""), "")))

    def listen() -> None:
        with monitor.connection_for_read() as conn:
            receiver = monitor.events.Receiver(conn, handlers={"*": on_event})
            consumer = receiver.consume(limit=None, timeout=1, wakeup=False)
            ready.set()
            for _ in consumer:
                if ("task-succeeded", "delo.publish") in seen:
                    return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert ready.wait(10)
    key = "single/watched.png"
    notify(intake, minio_event(upload(s3, key, scans.png(tmp_path / "w.png").read_bytes())))
    wait_for_job(db, key)
    thread.join(30)
    kinds = {kind for kind, _ in seen}
    assert {"task-sent", "task-started", "task-succeeded"} <= kinds, kinds
    assert {"delo.start", "delo.parse", "delo.publish"} <= {name for _, name in seen}
