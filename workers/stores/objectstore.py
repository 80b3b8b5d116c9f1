"""The object store (MinIO, or any S3) through the minio SDK: sources in, records out."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import urllib3
from minio import Minio
from minio.error import S3Error

from workers.config import Settings
from workers.errors import FailureCode, InputError, UnavailableError


def client(settings: Settings) -> Minio:
    http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=5, read=60), retries=urllib3.Retry(total=1))
    return Minio(settings.s3_endpoint, access_key=settings.s3_access_key, secret_key=settings.s3_secret_key,
                 secure=settings.s3_secure, region=settings.s3_region, http_client=http)


@contextmanager
def unavailable_as_retryable(what: str, missing_is_final: bool = False) -> Iterator[None]:
    """S3 errors as delo's: a source that is gone (`missing_is_final`) fails its job;
    anything else may pass (a bucket not created yet, a server restarting) and is retried."""
    try:
        yield
    except S3Error as exc:
        if missing_is_final and exc.code in ("NoSuchKey", "NoSuchVersion", "NoSuchBucket"):
            raise InputError(FailureCode.NOT_FOUND, f"{what}: {exc.code}") from exc
        raise UnavailableError(f"{what}: {exc.code}") from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise UnavailableError(f"object store unreachable during {what}: {exc}") from exc


def ensure_buckets(s3: Minio, *names: str) -> None:
    for name in names:
        with unavailable_as_retryable(f"create bucket {name}"):
            if not s3.bucket_exists(name):
                s3.make_bucket(name)


def download(s3: Minio, bucket: str, key: str, version_id: str | None, dest: Path) -> Path:
    if any(part in (".", "..") for part in key.split("/")):
        # S3 stores such a key, but the SDK refuses to ask for it (a path-traversal guard)
        raise InputError(FailureCode.INVALID_KEY, f"s3://{bucket}/{key}: a key with a '.' or '..' segment cannot be read")
    # `null` is the version of an object put in a bucket without versioning (a multipart
    # upload reports it); some servers refuse to be asked for it by name: ask for the object
    version_id = None if version_id == "null" else version_id
    # one GET, streamed to disk (the SDK's fget_object asks HEAD first: a sixth of a page's
    # requests, bench/scale.py); a body cut short raises (urllib3 checks Content-Length)
    with unavailable_as_retryable(f"get s3://{bucket}/{key}", missing_is_final=True):
        response = s3.get_object(bucket, key, version_id=version_id)
        try:
            with open(dest, "wb") as out:
                for chunk in response.stream(1 << 20):
                    out.write(chunk)
        finally:
            response.close()
            response.release_conn()
    return dest


def read(s3: Minio, bucket: str, key: str) -> bytes:
    """A small object whole (a drop's manifest)."""
    with unavailable_as_retryable(f"get s3://{bucket}/{key}", missing_is_final=True):
        response = s3.get_object(bucket, key)
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()


def open_stream(s3: Minio, bucket: str, key: str, chunk: int = 1 << 20) -> Iterator[bytes]:
    """An object's bytes a chunk at a time (a searchable PDF to download): asked for at
    once, so a missing object or a store away is said before the first byte is."""
    with unavailable_as_retryable(f"get s3://{bucket}/{key}", missing_is_final=True):
        response = s3.get_object(bucket, key)

    def chunks() -> Iterator[bytes]:
        try:
            yield from response.stream(chunk)
        finally:
            response.close()
            response.release_conn()
    return chunks()


def put_bytes(s3: Minio, bucket: str, key: str, data: bytes, content_type: str) -> None:
    with unavailable_as_retryable(f"put s3://{bucket}/{key}"):
        s3.put_object(bucket, key, io.BytesIO(data), len(data), content_type=content_type)


def put_record(s3: Minio, bucket: str, record: dict) -> None:
    """`<id>.json` (the whole record) and `<id>.txt` (its text), overwritten on replay."""
    put_bytes(s3, bucket, f"{record['id']}.json",
              json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8"), "application/json")
    put_bytes(s3, bucket, f"{record['id']}.txt", record["text"].encode("utf-8"), "text/plain; charset=utf-8")


def put_file(s3: Minio, bucket: str, key: str, path: Path, content_type: str) -> None:
    """A file, streamed (a searchable PDF may be large): never read whole into memory."""
    with unavailable_as_retryable(f"put s3://{bucket}/{key}"):
        s3.fput_object(bucket, key, str(path), content_type=content_type)


# beside <id>.json: the record's text and its outputs (workers/outputs)
RECORD_SUFFIXES = (".json", ".txt", ".alto.xml", ".pdf")


def remove_record(s3: Minio, bucket: str, record_id: str) -> None:
    """A withdrawn record's objects; removing one already gone is no error."""
    for key in (f"{record_id}{suffix}" for suffix in RECORD_SUFFIXES):
        with unavailable_as_retryable(f"remove s3://{bucket}/{key}"):
            s3.remove_object(bucket, key)


def list_objects(s3: Minio, bucket: str, prefix: str = "", after: str = "") -> Iterator[tuple[str, str, int]]:
    """(key, eTag, size) of every object in the bucket (under `prefix`), in key order, from
    the first key past `after`; a page of 1,000 keys asked for at a time, as it is read."""
    with unavailable_as_retryable(f"list s3://{bucket}/{prefix}"):
        for obj in s3.list_objects(bucket, prefix=prefix or None, recursive=True, start_after=after or None):
            if not obj.is_dir:
                yield obj.object_name, (obj.etag or "").strip('"'), obj.size or 0
