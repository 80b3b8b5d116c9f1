"""The reconciler: what the ledger has never seen, and what it has seen stop.

MinIO drops events when its webhook target is down (without a queue_dir) or while it
restarts; a worker machine can vanish with a job half done. Listing the scans bucket
finds the first, the ledger's stuck jobs the second; both are (re)queued.
"""

from __future__ import annotations

from collections.abc import Callable

from minio import Minio

from workers import drops
from workers.config import Settings
from workers.ledger import jobs as ledger
from workers.stores import objectstore


def reconcile(db, s3: Minio, settings: Settings, enqueue: Callable[[int], None]) -> dict:
    known = ledger.known_etags(db, settings.scans_bucket)
    found = 0
    for key, etag, size in objectstore.list_objects(s3, settings.scans_bucket):
        if drops.is_manifest(key):
            drops.store(db, ledger.drop_of(key), drops.read_manifest(key, objectstore.read(s3, settings.scans_bucket, key)))
            continue
        if (key, etag) in known:
            continue
        job_id, created = ledger.create(db, settings.scans_bucket, key, etag=etag, size=size)
        if created:
            enqueue(job_id)
            found += 1
    stuck = ledger.stuck(db, settings.stuck_after_seconds)
    for job_id in stuck:
        enqueue(job_id)
    return {"unseen_objects": found, "requeued_stuck": len(stuck)}
