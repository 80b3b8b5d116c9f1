"""Tesseract: probe the installed program's version and languages, read one page image
with the engine kept loaded (workers/ocr/engine.py).

One reading per page gives the text, the word confidences and the words' boxes (TSV); the
text is rebuilt from the TSV in tesseract's own reading order, and the words tesseract was
unsure of, and the boxes ALTO and the searchable PDF place words by, come from the same
reading: no second pass, no second reading to disagree with.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytesseract

from workers.errors import ConfigError, FailureCode
from workers.ocr.engine import TSV_COLUMNS, engine

# a word as pages carry it: (text, confidence, left, top, width, height, line, block)
WordBox = tuple[str, float, int, int, int, int, int, int]


@dataclass(frozen=True)
class Word:
    """A word where tesseract found it: its box in the pixels of the image it read, its
    confidence (0..100), and its place in the reading (the line of the page's text it is
    on, counted as the text's lines are, and the block it belongs to)."""
    text: str
    conf: float
    left: int
    top: int
    width: int
    height: int
    line: int
    block: int


@dataclass(frozen=True)
class Recognised:
    text: str
    confidence: float | None  # mean word confidence 0..100, None when no word was found
    words: int
    uncertain: tuple[str, ...] = ()  # words below the confidence asked for, in reading order
    boxes: tuple[Word, ...] = ()


@lru_cache
def version() -> str:
    if shutil.which("tesseract") is None:
        raise ConfigError(FailureCode.TOOL_MISSING, "tesseract is not installed (apt-get install tesseract-ocr)")
    return f"tesseract {pytesseract.get_tesseract_version()}"


@lru_cache
def check_languages(spec: str) -> None:
    # pytesseract.get_languages() drops capitalised names such as the script model `Cyrillic`.
    listing = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout
    have = {line.strip() for line in listing.splitlines()[1:] if line.strip()}
    missing = [lang for lang in spec.split("+") if lang not in have]
    if missing:
        raise ConfigError(
            FailureCode.TOOL_MISSING,
            f"tesseract language data missing: {', '.join(missing)} (have {', '.join(sorted(have))}; "
            f"apt-get install {' '.join(packages('+'.join(missing)))})",
        )


def packages(spec: str) -> list[str]:
    """Debian's packages for languages (`Cyrillic+rus`, or space-separated): a language model's
    (`rus`) or the script model's delo reads with. infra/Dockerfile installs what its build
    argument names through this."""
    return ["tesseract-ocr-script-cyrl" if lang == "Cyrillic" else f"tesseract-ocr-{lang.lower()}"
            for lang in spec.replace("+", " ").split()]


def recognise(image: Path, *, languages: str, dpi: int, timeout: int, uncertain_below: float = 0.0) -> Recognised:
    version()
    check_languages(languages)
    tsv = engine(languages).tsv(image, dpi, timeout)
    return _from_tsv(_columns(tsv), uncertain_below)


def _columns(tsv: str) -> dict[str, list[str]]:
    """The engine's TSV rows as columns, the shape pytesseract's image_to_data gives."""
    data: dict[str, list[str]] = {name: [] for name in TSV_COLUMNS}
    for row in tsv.splitlines():
        cells = row.split("\t")
        if len(cells) < len(TSV_COLUMNS) - 1 or not cells[0].isdigit():
            continue
        cells += [""] * (len(TSV_COLUMNS) - len(cells))  # a last row with no text has no last cell
        for name, cell in zip(TSV_COLUMNS, cells, strict=False):  # cells past the last column: dropped
            data[name].append(cell)
    return data


def _from_tsv(data: dict[str, list[str]], uncertain_below: float = 0.0) -> Recognised:
    lines: list[str] = []
    confs: list[float] = []
    uncertain: list[str] = []
    boxes: list[Word] = []
    key = None
    block_par = None
    current: list[str] = []
    for i, word in enumerate(data["text"]):
        conf = float(data["conf"][i])
        if conf < 0 or not word.strip():
            continue
        confs.append(conf)
        if conf < uncertain_below:
            uncertain.append(word)
        bp = (data["page_num"][i], data["block_num"][i], data["par_num"][i])
        k = (*bp, data["line_num"][i])
        if k != key:
            if current:
                lines.append(" ".join(current))
            if block_par is not None and bp != block_par:
                lines.append("")  # a blank line between paragraphs, as tesseract's txt does
            current, key, block_par = [], k, bp
        current.append(word)
        boxes.append(Word(word, conf, int(data["left"][i]), int(data["top"][i]), int(data["width"][i]),
                          int(data["height"][i]), line=len(lines), block=int(data["block_num"][i])))
    if current:
        lines.append(" ".join(current))
    mean = round(sum(confs) / len(confs), 2) if confs else None
    return Recognised("\n".join(lines), mean, len(confs), tuple(uncertain), tuple(boxes))
