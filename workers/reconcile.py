"""The reconciler: what the ledger has never seen, and what it has seen stop.

MinIO drops events when its webhook target is down (without a queue_dir) or while it
restarts: listing the scans bucket finds those objects, and jobs are created for them.
Jobs that stopped are the sweep's (workers/sweep.py), every 10 s; the reconciler asks
the same question with a longer grace, so that `delo reconcile` does it at once. Age
alone never decides: a 300-page job waiting behind a drop is old, not lost, and sending
it again would restart it for ever.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from itertools import islice

import redis
from minio import Minio

from workers import drops, sweep
from workers.config import Settings
from workers.errors import InputError, LimitError
from workers.ledger import jobs as ledger
from workers.stores import objectstore

log = logging.getLogger(__name__)


CURSOR = "delo:reconcile:after"  # on the broker's Redis: lost with it, and then the next run starts over


def reconcile(db, s3: Minio, broker: redis.Redis, settings: Settings, enqueue: Callable[[int], None], *,
              whole: bool = False) -> dict:
    """Beat's run: the next `reconcile_batch` objects of the scans bucket after the last
    run's, so that a bucket of millions is listed a slice at a time, each checked against
    the ledger's rows for those keys only, and the listing starts over once it reaches the
    end. `whole` (`delo reconcile`): every object now, slice after slice."""
    after = "" if whole else _text(broker.get(CURSOR))
    found = listed = 0
    while True:
        batch = list(islice(objectstore.list_objects(s3, settings.scans_bucket, after=after), settings.reconcile_batch))
        listed += len(batch)
        found += _start_unseen(db, s3, settings, batch, enqueue)
        after = batch[-1][0] if len(batch) == settings.reconcile_batch else ""  # "": the end, start over
        if not whole or not after:
            break
    if not whole:
        broker.set(CURSOR, after)
    lost = sweep.lost_jobs(db, broker, settings.stuck_after_seconds, settings.visibility_timeout_seconds)
    for job_id in lost:
        enqueue(job_id)
    return {"unseen_objects": found, "listed": listed, "resent_lost": len(lost)}


def _start_unseen(db, s3: Minio, settings: Settings, batch: list[tuple[str, str, int]],
                  enqueue: Callable[[int], None]) -> int:
    known = ledger.known_etags(db, settings.scans_bucket, [key for key, _, _ in batch])
    found = 0
    for key, etag, size in batch:
        drop = ledger.drop_of(key)
        if drop is not None and drops.is_manifest(key):  # a manifest is always a drop's
            try:
                drops.store(db, drop, drops.read_manifest(key, objectstore.read(s3, settings.scans_bucket, key)))
            except (InputError, LimitError) as exc:  # one bad manifest must not stop the listing
                log.warning("ignoring %s", exc)
            continue
        if (key, etag) in known:
            continue
        job_id, created = ledger.create(db, settings.scans_bucket, key, etag=etag, size=size)
        if created:
            enqueue(job_id)
            found += 1
    return found


def _text(value: bytes | str | None) -> str:
    return value.decode() if isinstance(value, bytes) else value or ""
