"""The chain in one place: a source → its pages read → a record.

Both drivers run these same functions and hold no logic of their own:

    delo ingest (embedded)          Celery tasks (workers/tasks/jobs.py)
    process_file(path):             start:     stage.open_source
        stage.open_source           ocr_page:  stage.read_page    (one task per page)
        stage.read_page × N         parse:     finish
        finish

The tasks only split the chain where a queue boundary falls, and pass between them what
`open_source` found (`Source.meta`) and each page's result (`PageResult.as_task`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from workers import drops
from workers.config import Settings
from workers.errors import DeloError, FailureCode
from workers.ocr import stage, tesseract
from workers.ocr.stage import OcrResult, PageResult, Source
from workers.records import parse_record
from workers.records.model import Record
from workers.records.uncertainty import uncertain_fields

SCHEMA = "delo.record/1"


def record_id(uri: str) -> str:
    """Stable: one id per source object, so a replay, or a new version of the same
    object, updates its record instead of adding one."""
    return hashlib.sha256(uri.encode()).hexdigest()[:32]


def finish(source: Source, pages: list[PageResult], *, uri: str, version: str | None, drop: str | None,
           manifest: dict | None, settings: Settings) -> dict:
    """The record of a source whose pages were all read: in page order, refused when no
    page holds text, its archival reference taken from the drop's manifest when its text
    gives none."""
    ocr = OcrResult(source.content_type, source.sha256, tesseract.version(), settings.ocr_languages,
                    pages=sorted(pages, key=lambda p: p.number))
    stage.check_text(ocr, source.name)
    record = build_record(uri=uri, version=version, drop=drop, ocr=ocr, settings=settings)
    drops.apply(record, manifest)
    try:  # nothing leaves the pipeline that breaks the contract downstream reads
        Record.check(record)
    except ValidationError as exc:
        raise DeloError(FailureCode.INTERNAL, f"the record of {source.name} breaks delo.record/1: {exc}") from exc
    return record


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


def process_file(path: Path, settings: Settings, *, drop: str | None = None, manifest: dict | None = None,
                 on_page: Callable[[int, int], None] | None = None) -> dict:
    """The whole chain in this process (`delo ingest`): `on_page(done, total)` after each page."""
    path = Path(path).resolve()
    source = stage.open_source(path, settings)
    return finish(source, stage.read_pages(source, settings, on_page), uri=path.as_uri(), version=None, drop=drop,
                  manifest=manifest, settings=settings)
