"""The page viewer's data: a record's page images, rendered by delo from the scan in the
object store (never a public bucket URL), and the words on each page with their boxes
and confidences, from the record's ALTO (workers/outputs/alto.py).

A source is downloaded once to the dashboard's cache and each page is rendered once per
width asked; both stay in `cache_dir/viewer` while they are used: a file unused for an
hour goes when the next source is downloaded. A record of a drop read as one file (workers/sheets.py) finds each page in
its image (`source.images`).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import cv2
from lxml import etree
from minio import Minio

from workers.config import Settings
from workers.errors import FailureCode, InputError
from workers.ocr import pages as page_images
from workers.ocr import stage
from workers.stores import objectstore
from workers.stores.localdir import remove_unused
from workers.stores.postgres import Conn

WIDTHS = (600, 1200, 2000)  # the widths a page is rendered at: a few, so the cache stays small


@dataclass(frozen=True)
class Word:
    text: str
    confidence: float  # 0..1
    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class PageWords:
    number: int
    width: int
    height: int
    words: list[Word]


def where(record: dict, number: int) -> tuple[str, str, int]:
    """(bucket, key, page in that object) of page `number` of the record's source."""
    uri = record["source"]["uri"]
    if not uri.startswith("s3://"):
        raise InputError(FailureCode.NOT_FOUND, f"{uri} is not in the object store")
    bucket, key = source_uri_parts(uri)
    images = record["source"].get("images")
    if images:  # a drop read as one file: the page is in one of its images
        image = images[number - 1]
        return bucket, key + image, images[:number].count(image)
    return bucket, key, number


def source_file(s3: Minio, conn: Conn, settings: Settings, bucket: str, key: str, version: str | None) -> Path:
    """The object on the dashboard's disk: the version the record read when the ledger
    knows it, the newest otherwise (an image of a drop read as one file)."""
    version_id = None
    if version:
        with conn.cursor() as cur:
            row = cur.execute("SELECT version_id FROM jobs WHERE bucket = %s AND key = %s AND version = %s",
                              (bucket, key, version)).fetchone()
        version_id = row["version_id"] if row else None
    folder = settings.cache_dir / "viewer"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / hashlib.sha256(f"{bucket}/{key}@{version}".encode()).hexdigest()[:24]
    if not _used(path):
        remove_unused(folder, 3600)
        partial = _partial(path)
        objectstore.download(s3, bucket, key, version_id, partial)
        partial.replace(path)
    return path


def _used(path: Path) -> bool:
    """Whether the cache holds `path`, marked used now (its age is the time since it was)."""
    try:
        os.utime(path)
        return True
    except FileNotFoundError:
        return False


def _partial(path: Path) -> Path:
    """Where to write `path` before it is whole: one name per writer (two requests at once)."""
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.part")




def page_jpeg(s3: Minio, conn: Conn, settings: Settings, record: dict, number: int, width: int) -> Path:
    """Page `number` of the record's source as a JPEG `width` pixels wide (cached)."""
    if number not in [p["number"] for p in record["ocr"]["pages"]]:
        raise KeyError(number)
    bucket, key, inner = where(record, number)
    version = None if record["source"].get("images") else record["source"].get("version")
    path = source_file(s3, conn, settings, bucket, key, version)
    out = path.with_name(f"{path.name}-p{inner}-w{width}.jpg")
    if not _used(out):
        source = stage.open_source(path, settings, name=key)
        with tempfile.TemporaryDirectory(prefix="delo-view-") as tmp:
            gray = page_images.one_page(path, source.kind, inner, Path(tmp), settings, key).gray
        scale = width / gray.shape[1]
        small = cv2.resize(gray, (width, max(int(gray.shape[0] * scale), 1)), interpolation=cv2.INTER_AREA)
        ok, data = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 85])
        if not ok:
            raise ValueError(f"page {number} of {key} could not be encoded")
        partial = _partial(out)
        partial.write_bytes(data.tobytes())
        partial.replace(out)
    return out


def words(alto_xml: bytes) -> dict[int, PageWords]:
    """The words of each page of an ALTO file, by the page's number in the source."""
    root = etree.fromstring(alto_xml)
    out = {}
    for page in root.iter("{*}Page"):
        number = int(float(page.get("PHYSICAL_IMG_NR") or 0))
        found = [Word(s.get("CONTENT") or "", float(s.get("WC") or 0), int(float(s.get("HPOS") or 0)),
                      int(float(s.get("VPOS") or 0)), int(float(s.get("WIDTH") or 0)), int(float(s.get("HEIGHT") or 0)))
                 for s in page.iter("{*}String")]
        out[number] = PageWords(number, int(float(page.get("WIDTH") or 0)), int(float(page.get("HEIGHT") or 0)), found)
    return out


_WORD = re.compile(r"[\w-]+")


def bare(word: str) -> str:
    """A word as search compares it: its letters, lower case."""
    found = _WORD.search(word.lower())
    return found.group(0) if found else ""


def source_uri_parts(uri: str) -> tuple[str, str]:
    """(bucket, key) of an s3:// source uri."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, unquote(key)
