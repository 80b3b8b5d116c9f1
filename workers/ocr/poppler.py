"""Poppler: probe the installed tools, read a PDF's page count and page sizes (pdfinfo),
render one page to an image file (pdftocairo), every failure typed.

Messages name the file by `name`, the name its owner knows (an upload's key): the path
poppler reads may be a cache file named by a hash, and poppler's own words quote it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from workers.errors import ConfigError, FailureCode, InputError, OcrError

_INSTALL = "apt-get install poppler-utils"
_PAGES = re.compile(r"^Pages:\s+(\d+)", re.M)
_SIZE = re.compile(r"^Page\s+(\d+)\s+size:\s+([\d.]+)\s+x\s+([\d.]+)\s+pts", re.M)
# poppler has one exit status (1) for every PDF it cannot open; only its words tell a
# password from damage ("Command Line Error: Incorrect password")
_NEEDS_PASSWORD = re.compile(r"Incorrect password|encrypted", re.I)


@dataclass(frozen=True)
class PdfInfo:
    pages: int
    encrypted: bool  # encrypted, yet readable without a password (one that needs it fails)
    sizes: tuple[tuple[float, float], ...]  # (width, height) in points of the pages asked for


@lru_cache
def version() -> str:
    """`poppler 22.12.0`, or ConfigError when pdfinfo or pdftocairo is missing."""
    missing = [tool for tool in ("pdfinfo", "pdftocairo") if shutil.which(tool) is None]
    if missing:
        tools = f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'}"
        raise ConfigError(FailureCode.TOOL_MISSING, f"poppler's {tools} not installed ({_INSTALL})")
    said = subprocess.run(["pdftocairo", "-v"], capture_output=True, text=True, timeout=10).stderr
    found = re.search(r"version\s+(\S+)", said)
    return f"poppler {found.group(1) if found else 'unknown'}"


def info(path: Path, *, name: str, timeout: float, first: int = 0, last: int = 0) -> PdfInfo:
    """The page count and encryption of the PDF at `path`, and the sizes of pages
    `first`..`last` (none unless asked: listing 100,000 of them costs before the page
    limit is checked). InputError when it cannot be opened, or needs a password."""
    pages_asked = ["-f", str(first), "-l", str(last)] if first else []
    proc = _run(["pdfinfo", *pages_asked, str(path)], timeout, f"pdfinfo took longer than {timeout} s")
    err = proc.stderr.strip()
    if _NEEDS_PASSWORD.search(err):
        raise InputError(FailureCode.PDF_ENCRYPTED, f"{name} is encrypted and needs a password to open")
    pages = _PAGES.search(proc.stdout)
    if proc.returncode != 0 or pages is None:
        # poppler's own words may quote the path it was given: the cache file's, not `name`
        detail = err.splitlines()[-1].replace(str(path), name) if err else "pdfinfo could not read it"
        raise InputError(FailureCode.CORRUPT_FILE, f"{name} is not a readable PDF ({detail})")
    encrypted = re.search(r"^Encrypted:\s+yes", proc.stdout, re.M) is not None
    sizes = tuple((float(w), float(h)) for _, w, h in _SIZE.findall(proc.stdout))
    return PdfInfo(int(pages.group(1)), encrypted, sizes)


def render(path: Path, page: int, *, dpi: int, timeout: float, folder: Path, name: str) -> Path:
    """Page `page` as an uncompressed greyscale TIFF in `folder` (what tesseract reads
    fastest, when the page needs nothing done to it). pdftocairo, as pdf2image chose for
    a TIFF before, with its arguments: the same pixels (pdftoppm's differ in 1% of them)."""
    prefix = folder / f"page-{page}"
    _run(["pdftocairo", "-r", str(dpi), "-f", str(page), "-l", str(page), "-tiff", "-gray", "-singlefile",
          str(path), str(prefix)], timeout, f"page {page} took longer than {timeout} s to render")
    file = prefix.with_suffix(".tif")
    # the file decides, not the exit status: a page pdftocairo complained about but drew is
    # read as pdf2image read it
    if not file.exists():
        raise InputError(FailureCode.CORRUPT_FILE, f"page {page} of {name} could not be rendered")
    return file


def _run(command: list[str], timeout: float, too_long: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=timeout)
    except FileNotFoundError as exc:
        raise ConfigError(FailureCode.TOOL_MISSING, f"{command[0]} is not installed ({_INSTALL})") from exc
    except subprocess.TimeoutExpired as exc:
        raise OcrError(FailureCode.RENDER_TIMEOUT, too_long) from exc
