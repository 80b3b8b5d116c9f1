"""Reading object-created notifications out of MinIO's and AWS's event bodies.

A body is read defensively: MinIO retries a non-2xx answer for ever, so whatever a body
holds that is not an object-created record (a list, a string, `Records` that is not a
list, a record that is null, a key that is a number) is passed over, never an error."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote_plus


@dataclass(frozen=True)
class Created:
    bucket: str
    key: str
    etag: str
    version_id: str | None
    size: int | None


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def created_objects(body: object) -> list[Created]:
    """The objects an S3 event says were created. MinIO names events `s3:ObjectCreated:Put`,
    AWS `ObjectCreated:Put`; both escape the key as a URL query (`+` for a space)."""
    records = _dict(body).get("Records")
    out = []
    for record in records if isinstance(records, list) else []:
        record = _dict(record)
        name = record.get("eventName")
        s3 = _dict(record.get("s3"))
        obj, bucket = _dict(s3.get("object")), _dict(s3.get("bucket")).get("name")
        key = obj.get("key")
        if not isinstance(name, str) or not name.removeprefix("s3:").startswith("ObjectCreated:") \
                or not isinstance(bucket, str) or not bucket or not isinstance(key, str) or not key:
            continue  # deletions, test events, replication, malformed records: nothing to do
        etag, version, size = obj.get("eTag"), obj.get("versionId"), obj.get("size")
        out.append(Created(bucket, unquote_plus(key), etag.strip('"') if isinstance(etag, str) else "",
                           version if isinstance(version, str) and version else None,
                           size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None))
    return out
