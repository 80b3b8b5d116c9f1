"""The OCR stage: a source file in, the text of each page with its measurements out."""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import cv2

from workers.config import Settings, get_settings
from workers.errors import FailureCode, InputError, LimitError
from workers.ocr import detect, pages, preprocess, tesseract


@dataclass
class PageResult:
    number: int
    text: str
    confidence: float | None
    dpi: int
    width: int
    height: int
    skew_degrees: float
    steps: tuple[str, ...]
    seconds: float
    # words tesseract was unsure of (below settings.uncertain_word_confidence); a default,
    # so page results serialised before this field existed still load
    uncertain_words: tuple[str, ...] = ()
    # every word with its box in this page's pixels (width × height at dpi):
    # (text, confidence, left, top, width, height, line of `text`, block); what ALTO and
    # the searchable PDF are made of (workers/outputs), never part of the record's JSON
    words: tuple[tesseract.WordBox, ...] = ()

    def as_task(self) -> dict[str, Any]:
        """What a page task hands to the parse task (JSON)."""
        return {**vars(self), "steps": list(self.steps), "uncertain_words": list(self.uncertain_words),
                "words": [list(w) for w in self.words]}

    @classmethod
    def from_task(cls, data: dict[str, Any]) -> PageResult:
        return cls(**{**data, "steps": tuple(data["steps"]), "uncertain_words": tuple(data.get("uncertain_words", ())),
                      "words": tuple(tuple(w) for w in data.get("words", ()))})

    def as_record_page(self) -> dict[str, Any]:
        return {
            "number": self.number, "text": self.text, "confidence": self.confidence, "dpi": self.dpi,
            "width": self.width, "height": self.height, "skew_degrees": self.skew_degrees,
            "preprocessing": list(self.steps), "seconds": self.seconds,
            "uncertain_words": list(self.uncertain_words),
        }


@dataclass
class OcrResult:
    content_type: str
    sha256: str
    engine: str
    languages: str
    pages: list[PageResult] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\f".join(p.text for p in self.pages)

    @property
    def mean_confidence(self) -> float | None:
        confs = [p.confidence for p in self.pages if p.confidence is not None]
        return round(sum(confs) / len(confs), 2) if confs else None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Source:
    path: Path
    kind: str
    content_type: str
    sha256: str
    page_count: int
    name: str = ""   # what failures call the file: an upload's key, or the file's own name

    def meta(self) -> dict[str, Any]:
        """What the tasks after the first need of the source, the file itself aside (JSON)."""
        return {k: v for k, v in vars(self).items() if k != "path"}

    @classmethod
    def from_meta(cls, path: Path, meta: dict[str, Any]) -> Source:
        return cls(path=path, **meta)


def check_size(size: int, name: str, settings: Settings) -> None:
    """The file-size limit: checked on the event's size before a download, and on disk."""
    if size > settings.max_file_bytes:
        raise LimitError(FailureCode.FILE_TOO_LARGE,
                         f"{name} is {size / 2**20:.0f} MiB; the limit is {settings.max_file_bytes / 2**20:.0f} MiB")


def open_source(path: Path, settings: Settings, name: str | None = None) -> Source:
    """Check a file against the limits and find what it is, before any page is decoded.
    `name` is what a failure calls the file when `path` is only a cache file (the
    workers pass the upload's key); by default the file's own name."""
    path = Path(path)
    name = name or path.name
    check_size(path.stat().st_size, name, settings)
    kind, content_type = detect.sniff(path, name)
    return Source(path, kind, content_type, sha256_of(path), pages.count_pages(path, kind, settings, name), name)


def ocr_file(path: Path, settings: Settings | None = None,
             on_page: Callable[[int, int], None] | None = None) -> OcrResult:
    """OCR every page of `path` (`delo ocr`). `on_page(done, total)` is called after each page.

    Raises a DeloError subclass with a FailureCode for anything wrong with the input.
    """
    settings = settings or get_settings()
    source = open_source(path, settings)
    result = OcrResult(source.content_type, source.sha256, tesseract.version(), settings.ocr_languages,
                       pages=read_pages(source, settings, on_page))
    check_text(result, source.name)
    return result


def read_page(source: Source, number: int, settings: Settings) -> PageResult:
    """One page of an opened source: what a worker handed that page runs, and what the
    embedded driver runs for each page in turn, so both read a page the same way."""
    with tempfile.TemporaryDirectory(prefix="delo-render-") as tmp:
        return ocr_page(pages.one_page(source.path, source.kind, number, Path(tmp), settings, source.name), settings)


def read_pages(source: Source, settings: Settings,
               on_page: Callable[[int, int], None] | None = None) -> list[PageResult]:
    results = []
    for number in range(1, source.page_count + 1):
        results.append(read_page(source, number, settings))
        if on_page:
            on_page(number, source.page_count)
    return results


def check_text(result: OcrResult, name: str) -> None:
    if not any(p.text.strip() for p in result.pages):
        raise InputError(FailureCode.NO_TEXT, f"no text found on any of the {len(result.pages)} page(s) of {name}")


def ocr_page(page: pages.Page, settings: Settings) -> PageResult:
    started = time.perf_counter()
    analysis, prepared = preprocess.prepare(page.gray)
    if settings.preprocess == "none":  # measured all the same (the record says the skew), left as scanned
        analysis, prepared = replace(analysis, steps=(), crop=(0, 0)), None
    height, width = page.gray.shape
    with tempfile.TemporaryDirectory(prefix="delo-page-") as tmp:
        if prepared is None and page.file is not None:
            image = page.file
        else:
            # Uncompressed TIFF: 5 ms to write, and the format tesseract reads fastest
            # (an A4 page: 0.85 s from TIFF, 0.88 s from PNG, 1.02 s from PGM).
            image = Path(tmp) / f"page-{page.number}.tif"
            cv2.imwrite(str(image), page.gray if prepared is None else prepared, [cv2.IMWRITE_TIFF_COMPRESSION, 1])
        found = tesseract.recognise(image, languages=settings.ocr_languages, dpi=page.dpi,
                                    timeout=settings.page_timeout_seconds,
                                    uncertain_below=settings.uncertain_word_confidence)
    return PageResult(
        number=page.number, text=found.text, confidence=found.confidence, dpi=page.dpi,
        width=width, height=height, skew_degrees=analysis.skew_degrees, steps=analysis.steps,
        seconds=round(time.perf_counter() - started, 3), uncertain_words=found.uncertain,
        words=tuple((w.text, w.conf, *analysis.to_page((height, width), w.left, w.top, w.width, w.height),
                     w.line, w.block) for w in found.boxes),
    )
