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

import redis
from minio import Minio

from workers import drops, sweep
from workers.config import Settings
from workers.errors import InputError, LimitError
from workers.ledger import jobs as ledger
from workers.stores import objectstore

log = logging.getLogger(__name__)


def reconcile(db, s3: Minio, broker: redis.Redis, settings: Settings, enqueue: Callable[[int], None]) -> dict:
    known = ledger.known_etags(db, settings.scans_bucket)
    found = 0
    for key, etag, size in objectstore.list_objects(s3, settings.scans_bucket):
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
    lost = sweep.lost_jobs(db, broker, settings.stuck_after_seconds, settings.visibility_timeout_seconds)
    for job_id in lost:
        enqueue(job_id)
    return {"unseen_objects": found, "resent_lost": len(lost)}
