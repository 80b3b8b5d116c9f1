"""Records as JSON files in a folder: `DIR/<source file name>.json` for a file that holds
one document, `DIR/<source file name>.<n>.json` for each document of a file that holds
several. One delo.record/1 object per file either way, so whatever reads one record
reads every file, and a document's file is replaced alone when it changes."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path


def write_records(out_dir: Path, name: str, records: list[dict]) -> None:
    """The file's records, and none left of an earlier ingest that found other documents."""
    out_dir.mkdir(parents=True, exist_ok=True)
    targets = [out_dir / f"{name}.json"] if len(records) == 1 else \
        [out_dir / f"{name}.{n}.json" for n in range(1, len(records) + 1)]
    for target, record in zip(targets, records, strict=True):
        _write(target, record)
    own = re.compile(rf"{re.escape(name)}(?:\.\d+)?\.json")
    for old in out_dir.iterdir():
        if own.fullmatch(old.name) and old not in targets:
            old.unlink()


def _write(target: Path, record: dict) -> None:
    """Atomically (temp file + rename): a reader never sees half a record."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(record, f, ensure_ascii=False, indent=2)
        f.write("\n")
    os.replace(tmp, target)
