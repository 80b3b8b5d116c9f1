"""Bulk drops: objects under `drops/<name>/` form a drop; an optional
`drops/<name>/manifest.json` (or `.csv`) lists the files expected and metadata for all
of them (archive, fond, opis, delo, title), which fills a record's archival reference
where its text gives none.

manifest.json: {"files": ["l1.tif", ...], "archive": "АП РФ", "fond": "45", "opis": "1",
                "delo": "332", "title": "...", "sheets": false}
               `"sheets": true`: the files are the sheets of one delo, one image each, read
               as one file in the order `files` gives (name order for files it leaves out)
               `"ocr": {"languages": "rus+eng", "preprocess": "none"}`: how its pages are
               read (workers/ocr/options.py)
manifest.csv:  a header `file,archive,fond,opis,delo,title`; one row per file; the
               metadata are taken from the first row that has them.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from psycopg.types.json import Jsonb

from workers.errors import FailureCode, InputError, LimitError
from workers.ledger.jobs import drop_of
from workers.ocr import options
from workers.records.archival import ARCHIVES, citation
from workers.stores.postgres import Conn, unavailable_as_retryable

METADATA = ("archive", "fond", "opis", "delo", "title")
MAX_MANIFEST_BYTES = 4 * 2**20


def is_manifest(key: str) -> bool:
    return drop_of(key) is not None and key.rsplit("/", 1)[-1].lower() in ("manifest.json", "manifest.csv")


def read_manifest(key: str, data: bytes) -> dict:
    if len(data) > MAX_MANIFEST_BYTES:
        raise LimitError(FailureCode.FILE_TOO_LARGE, f"{key}: a manifest is at most 4 MiB")
    try:
        text = data.decode("utf-8-sig")
        if key.lower().endswith(".json"):
            raw = json.loads(text)
            files = [str(f) for f in raw.get("files", [])]
            metadata = {k: str(raw[k]) for k in METADATA if raw.get(k) not in (None, "")}
            sheets = raw.get("sheets") is True
            ocr = options.parse(raw.get("ocr"))
        else:
            rows = list(csv.DictReader(io.StringIO(text)))
            files = [r["file"] for r in rows if r.get("file")]
            sheets, ocr = False, {}
            metadata = {}
            for k in METADATA:
                value = next((r[k] for r in rows if r.get(k)), None)
                if value:
                    metadata[k] = value
    except (ValueError, KeyError, AttributeError, csv.Error) as exc:
        raise InputError(FailureCode.CORRUPT_FILE, f"{key}: not a readable manifest ({exc})") from exc
    return {"files": files, "metadata": metadata, "sheets": sheets, "ocr": ocr}


def sheet_order(names: list[str], manifest: dict | None) -> list[str]:
    """The sheets of a drop read as one file: in the manifest's order, then by name."""
    listed = {name: n for n, name in enumerate((manifest or {}).get("files") or [])}
    return sorted(names, key=lambda name: (listed.get(name, len(listed)), name))


def store(conn: Conn, name: str, manifest: dict[str, Any]) -> None:
    with unavailable_as_retryable():
        conn.execute("""INSERT INTO drops (name, manifest) VALUES (%s, %s)
                        ON CONFLICT (name) DO UPDATE SET manifest = excluded.manifest, updated_at = now(),
                            -- the reconciler stores every manifest it lists: only a new one is a change
                            changed_at = CASE WHEN drops.manifest IS DISTINCT FROM excluded.manifest
                                              THEN now() ELSE drops.changed_at END""",
                     (name, Jsonb(manifest)))


def manifest_of(conn: Conn, name: str | None) -> dict[str, Any] | None:
    if not name:
        return None
    with unavailable_as_retryable():
        row = conn.execute("SELECT manifest FROM drops WHERE name = %s", (name,)).fetchone()
    manifest: dict[str, Any] | None = row["manifest"] if row else None
    return manifest


def apply(record: dict, manifest: dict | None) -> None:
    """Give a record with no archival reference the drop's, and say so in its warnings."""
    meta = (manifest or {}).get("metadata") or {}
    if record["record"]["archival_references"] or not meta.get("fond"):
        return
    archive = meta.get("archive")
    canon = next((c for c, (latin, names) in ARCHIVES.items() if archive in (c, latin, *names)), None) if archive else None
    ref: dict[str, Any] = {"archive": canon or archive, "archive_latin": ARCHIVES[canon][0] if canon else None,
           "fond": meta.get("fond"), "opis": meta.get("opis"), "delo": meta.get("delo"), "sheets": None,
           "extra": {}, "authenticity": None, "raw": "drop manifest"}
    record["record"]["archival_references"] = [ref]
    record["record"]["citation"] = citation(ref)
    record["warnings"].append("archival_reference_from_manifest")
