"""Records as JSON files in a folder: `DIR/<source file name>.json` for a file that holds
one document, `DIR/<source file name>.<n>.json` for each document of a file that holds
several. One delo.record/1 object per file either way, so whatever reads one record
reads every file, and a document's file is replaced alone when it changes. A document's
outputs (workers/outputs) sit beside its record: `<stem>.alto.xml`, `<stem>.pdf`."""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from pathlib import Path

from workers import outputs
from workers.ocr.stage import PageResult
from workers.outputs.pdf import SourcePage
from workers.pipeline import Sink


def output_sink(out_dir: Path, name: str, which: list[str]) -> Sink:
    """Writes each document's outputs beside where its record goes (write_records)."""
    def sink(record: dict, pages: list[PageResult], sources: list[SourcePage]) -> dict[str, str]:
        out_dir.mkdir(parents=True, exist_ok=True)
        return {kind: path.name for kind, path in outputs.write(out_dir, stem(name, record), record, pages, sources,
                                                                 which=which).items()}
    return sink


def stem(name: str, record: dict) -> str:
    """What a record's files are named after: its source file, and its place in it."""
    place = record.get("document")
    return f"{name}.{place['index']}" if place else name


def write_records(out_dir: Path, name: str, records: list[dict]) -> None:
    """The file's records, and none left of an earlier ingest that found other documents
    (their outputs included)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    keep = set()
    for record in records:
        target = out_dir / f"{stem(name, record)}.json"
        _write(target, record)
        keep |= {target.name, *(record.get("outputs") or {}).values()}
    own = re.compile(rf"{re.escape(name)}(?:\.\d+)?\.(?:json|alto\.xml|pdf)")
    for old in out_dir.iterdir():
        if own.fullmatch(old.name) and old.name not in keep:
            old.unlink()


def _write(target: Path, record: dict) -> None:
    """Atomically (temp file + rename): a reader never sees half a record."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(record, f, ensure_ascii=False, indent=2)
        f.write("\n")
    os.replace(tmp, target)


def remove_unused(folder: Path, older_than_seconds: float) -> None:
    """Delete the files of a cache folder not used (touched) for `older_than_seconds`; one
    another process deleted first is no error."""
    cutoff = time.time() - older_than_seconds
    for f in folder.iterdir():
        try:
            if f.stat().st_mtime < cutoff:
                f.unlink()
        except FileNotFoundError:
            pass
