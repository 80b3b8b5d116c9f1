"""A source file as a sequence of page images, produced one at a time.

PDF pages are rendered by poppler (workers/ocr/poppler.py) one page per call into a
temporary folder, so a 500-page PDF never sits in memory; image frames (multi-frame
TIFF) are read one at a time by Pillow. Every limit is checked before pixels are
decoded: page count, and pixels per page (a 30000×30000 header is a decompression bomb).

Messages name the file by `name`, the name its owner knows (an upload's key), which the
workers pass in: the path they read is a cache file named by a hash (`ef6fb94c…`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, ImageSequence

from workers.config import Settings
from workers.errors import FailureCode, InputError, LimitError
from workers.ocr import poppler

# We enforce our own pixel limit before decoding; Pillow's warning would only be noise.
Image.MAX_IMAGE_PIXELS = None


@dataclass
class Page:
    number: int
    gray: np.ndarray           # 8-bit greyscale pixels
    dpi: int
    file: Path | None          # a file tesseract can read as it is, if there is one


def count_pages(path: Path, kind: str, settings: Settings, name: str | None = None) -> int:
    name = name or path.name
    if kind == "pdf":
        return len(_pdf_page_sizes(path, settings, name))
    with _open_image(path, name) as im:
        return getattr(im, "n_frames", 1)


def iter_pages(path: Path, kind: str, settings: Settings, name: str | None = None) -> Iterator[Page]:
    name = name or path.name
    if kind == "pdf":
        yield from _pdf_pages(path, settings, name)
    else:
        yield from _image_pages(path, kind, settings, name)


def one_page(path: Path, kind: str, number: int, folder: Path, settings: Settings, name: str | None = None) -> Page:
    """Page `number` alone, for workers that share a document's pages between them."""
    name = name or path.name
    if kind == "pdf":
        sizes = poppler.info(path, name=name, timeout=settings.render_timeout_seconds, first=number, last=number).sizes
        w_pt, h_pt = sizes[0] if sizes else _A4
        _check_pixels(name, number, (w_pt / 72 * settings.pdf_dpi) * (h_pt / 72 * settings.pdf_dpi), settings)
        file = _render(path, number, folder, settings, name)
        return Page(number, _read_gray(file, name, number), settings.pdf_dpi, file)
    with _open_image(path, name) as im:
        frames = _check_frames(im, name, settings)
        if not 1 <= number <= frames:
            raise InputError(FailureCode.CORRUPT_FILE, f"{name} has no page {number}")
        # Straight to the frame: a TIFF's seek walks the frame headers, decoding no pixels,
        # so page 500 of a 500-page TIFF costs one page, not 500.
        im.seek(number - 1)
        return _image_page(path, im, kind, number, frames, settings, name)


# --- PDF -------------------------------------------------------------------------

_A4 = (595.0, 842.0)  # points: a page whose size pdfinfo does not give


def _pdf_page_sizes(path: Path, settings: Settings, name: str) -> list[tuple[float, float]]:
    pages = poppler.info(path, name=name, timeout=settings.render_timeout_seconds).pages
    if pages < 1:
        raise InputError(FailureCode.CORRUPT_FILE, f"{name} has no pages")
    if pages > settings.max_pages:
        raise LimitError(FailureCode.TOO_MANY_PAGES, f"{name} has {pages} pages; the limit is {settings.max_pages}")
    sizes = poppler.info(path, name=name, timeout=settings.render_timeout_seconds, first=1, last=pages).sizes
    return list(sizes) or [_A4] * pages


def _pdf_pages(path: Path, settings: Settings, name: str) -> Iterator[Page]:
    dpi = settings.pdf_dpi
    sizes = _pdf_page_sizes(path, settings, name)
    for number, (w_pt, h_pt) in enumerate(sizes, start=1):
        _check_pixels(name, number, (w_pt / 72 * dpi) * (h_pt / 72 * dpi), settings)
    # poppler renders page n+1 while tesseract reads page n: two pages in memory at most
    with tempfile.TemporaryDirectory(prefix="delo-render-") as tmp, ThreadPoolExecutor(1) as renderer:
        pending = renderer.submit(_render, path, 1, Path(tmp), settings, name)
        for number in range(1, len(sizes) + 1):
            file = pending.result()
            if number < len(sizes):
                pending = renderer.submit(_render, path, number + 1, Path(tmp), settings, name)
            yield Page(number, _read_gray(file, name, number), dpi, file)
            file.unlink(missing_ok=True)


def _read_gray(file: Path, name: str, number: int) -> np.ndarray:
    gray = cv2.imread(str(file), cv2.IMREAD_GRAYSCALE)
    if gray is None:
        raise InputError(FailureCode.CORRUPT_FILE, f"page {number} of {name} could not be rendered")
    return gray


def _render(path: Path, number: int, folder: Path, settings: Settings, name: str) -> Path:
    return poppler.render(path, number, dpi=settings.pdf_dpi, timeout=settings.render_timeout_seconds,
                          folder=folder, name=name)


# --- images ----------------------------------------------------------------------

def _open_image(path: Path, name: str) -> Image.Image:
    try:
        return Image.open(path)
    except Exception as exc:  # Pillow raises many types for a broken header
        raise InputError(FailureCode.CORRUPT_FILE, f"{name} is not a readable image ({exc})") from exc


def _check_frames(im: Image.Image, name: str, settings: Settings) -> int:
    frames = getattr(im, "n_frames", 1)
    if frames > settings.max_pages:
        raise LimitError(FailureCode.TOO_MANY_PAGES, f"{name} has {frames} frames; the limit is {settings.max_pages}")
    return frames


def _image_pages(path: Path, kind: str, settings: Settings, name: str) -> Iterator[Page]:
    with _open_image(path, name) as im:
        frames = _check_frames(im, name, settings)
        for number, frame in enumerate(ImageSequence.Iterator(im), start=1):
            yield _image_page(path, frame, kind, number, frames, settings, name)


def _image_page(path: Path, frame: Image.Image, kind: str, number: int, frames: int, settings: Settings,
                name: str) -> Page:
    """The frame the image is positioned at, as page `number`."""
    _check_pixels(name, number, frame.width * frame.height, settings)
    dpi = _dpi(frame, settings)
    # only JPEGs carry an orientation in practice; asking a PNG for EXIF decodes it whole
    turned = kind == "jpeg" and frame.getexif().get(0x0112, 1) not in (0, 1)
    # A single-frame PNG/JPEG that needs no turning goes to tesseract as it is,
    # and OpenCV decodes it in half the time Pillow takes.
    as_is = path if frames == 1 and kind in ("png", "jpeg") and not turned else None
    gray = _decode(path, frame, number, as_is is not None, turned, name)
    return Page(number, gray, dpi, as_is)


def _decode(path: Path, frame: Image.Image, number: int, whole_file: bool, turned: bool, name: str) -> np.ndarray:
    try:
        if whole_file:
            gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE | cv2.IMREAD_IGNORE_ORIENTATION)
            if gray is not None:
                return gray
        upright = ImageOps.exif_transpose(frame) if turned else frame
        return np.asarray(upright.convert("L"))
    except Exception as exc:
        raise InputError(FailureCode.CORRUPT_FILE, f"page {number} of {name} cannot be decoded ({exc})") from exc


def _dpi(frame: Image.Image, settings: Settings) -> int:
    dpi = frame.info.get("dpi")
    try:
        value = int(round(float(dpi[0]))) if dpi else 0
    except (TypeError, ValueError):
        value = 0
    # 72 and 96 are what software writes when nobody said: not a scanner's resolution.
    return value if value >= 100 else settings.default_image_dpi


def _check_pixels(name: str, number: int, pixels: float, settings: Settings) -> None:
    if pixels > settings.max_page_pixels:
        raise LimitError(
            FailureCode.IMAGE_TOO_LARGE,
            f"page {number} of {name} is {pixels / 1e6:.0f} Mpx; the limit is {settings.max_page_pixels / 1e6:.0f} Mpx",
        )
