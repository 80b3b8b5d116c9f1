"""A drop of one image per sheet, read as one file: its manifest says `"sheets": true`.

A delo scanned sheet by sheet arrives as `drops/<name>/0047.jpg`, `0048.jpg`, …: a
document may run from one image to the next, so the images are read together, in the
manifest's order (name order for the files it leaves out), and the documents found in
them (workers/records/segment.py) name the images they lie on.

In the stack, each image still has its own job (the event, the reconciler and the drop's
counts need one), which ends `joined` without reading anything: the sweep (every few
seconds) then finds drops whose sheets are all in, and makes the file's job, keyed by
the drop's folder (`drops/<name>/`) and versioned by the images it holds. Its pages are
read in parallel like any file's, one task each. A sheet uploaded again joins, the drop
is read again as a new version, and the records of documents that vanished are withdrawn.

"All in" means: every file the manifest lists has arrived, or no sheet has arrived for
`sheets_settle_seconds`; and no image's job is still on its way to `joined`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

from minio import Minio

from workers import drops
from workers.config import Settings
from workers.ledger import jobs as ledger
from workers.ocr import stage
from workers.ocr.stage import Source
from workers.stores import objectstore
from workers.stores.postgres import Conn, unavailable_as_retryable


def folder_key(drop: str) -> str:
    return f"drops/{drop}/"


def is_file_job(job: dict) -> bool:
    """The job that reads a sheets drop as one file (its key is the drop's folder)."""
    return job["key"].endswith("/")


def is_sheet(job: dict, manifest: dict | None) -> bool:
    """An image of a drop read as one file: its pages are the file job's to read."""
    return bool(manifest and manifest.get("sheets")) and not is_file_job(job)


def whole(parts: list[Source], path: Path, name: str) -> Source:
    """The file the sheets make together: what its records say of their source."""
    kinds = {p.content_type for p in parts}
    return Source(path, "sheets", kinds.pop() if len(kinds) == 1 else "multipart/mixed",
                  hashlib.sha256("".join(p.sha256 for p in parts).encode()).hexdigest(),
                  sum(p.page_count for p in parts), name)


def touch(conn: Conn, drop: str) -> None:
    """A sheet has joined: the drop is to be read again once its sheets are all in."""
    with unavailable_as_retryable():
        conn.execute("UPDATE drops SET changed_at = now() WHERE name = %s", (drop,))


def members(s3: Minio, bucket: str, drop: str, manifest: dict | None) -> list[tuple[str, str, int]]:
    """(key, eTag, size) of the drop's images, in reading order."""
    prefix = folder_key(drop)
    found = {key[len(prefix):]: (key, etag, size) for key, etag, size in objectstore.list_objects(s3, bucket, prefix)
             if not drops.is_manifest(key)}
    return [found[name] for name in drops.sheet_order(list(found), manifest)]


def open_members(objects: Iterable[tuple[str, str, int]], settings: Settings,
                 fetch: Callable[[str, str], Path]) -> list[tuple[str, str, Source]]:
    """(key, eTag, opened source) of each image; `fetch(key, etag)` brings it to disk. An
    image over the limits, or not an image at all, fails the file with its code and name."""
    opened = []
    for key, etag, size in objects:
        stage.check_size(size, key, settings)
        opened.append((key, etag, stage.open_source(fetch(key, etag), settings, name=key)))
    return opened


_READY = """
    SELECT d.name, d.changed_at, d.manifest FROM drops d
    WHERE d.manifest->>'sheets' = 'true' AND d.changed_at > coalesce(d.assembled_at, '-infinity')
      AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.drop_name = d.name AND j.state IN ('received', 'queued', 'ocr')
                      AND j.key <> 'drops/' || d.name || '/')
      AND (d.changed_at < now() - make_interval(secs => %(settle)s)
           OR (jsonb_typeof(d.manifest->'files') = 'array' AND jsonb_array_length(d.manifest->'files') > 0
               AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(d.manifest->'files') f(file)
                               WHERE NOT EXISTS (SELECT 1 FROM jobs k WHERE k.drop_name = d.name
                                                 AND k.key = 'drops/' || d.name || '/' || f.file))))"""


def assemble(db: Conn, s3: Minio, settings: Settings, enqueue: Callable[[int], None]) -> list[int]:
    """A file job for each drop whose sheets are all in (see the module's doc); returns
    the jobs sent. The same images twice make the same version: one job."""
    with unavailable_as_retryable():
        ready = db.execute(_READY, {"settle": settings.sheets_settle_seconds}).fetchall()
    sent = []
    for drop in ready:
        images = members(s3, settings.scans_bucket, drop["name"], drop["manifest"])
        if images:
            version = hashlib.sha256("\n".join(f"{k} {e}" for k, e, _ in images).encode()).hexdigest()[:32]
            job_id, created = ledger.create(db, settings.scans_bucket, folder_key(drop["name"]), etag=version,
                                            size=sum(size for _, _, size in images))
            if created:
                enqueue(job_id)
                sent.append(job_id)
        with unavailable_as_retryable():  # a sheet joining meanwhile has a later changed_at: read again
            db.execute("UPDATE drops SET assembled_at = %s WHERE name = %s", (drop["changed_at"], drop["name"]))
    return sent
