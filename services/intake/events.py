"""Reading object-created notifications out of MinIO's and AWS's event bodies."""

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


def created_objects(body: dict) -> list[Created]:
    """The objects an S3 event says were created. MinIO names events `s3:ObjectCreated:Put`,
    AWS `ObjectCreated:Put`; both escape the key as a URL query (`+` for a space)."""
    out = []
    for record in body.get("Records") or []:
        name = (record.get("eventName") or "").removeprefix("s3:")
        s3 = record.get("s3") or {}
        obj, bucket = s3.get("object") or {}, (s3.get("bucket") or {}).get("name")
        if not name.startswith("ObjectCreated:") or not bucket or not obj.get("key"):
            continue  # deletions, tests events, replication: nothing to do
        out.append(Created(bucket, unquote_plus(obj["key"]), (obj.get("eTag") or "").strip('"'),
                           obj.get("versionId") or None, obj.get("size")))
    return out
