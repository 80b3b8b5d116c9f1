"""What a reading gives beside the record: ALTO 4 (alto.py) and the searchable PDF
(pdf.py), for each document, from the words tesseract gave when it read the pages."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from workers.ocr.stage import PageResult
from workers.outputs import alto, pdf
from workers.outputs.pdf import SourcePage

KINDS = {"alto": ".alto.xml", "pdf": ".pdf"}  # kind → what its file's name ends with
CONTENT_TYPES = {"alto": "application/xml", "pdf": "application/pdf"}


def kinds(spec: str) -> list[str]:
    """The outputs a setting names (`alto,pdf`), refused when it names one delo has not."""
    wanted = [k.strip() for k in spec.split(",") if k.strip()]
    unknown = [k for k in wanted if k not in KINDS]
    if unknown:
        raise ValueError(f"no output {', '.join(unknown)}; delo writes {', '.join(KINDS)}")
    return wanted


def write(folder: Path, stem: str, record: dict, pages: Sequence[PageResult], sources: Sequence[SourcePage], *,
          which: Sequence[str]) -> dict[str, Path]:
    """`folder/<stem>.alto.xml` and `folder/<stem>.pdf` (those of `which`) of the record's
    document, whose `pages` were read from `sources`. Returns kind → the file written."""
    written = {}
    for kind in which:
        path = folder / f"{stem}{KINDS[kind]}"
        if kind == "alto":
            alto.write(path, pages, source=record["source"]["uri"], software=_version(), engine=record["ocr"]["engine"])
        else:
            pdf.write(zip(sources, pages, strict=True), path)
        written[kind] = path
    return written


def _version() -> str:
    try:
        return metadata.version("delo")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"
