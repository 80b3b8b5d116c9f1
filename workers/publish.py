"""Publishing a record where downstream systems read it: PostgreSQL `documents`, the
records bucket (`<id>.json`, `<id>.txt`) and an event on a Redis stream. Every step is
an upsert keyed by the record id, so publishing twice (a retry, a replay) changes
nothing but the timestamp."""

from __future__ import annotations

import redis
from minio import Minio

from workers.config import Settings
from workers.errors import UnavailableError
from workers.stores import objectstore, postgres


def publish(record: dict, *, db, s3: Minio, broker: redis.Redis, settings: Settings) -> None:
    postgres.upsert_document(db, record)
    objectstore.put_record(s3, settings.records_bucket, record)
    try:
        broker.xadd(settings.documents_stream, {
            "id": record["id"], "uri": record["source"]["uri"], "version": record["source"].get("version") or "",
            "document_type": record["record"]["document_type"] or "", "date": record["record"]["date"] or "",
        }, maxlen=1_000_000, approximate=True)
    except redis.RedisError as exc:
        raise UnavailableError(f"redis stream {settings.documents_stream}: {exc}") from exc
