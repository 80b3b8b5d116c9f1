"""Publishing a record where downstream systems read it: PostgreSQL `documents`, the
records bucket (`<id>.json`, `<id>.txt`) and an event on a Redis stream. Every step is
keyed by the record id, so publishing twice (a retry, a duplicate delivery) changes
nothing but the timestamp: the first two are upserts, and the stream takes an entry only
when the record's content differs from the last one streamed for its id."""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

import redis
from minio import Minio

from workers import outputs
from workers.config import Settings
from workers.errors import UnavailableError
from workers.ocr.stage import PageResult
from workers.outputs.pdf import SourcePage
from workers.pipeline import Sink
from workers.records.morph import lemmas
from workers.stores import objectstore, postgres

# XADD unless the record's digest is the one last streamed for its id; the digests live
# beside the stream, so they are lost with it, and a stream rebuilt from nothing gets all.
_STREAM_ONCE = """
if redis.call('HGET', KEYS[2], ARGV[1]) == ARGV[2] and ARGV[3] == '0' then return 0 end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', '1000000', '*', unpack(ARGV, 4))
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1"""


def digest(record: dict) -> str:
    """What a downstream reader would see change: not the OCR's timings."""
    content = {k: record.get(k) for k in ("source", "text", "record", "warnings")}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def stream_entry(stream: redis.Redis, settings: Settings, record: dict, *, force: bool = False) -> bool:
    """The record's event on the documents stream; False when it was there already."""
    place = record.get("document")  # `2/5`: the second of the five documents its source holds
    fields = {"id": record["id"], "uri": record["source"]["uri"], "version": record["source"].get("version") or "",
              "document": f"{place['index']}/{place['count']}" if place else "1/1",
              "document_type": record["record"]["document_type"] or "", "date": record["record"]["date"] or ""}
    return _once(stream, settings, record["id"], digest(record), fields, force)


def publish(records: list[dict], *, db, s3: Minio, stream: redis.Redis, settings: Settings,
            replaces: Sequence[str] = (), overwrite_corrections: bool = False) -> None:
    """A source's records (one per document it holds), replacing the set it had: the
    records of documents an earlier reading found and this one does not are withdrawn
    from all three places (the bucket and the stream first, so that a retry after a
    failure part way finds them again in the table). So are all the records of the
    sources it `replaces` (the images of a drop read as one file, read alone before).
    A record a person corrected is kept as they saved it, unless `overwrite_corrections`."""
    for record in records:
        # a record a person corrected stays as they saved it (workers/review.py)
        if postgres.upsert_document(db, record, lemmas(record["text"]), low_confidence=settings.low_confidence,
                                    overwrite_corrections=overwrite_corrections):
            objectstore.put_record(s3, settings.records_bucket, record)
            stream_entry(stream, settings, record)
    gone = postgres.other_documents(db, [records[0]["source"]["uri"], *replaces], [r["id"] for r in records])
    for record_id, uri in gone:
        objectstore.remove_record(s3, settings.records_bucket, record_id)
        withdrawn_entry(stream, settings, record_id, uri)
    if gone:
        postgres.delete_documents(db, [record_id for record_id, _ in gone])


def outputs_sink(s3: Minio, settings: Settings) -> Sink | None:
    """Writes each document's outputs (workers/outputs) to the records bucket beside its
    record (`<id>.alto.xml`, `<id>.pdf`), before the record that names them is published;
    None when the settings ask for none."""
    which = outputs.kinds(settings.outputs)
    if not which:
        return None

    def sink(record: dict, pages: list[PageResult], sources: list[SourcePage]) -> dict[str, str]:
        with tempfile.TemporaryDirectory(prefix="delo-outputs-") as tmp:
            written = outputs.write(Path(tmp), record["id"], record, pages, sources, which=which)
            for kind, path in written.items():
                objectstore.put_file(s3, settings.records_bucket, path.name, path, outputs.CONTENT_TYPES[kind])
        return {kind: path.name for kind, path in written.items()}
    return sink


def withdrawn_entry(stream: redis.Redis, settings: Settings, record_id: str, uri: str) -> bool:
    """`withdrawn` on the documents stream, once: a record downstream should drop."""
    return _once(stream, settings, record_id, "withdrawn", {"id": record_id, "uri": uri, "withdrawn": "1"}, False)


def _once(stream: redis.Redis, settings: Settings, record_id: str, content: str, fields: dict[str, str],
          force: bool) -> bool:
    """XADD unless `content` (a digest) is what was last streamed for the record."""
    args = [record_id, content, "1" if force else "0", *(x for kv in fields.items() for x in kv)]
    try:
        return bool(stream.eval(_STREAM_ONCE, 2, settings.documents_stream, f"{settings.documents_stream}:digests",
                                *args))
    except redis.RedisError as exc:
        raise UnavailableError(f"redis stream {settings.documents_stream}: {exc}") from exc


def republish(*, db, s3: Minio, stream: redis.Redis, settings: Settings, since=None, drop: str | None = None) -> int:
    """Records from the documents table back to the records bucket and the stream (after a
    stream or bucket was lost): every matching record, streamed even if streamed before."""
    count = 0
    for record in postgres.iter_documents(db, since=since, drop=drop):
        objectstore.put_record(s3, settings.records_bucket, record)
        stream_entry(stream, settings, record, force=True)
        count += 1
    return count
