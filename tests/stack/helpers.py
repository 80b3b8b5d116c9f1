"""Uploading as a scanner does and notifying as MinIO does."""

from __future__ import annotations

import io
import time
from typing import Any
from urllib.parse import quote_plus

import httpx
import redis
from minio import Minio

from workers.ledger import jobs as ledger
from workers.stores import postgres


def upload(s3: Minio, key: str, data: bytes, content_type: str = "application/octet-stream") -> dict:
    result = s3.put_object("scans", key, io.BytesIO(data), len(data), content_type=content_type)
    assert result.etag is not None
    return {"key": key, "etag": result.etag.strip('"'), "version_id": result.version_id, "size": len(data)}


def minio_event(obj: dict, bucket: str = "scans", name: str = "s3:ObjectCreated:Put") -> dict:
    """The body MinIO POSTs to a webhook target (event.Log), key escaped as Go's url.QueryEscape does."""
    s3_object = {"key": quote_plus(obj["key"], safe=""), "size": obj["size"], "eTag": obj["etag"],
                 "contentType": "application/octet-stream", "userMetadata": {}, "sequencer": "182178E8B3728CAC"}
    if obj.get("version_id"):
        s3_object["versionId"] = obj["version_id"]
    return {
        "EventName": name,
        "Key": f"{bucket}/{obj['key']}",
        "Records": [{
            "eventVersion": "2.0", "eventSource": "minio:s3", "awsRegion": "", "eventTime": "2026-11-27T10:04:31.998Z",
            "eventName": name, "userIdentity": {"principalId": "scanner"},
            "requestParameters": {"principalId": "scanner", "region": "", "sourceIPAddress": "127.0.0.1"},
            "responseElements": {"x-amz-request-id": "182178E8B36AC9DF"},
            "s3": {"s3SchemaVersion": "1.0", "configurationId": "Config",
                   "bucket": {"name": bucket, "ownerIdentity": {"principalId": "scanner"}, "arn": f"arn:aws:s3:::{bucket}"},
                   "object": s3_object},
            "source": {"host": "127.0.0.1", "port": "", "userAgent": "MinIO (linux; amd64) minio-go/v7.0.83"},
        }],
    }


def notify(intake: str, body: dict, token: str = "test-token") -> httpx.Response:
    return httpx.post(f"{intake}/minio/events", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def wait_for_job(db, key: str, states=("published", "failed"), timeout: float = 120, count: int = 1) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = db.execute("SELECT * FROM jobs WHERE key = %s ORDER BY id", (key,)).fetchall()
        if len(rows) >= count and all(r["state"] in states for r in rows):
            return rows
        time.sleep(0.3)
    raise TimeoutError(f"jobs for {key}: {[(r['id'], r['state']) for r in rows]}")


def job_row(db: postgres.Conn, job_id: int) -> dict[str, Any]:
    """The job's row, which the test knows exists."""
    job = ledger.get(db, job_id)
    assert job is not None, f"no job {job_id}"
    return job


def stream_ids(client: redis.Redis, stream: str) -> list[bytes | str]:
    """The `id` field of each entry of a Redis stream, oldest first."""
    return [fields[b"id"] for _, fields in client.xrange(stream) or [] if fields]


def source_uri(key: str) -> str:
    return ledger.source_uri("scans", key)
