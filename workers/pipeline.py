"""The chain in one place: OCR → parse → record. Both drivers (the embedded `delo
ingest` and, later, the Celery tasks) call these functions and hold no logic of their own."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from workers.config import Settings, get_settings
from workers.ocr import OcrResult, ocr_file
from workers.records import parse_record
from workers.records.uncertainty import uncertain_fields

SCHEMA = "delo.record/1"


def record_id(uri: str) -> str:
    """Stable: one id per source object, so a replay, or a new version of the same
    object, updates its record instead of adding one."""
    return hashlib.sha256(uri.encode()).hexdigest()[:32]


def build_record(*, uri: str, version: str | None, drop: str | None, ocr: OcrResult,
                 settings: Settings) -> dict:
    text = ocr.text
    warnings = []
    for page in ocr.pages:
        if not page.text.strip():
            warnings.append(f"no_text_page:{page.number}")
        elif page.confidence is not None and page.confidence < settings.low_confidence:
            warnings.append(f"low_confidence_page:{page.number}")
    record = parse_record(text)
    if record["date"] is None:
        warnings.append("no_document_date")
    # a field read from a word tesseract was unsure of is not published as certain
    warnings += uncertain_fields(record, [w for page in ocr.pages for w in page.uncertain_words])
    return {
        "schema": SCHEMA,
        "id": record_id(uri),
        "source": {
            "uri": uri, "version": version, "sha256": ocr.sha256, "content_type": ocr.content_type,
            "page_count": len(ocr.pages), "drop": drop,
        },
        "ocr": {
            "engine": ocr.engine, "languages": ocr.languages, "mean_confidence": ocr.mean_confidence,
            "pages": [p.as_record_page() for p in ocr.pages],
        },
        "text": text,
        "record": record,
        "warnings": warnings,
    }


def process_local_file(path: Path, settings: Settings | None = None,
                       on_page: Callable[[int, int], None] | None = None) -> dict:
    settings = settings or get_settings()
    path = Path(path).resolve()
    ocr = ocr_file(path, settings, on_page=on_page)
    return build_record(uri=path.as_uri(), version=None, drop=None, ocr=ocr, settings=settings)
