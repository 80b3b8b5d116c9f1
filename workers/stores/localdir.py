"""Records as JSON files in a folder: `DIR/<source file name>.json`."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def write_record(out_dir: Path, name: str, record: dict) -> Path:
    """Write atomically (temp file + rename): a reader never sees half a record."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}.json"
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(record, f, ensure_ascii=False, indent=2)
        f.write("\n")
    os.replace(tmp, target)
    return target
