"""The Celery app: queues ocr / parse / publish on the Redis broker, and the settings
that keep a task from being lost or run twice (measured, see ../shared/DESIGN.md):
acks_late + reject_on_worker_lost bring back the task of a killed child; a visibility
timeout above the longest task keeps a healthy worker's task from being redelivered.
A whole worker lost, or messages the broker lost, are the sweep's (workers/sweep.py)."""

from __future__ import annotations

import redis
from celery import Celery
from celery.signals import worker_ready
from kombu import Queue

from workers import sweep
from workers.config import Settings, get_settings
from workers.ledger import jobs as ledger
from workers.tasks import startup  # noqa: F401 (connects the worker's tool check)

app = Celery("delo", include=["workers.tasks.jobs"])


def celery_config(settings: Settings) -> dict:
    """The app's configuration from delo's settings; read when the app is first used (a
    worker starting, a task sent), not when this module is imported."""
    return dict(
        broker_url=settings.redis_url,
        result_backend=settings.redis_url,
        # `ocr_bulk` holds the OCR of bulk drops; workers list it after `ocr` and, with the
        # priority order below, take a single upload before the next page of a 10,000-page drop
        task_queues=(Queue("ocr"), Queue("ocr_bulk"), Queue("parse"), Queue("publish")),
        task_default_queue="ocr",
        task_create_missing_queues=False,  # a typo in a queue name fails loudly
        task_routes={
            "delo.start": {"queue": "ocr"},       # or ocr_bulk for a drop's job, chosen when sent
            "delo.ocr_page": {"queue": "ocr"},
            "delo.parse": {"queue": "parse"},
            "delo.publish": {"queue": "publish"},
            "delo.reconcile": {"queue": "publish"},
            "delo.dispatch": {"queue": "publish"},
            "delo.sweep": {"queue": "publish"},
        },
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options={"visibility_timeout": settings.visibility_timeout_seconds,
                                  "unacked_restore_interval": 5, "queue_order_strategy": "priority"},
        result_backend_transport_options={"visibility_timeout": settings.visibility_timeout_seconds},
        result_expires=24 * 3600,
        worker_max_memory_per_child=settings.worker_max_memory_kb,
        # task events on, as `celery worker -E` would: Flower (docker-compose's `tools`
        # profile) and `celery events` see every delo task as it runs
        worker_send_task_events=settings.task_events,
        task_send_sent_event=settings.task_events,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        # the intake must answer in milliseconds: with the broker down it gives up quickly
        # and leaves the job to the sweep rather than hold MinIO's request
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5},
        beat_schedule={
            "reconcile": {"task": "delo.reconcile", "schedule": float(settings.reconcile_every_seconds)},
            # a sweep that waited past the next one is of no use: it expires
            "sweep": {"task": "delo.sweep", "schedule": settings.sweep_every_seconds,
                      "options": {"expires": settings.sweep_every_seconds}},
        },
    )


app.add_defaults(lambda: celery_config(get_settings()))  # a promise: kept until the conf is first read


@worker_ready.connect
def _start_heartbeat(sender, **_) -> None:
    """Each worker says which messages it holds, so that a dead one's go back to their
    queue in seconds (workers/sweep.py)."""
    settings = get_settings()
    sweep.Heartbeat(settings.redis_url, sender.hostname, settings.worker_lost_after_seconds).start()


def ocr_queue(drop: str | None) -> str:
    return "ocr_bulk" if drop else "ocr"


def send_jobs(job_ids: list[int], batch: int = 500) -> None:
    """Hand jobs already queued in the ledger to the workers: one `delo.dispatch` task per
    batch, which sends each job's start task to the right queue."""
    from workers.tasks import resources

    for i in range(0, len(job_ids), batch):
        app.send_task("delo.dispatch", kwargs={"job_ids": job_ids[i: i + batch]}, queue="publish")
        sweep.mark_dispatching(resources.broker(), job_ids[i: i + batch])


def send_starts(jobs: list[dict], broker: redis.Redis) -> None:
    """The start task of each job's current attempt (rows with id, drop_name, attempts),
    then its mark in the broker: after, since a mark must never claim a message that was
    not sent (workers/sweep.py)."""
    with app.producer_or_acquire() as producer:
        for job in jobs:
            app.send_task("delo.start", kwargs={"job_id": job["id"], "attempt": job["attempts"]},
                          queue=ocr_queue(job["drop_name"]), producer=producer)
    sweep.mark_sent(broker, {job["id"]: job["attempts"] for job in jobs})


def queue_again(db, broker: redis.Redis, job_id: int) -> None:
    """Queue a job that is in the ledger, as a new attempt: the ledger row is always written
    first, and tasks of the attempts before it become leftovers."""
    job = ledger.transition(db, job_id, "queued")
    assert job is not None  # with no attempt or only_from, a transition happens or raises
    send_starts([job], broker)
