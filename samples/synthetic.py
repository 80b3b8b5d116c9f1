"""Typewritten-looking page images made from text: for samples, tests and benchmarks.

A clean page is black text on white at 300 dpi; a noisy one imitates a poor scan of
an old carbon copy: grey uneven paper, spread ink, speckle and a slight skew.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

DPI = 300
A4_PX = (2480, 3508)
_FONTS = [
    "/usr/share/fonts/truetype/freefont/FreeMono.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
]


def _font(size: int) -> ImageFont.FreeTypeFont:
    for path in _FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    raise FileNotFoundError("no Cyrillic monospace font: apt-get install fonts-freefont-ttf")


def wrap(text: str, width: int = 64) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines():
        lines.extend(textwrap.wrap(paragraph, width) or [""])
    return lines


MARGIN = 220  # px above the first line and below the last
FONT_SIZE = 42
LINE_PX = int(FONT_SIZE * 1.55)
LINES_PER_PAGE = (A4_PX[1] - 2 * MARGIN) // LINE_PX + 1  # what render_page fits: 48


def paginate(text: str, lines_per_page: int = LINES_PER_PAGE, width: int = 64) -> list[str]:
    lines = wrap(text, width)
    return ["\n".join(lines[i : i + lines_per_page]) for i in range(0, max(len(lines), 1), lines_per_page)]


def render_page(text: str, *, noisy: bool = False, seed: int = 0, skew: float | None = None,
                font_size: int = FONT_SIZE, width: int = 64) -> Image.Image:
    """One A4 page at 300 dpi, mode L. Text longer than a page is cut off."""
    page = Image.new("L", A4_PX, 255)
    draw = ImageDraw.Draw(page)
    font = _font(font_size)
    y = MARGIN
    for line in wrap(text, width):
        if y > A4_PX[1] - MARGIN:
            break
        draw.text((200, y), line, font=font, fill=0)
        y += int(font_size * 1.55)
    if not noisy:
        return page if not skew else page.rotate(skew, resample=Image.Resampling.BILINEAR, fillcolor=255)
    return _age(page, seed, 1.2 if skew is None else skew)


def _age(page: Image.Image, seed: int, skew: float) -> Image.Image:
    rng = np.random.default_rng(seed)
    page = page.filter(ImageFilter.GaussianBlur(0.9)).rotate(skew, resample=Image.Resampling.BILINEAR, fillcolor=255)
    ink = 1.0 - np.asarray(page, dtype=np.float32) / 255.0
    h, w = ink.shape
    # uneven paper: a low-frequency field between roughly 185 and 235
    coarse = rng.uniform(185, 235, size=(h // 200 + 2, w // 200 + 2)).astype(np.float32)
    paper = np.asarray(Image.fromarray(coarse).resize((w, h), Image.Resampling.BICUBIC), dtype=np.float32)
    img = paper * (1.0 - ink) + 40.0 * ink
    # speckle: dark and light single-pixel dots, as dust and carbon-paper grain
    dots = rng.random((h, w))
    img[dots < 0.04] = rng.uniform(0, 90, size=int((dots < 0.04).sum()))
    img[dots > 0.97] = 255
    img += rng.normal(0, 12, size=(h, w))
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "L")


def save_pdf(pages: list[Image.Image], path: Path) -> None:
    """A scanned-looking PDF: each page a JPEG image at 300 dpi."""
    first, *rest = pages
    first.save(path, "PDF", resolution=DPI, save_all=True, append_images=rest, quality=80)


def save_tiff(pages: list[Image.Image], path: Path, *, bilevel: bool = False) -> None:
    """A multi-frame TIFF; bilevel pages are stored CCITT G4 as many archive scanners do."""
    frames = [p.convert("1") if bilevel else p for p in pages]
    first, *rest = frames
    first.save(path, "TIFF", save_all=True, append_images=rest, dpi=(DPI, DPI),
               compression="group4" if bilevel else "tiff_lzw")
