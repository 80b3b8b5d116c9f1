"""Recovery without a person: every job in flight is seen to be alive, or is sent again.

Two things lose a job's work, and each is watched where it happens:

- The broker loses messages: Redis restarted empty, or down when the job was sent (the
  intake still answers 200: the job is in the ledger). Beside the messages, on the same
  Redis, the hash `delo:in-broker` holds job id → the attempt whose messages were sent.
  It is lost exactly when they are, so a job in flight whose attempt is not there is
  sent again, as a new attempt: whatever of the old one survives is then ignored.
- A worker dies holding messages: Redis keeps them in kombu's `unacked` hash until the
  visibility timeout (10 min), because a slow page and a dead worker look the same
  from there. Each worker says every few seconds which messages it holds
  (`delo:worker:<name>`, a set that expires), so a message nobody has held for
  `worker_lost_after_seconds` goes back to its queue, without waiting for the timeout.

The sweep runs every `sweep_every_seconds` (beat sends `delo.sweep`); a lost worker's
jobs run again within lost-after + one sweep (30 s with the defaults).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import redis

from workers.config import Settings
from workers.ledger import jobs as ledger

log = logging.getLogger(__name__)
IN_BROKER = "delo:in-broker"
WORKER = "delo:worker:"
LOCK = "delo:sweep-lock"
DISPATCHING = "0"  # a batch of jobs handed to `delo.dispatch`, which marks each one's attempt


def mark_sent(client: redis.Redis, attempts: dict[int, int]) -> None:
    """Record that these jobs' messages are in the broker (call after sending them)."""
    if attempts:
        client.hset(IN_BROKER, mapping={str(k): str(v) for k, v in attempts.items()})


def mark_dispatching(client: redis.Redis, job_ids: list[int]) -> None:
    """After sending a `delo.dispatch` batch: its jobs are in the broker, their attempt to
    be marked when it runs. Never over a mark already there: the dispatch may have run."""
    with client.pipeline(transaction=False) as p:
        for job_id in job_ids:
            p.hsetnx(IN_BROKER, str(job_id), DISPATCHING)
        p.execute()


def forget(client: redis.Redis, job_id: int) -> None:
    """A job that ended holds no message; a mark left by a failure here is harmless, since
    the next attempt of the job has another number."""
    try:
        client.hdel(IN_BROKER, str(job_id))
    except redis.RedisError:
        log.warning("could not clear the broker mark of job %s", job_id)


def lost_jobs(db, client: redis.Redis, grace_seconds: float, dispatch_within: float = 600) -> list[int]:
    """Jobs in flight for `grace_seconds` whose current attempt the broker does not hold. A
    dispatch batch is trusted for `dispatch_within` seconds: one that never ran (it failed
    for good) must not keep its jobs waiting for ever."""
    jobs = ledger.in_flight(db, grace_seconds)
    lost = []
    for i in range(0, len(jobs), 5000):
        batch = jobs[i:i + 5000]
        marks = client.hmget(IN_BROKER, [str(job_id) for job_id, _, _ in batch])
        lost += [job_id for (job_id, attempt, idle), mark in zip(batch, marks, strict=True)
                 if not _alive(mark, attempt, idle < dispatch_within)]
    return lost


def _alive(mark: bytes | str | None, attempt: int, dispatch_may_run: bool) -> bool:
    return mark is not None and (_text(mark) == str(attempt) or (_text(mark) == DISPATCHING and dispatch_may_run))


def _text(reply: object) -> str:
    """A Redis reply as text: bytes from these clients (no decode_responses), as redis-py types allow str too."""
    return reply.decode() if isinstance(reply, bytes) else str(reply)


def orphaned_messages(client: redis.Redis, qos, lost_after_seconds: float) -> list[str]:
    """Delivery tags in kombu's unacked hash, delivered over `lost_after_seconds` ago, that
    no live worker says it holds."""
    held: set[bytes | str] = set()
    for key in client.scan_iter(f"{WORKER}*", count=1000):
        held |= client.smembers(key)
    cutoff = time.time() - lost_after_seconds
    delivered = client.zrange(qos.unacked_index_key, 0, cutoff, byscore=True)
    return [_text(tag) for tag in delivered if tag not in held]


def sweep(db, client: redis.Redis, qos, settings: Settings, resend: Callable[[int], None]) -> dict:
    # one sweep at a time: after a broker lost everything, sending a large ledger again
    # outlasts the next sweep, which would otherwise send the same jobs once more
    if not client.set(LOCK, "1", nx=True, ex=600):
        return {"skipped": "another sweep is running"}
    try:
        orphans = orphaned_messages(client, qos, settings.worker_lost_after_seconds)
        for tag in orphans:
            # kombu's own restore: under WATCH, so a worker acking the message meanwhile wins
            qos.restore_by_tag(tag, client, leftmost=True)
        lost = lost_jobs(db, client, settings.sweep_every_seconds, settings.visibility_timeout_seconds)
        for job_id in lost:
            resend(job_id)
    finally:
        client.delete(LOCK)
    if orphans or lost:
        log.warning("sweep: %d message(s) of lost workers back in their queues, %d job(s) sent again",
                    len(orphans), len(lost))
    return {"restored_messages": len(orphans), "resent_jobs": len(lost)}


class Heartbeat:
    """In a worker's main process: every few seconds, the delivery tags of the messages it
    holds (running, reserved, or waiting for a retry's countdown) to `delo:worker:<name>`."""

    def __init__(self, broker_url: str, name: str, lost_after_seconds: float):
        self.client = redis.Redis.from_url(broker_url, socket_timeout=5)
        self.key, self.ttl = f"{WORKER}{name}", max(int(lost_after_seconds), 2)
        self.every = lost_after_seconds / 4
        self.stopped = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._run, name="delo-heartbeat", daemon=True).start()

    def stop(self) -> None:
        self.stopped.set()

    @staticmethod
    def held() -> list[str]:
        from celery.worker import state

        return [str(r.message.delivery_tag) for r in list(state.requests.values()) if r.message is not None]

    def beat(self) -> None:
        tags = self.held()
        with self.client.pipeline() as p:  # one MULTI: the set is never seen half written
            p.delete(self.key)
            if tags:
                p.sadd(self.key, *tags)
                p.expire(self.key, self.ttl)
            p.execute()

    def _run(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                self.beat()
            except Exception:  # the broker away: say it again next time
                log.debug("heartbeat not written", exc_info=True)
