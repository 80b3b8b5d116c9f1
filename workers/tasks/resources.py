"""What a worker process holds open: one database connection, one object-store client,
a Redis client for the broker and one for the documents stream, and a cache of
downloaded sources shared by the page tasks."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import redis

from workers.config import get_settings
from workers.stores import localdir, objectstore, postgres

_db = None


def db():
    """The process's connection, reopened after the database went away."""
    global _db
    if _db is None or _db.closed:
        _db = postgres.connect(get_settings().database_url)
    return _db


_documents = None


def documents_db():
    """Where documents are published: the ledger's database unless configured apart."""
    global _documents
    url = get_settings().documents_database_url
    if not url:
        return db()
    if _documents is None or _documents.closed:
        _documents = postgres.connect(url)
    return _documents


def reset_db() -> None:
    global _db, _documents
    for conn in (_db, _documents):
        if conn is not None and not conn.closed:
            conn.close()
    _db = _documents = None


@lru_cache(maxsize=1)
def s3():
    return objectstore.client(get_settings())


@lru_cache(maxsize=1)
def broker() -> redis.Redis:
    return redis.Redis.from_url(get_settings().redis_url)


@lru_cache(maxsize=1)
def stream() -> redis.Redis:
    """The documents stream's Redis: its own, or the broker's when none is configured."""
    settings = get_settings()
    return redis.Redis.from_url(settings.stream_redis_url or settings.redis_url)


def cache_path(job: dict) -> Path:
    """Where the job's source is kept on this machine: one file per object version."""
    name = hashlib.sha256(f"{job['bucket']}/{job['key']}@{job['version']}".encode()).hexdigest()[:24]
    return get_settings().cache_dir / name


def fetch(job: dict) -> Path:
    """The job's source on local disk, downloaded once per worker machine."""
    path = cache_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # Touched on every use, so that a file's age means "last used" to sweep_cache:
        # a long document's source is used by each of its page tasks and stays.
        os.utime(path)
    except FileNotFoundError:
        partial = path.with_suffix(f".{os.getpid()}.part")
        objectstore.download(s3(), job["bucket"], job["key"], job["version_id"], partial)
        partial.replace(path)
    return path


def sweep_cache(max_age_seconds: int = 3600) -> None:
    """Delete sources nobody has used (see fetch) for max_age_seconds, and never one used
    more recently than the broker's visibility timeout: a page task still reading its
    source (render, then OCR) cannot have been running longer than that."""
    settings = get_settings()
    cache = settings.cache_dir
    if not cache.exists():
        return
    localdir.remove_unused(cache, max(max_age_seconds, settings.visibility_timeout_seconds))
