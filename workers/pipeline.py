"""The chain in one place: a source → its pages read → a record per document it holds.

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
import logging
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from workers import drops, sheets
from workers.config import Settings
from workers.errors import DeloError, FailureCode, UnavailableError
from workers.ocr import stage, tesseract
from workers.ocr.stage import OcrResult, PageResult, Source
from workers.outputs.pdf import SourcePage
from workers.records import parse_record, segment
from workers.records.model import Record
from workers.records.uncertainty import uncertain_fields

SCHEMA = "delo.record/1"
log = logging.getLogger(__name__)


def record_id(uri: str, index: int = 1) -> str:
    """Stable: one id per document of a source object, so a replay, or a new version of
    the same object, updates its records instead of adding others. The first (or only)
    document keeps the id a source had when it held one record."""
    return hashlib.sha256((uri if index == 1 else f"{uri}#{index}").encode()).hexdigest()[:32]


# writes a document's outputs (workers/outputs) wherever its driver keeps them, and
# returns their names, relative to where the record itself is kept (the record says them)
Sink = Callable[[dict, list[PageResult], list[SourcePage]], dict[str, str]]


def finish(source: Source, pages: list[PageResult], *, uri: str, version: str | None, drop: str | None,
           manifest: dict | None, settings: Settings, images: list[str] | None = None,
           sources: list[SourcePage] | None = None, sink: Sink | None = None) -> list[dict]:
    """The records of a source whose pages were all read: one per document it holds
    (workers/records/segment.py), in reading order; refused when no page holds text. A
    document whose text gives no archival reference takes the drop manifest's. `images`:
    for a drop read as one file, the image each page came from. With `sink` and `sources`
    (where each page's image is), each document's ALTO and searchable PDF are written and
    named in its record."""
    ocr = OcrResult(source.content_type, source.sha256, tesseract.version(), settings.ocr_languages,
                    pages=sorted(pages, key=lambda p: p.number))
    stage.check_text(ocr, source.name)
    spans = segment.segment([p.text for p in ocr.pages])
    records = []
    for index, span in enumerate(spans, start=1):
        place = (index, span, len(spans)) if len(spans) > 1 else None
        pages = document_pages(ocr.pages, span if place else None)
        record = build_record(uri=uri, version=version, drop=drop, ocr=ocr, pages=pages, settings=settings,
                              place=place, images=images)
        # where another document may start, not cut (segment.py): said whatever the count
        record["warnings"] += span.warnings
        drops.apply(record, manifest)
        if sink and sources:
            _outputs(record, pages, [sources[p.number - 1] for p in pages], sink)
        try:  # nothing leaves the pipeline that breaks the contract downstream reads
            Record.check(record)
        except ValidationError as exc:
            raise DeloError(FailureCode.INTERNAL, f"the record of {source.name} breaks delo.record/1: {exc}") from exc
        records.append(record)
    return records


def _outputs(record: dict, pages: list[PageResult], sources: list[SourcePage], sink: Sink) -> None:
    """The document's ALTO and PDF, named in its record. A store that does not answer is
    retried like any (UnavailableError goes up); anything else that stops them costs the
    outputs, never the record: it is published with the warning `outputs_not_written`."""
    try:
        record["outputs"] = sink(record, pages, sources)
    except UnavailableError:
        raise
    except Exception as exc:
        log.exception("the outputs of %s were not written", record["id"])
        record["warnings"].append(f"outputs_not_written:{type(exc).__name__}")


def document_pages(pages: list[PageResult], span: segment.Span | None) -> list[PageResult]:
    """A document's pages (all of them without a span): each page's text cut to the
    document's lines, its words to the words on those lines."""
    if span is None:
        return pages
    by_number = {p.number: p for p in pages}
    out = []
    for number, text in segment.cut([p.text for p in pages], span):
        first = span.first.line if number == span.first.page else 0
        last = span.last.line if number == span.last.page else len(by_number[number].text.split("\n"))
        out.append(replace(by_number[number], text=text,
                           words=tuple(w for w in by_number[number].words if first <= w[6] <= last)))
    return out


def build_record(*, uri: str, version: str | None, drop: str | None, ocr: OcrResult, settings: Settings,
                 pages: list[PageResult] | None = None, place: tuple[int, segment.Span, int] | None = None,
                 images: list[str] | None = None) -> dict:
    """The record of the source `ocr` read, or with `place` (index, span, count) of one of
    the documents it holds, whose `pages` (document_pages) are given."""
    doc = replace(ocr, pages=pages) if pages is not None else ocr
    text = doc.text
    warnings = []
    for page in doc.pages:
        if not page.text.strip():
            warnings.append(f"no_text_page:{page.number}")
        elif page.confidence is not None and page.confidence < settings.low_confidence:
            warnings.append(f"low_confidence_page:{page.number}")
    record = parse_record(text)
    if record["date"] is None:
        warnings.append("no_document_date")
    # a field read from a word tesseract was unsure of is not published as certain
    warnings += uncertain_fields(record, [w for page in doc.pages for w in page.uncertain_words])
    source: dict[str, Any] = {"uri": uri, "version": version, "sha256": ocr.sha256, "content_type": ocr.content_type,
                              "page_count": len(ocr.pages), "drop": drop}
    if images:
        source["images"] = images
    out: dict[str, Any] = {
        "schema": SCHEMA,
        "id": record_id(uri, place[0] if place else 1),
        "source": source,
        "ocr": {
            "engine": ocr.engine, "languages": ocr.languages, "preprocess": settings.preprocess,
            "mean_confidence": doc.mean_confidence,
            "pages": [p.as_record_page() for p in doc.pages],
        },
        "text": text,
        "record": record,
        "warnings": warnings,
    }
    if place:
        index, span, count = place
        out["document"] = {"index": index, "count": count, "pages": [p.number for p in doc.pages],
                           "first": {"page": span.first.page, "line": span.first.line},
                           "last": {"page": span.last.page, "line": span.last.line}}
        if images:
            out["document"]["images"] = list(dict.fromkeys(images[p.number - 1] for p in doc.pages))
    return out


def process_sheets(paths: list[Path], settings: Settings, *, drop: str, manifest: dict | None = None,
                   on_page: Callable[[int, int], None] | None = None, sink: Sink | None = None) -> list[dict]:
    """A drop of one image per sheet read as one file (`delo ingest --sheets`): the images'
    pages in the order given, so that a document may run from one image to the next; its
    record names the images it lies on. The source is the folder that holds them."""
    paths = [Path(p).resolve() for p in paths]
    parts = [stage.open_source(p, settings) for p in paths]
    whole = sheets.whole(parts, Path(os.path.commonpath([p.parent for p in paths])), drop)
    pages: list[PageResult] = []
    images: list[str] = []
    sources: list[SourcePage] = []
    for path, part in zip(paths, parts, strict=True):
        for page in stage.read_pages(part, settings):
            pages.append(replace(page, number=len(pages) + 1))
            images.append(path.name)
            sources.append(SourcePage(path, part.kind, page.number))
            if on_page:
                on_page(len(pages), whole.page_count)
    return finish(whole, pages, uri=whole.path.as_uri() + "/", version=None, drop=drop, manifest=manifest,
                  settings=settings, images=images, sources=sources, sink=sink)


def process_file(path: Path, settings: Settings, *, drop: str | None = None, manifest: dict | None = None,
                 on_page: Callable[[int, int], None] | None = None, sink: Sink | None = None) -> list[dict]:
    """The whole chain in this process (`delo ingest`): `on_page(done, total)` after each
    page; `sink` writes each document's outputs."""
    path = Path(path).resolve()
    source = stage.open_source(path, settings)
    return finish(source, stage.read_pages(source, settings, on_page), uri=path.as_uri(), version=None, drop=drop,
                  manifest=manifest, settings=settings, sink=sink,
                  sources=[SourcePage(path, source.kind, n) for n in range(1, source.page_count + 1)])
