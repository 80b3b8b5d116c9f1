"""What a page gets before tesseract, decided from measurements of that page.

Measured with bench/ocr.py on pages rendered from the dev corpus (rus model, CER):
- noisy scans (grey uneven paper, speckle, spread ink): bare tesseract >80%; dividing
  out the paper's background and a 3×3 median: under 1%. The median alone left them
  unreadable: the uneven background is what defeats tesseract's own threshold.
- clean grey pages (anti-aliased, or JPEG-compressed as scanners store them): a 3×3
  median took CER from 0.97% to 0.50% (JPEG q80: 1.07% → 0.46%), mending thin strokes
  (`Цело` → `Дело`).
- already-binarised clean print: the same median made real scanned book lines worse
  (0.78% → 1.03%, ../shared/DESIGN.md), so a bilevel page is not filtered.
- margins: tesseract's time grows with the pixels it is given, text or not; cropping a
  typewritten A4 page to its text (plus a margin) took 25% off its time, same text.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Share of pixels in the page's central area that a 3×3 median moves by more than 30
# grey levels: ≤0.014 on clean pages, ≥0.068 on speckled scans (also after JPEG).
SPECKLE_LIMIT = 0.03
# Mid-tone pixels per ink pixel: 0 on a binarised page, ≥0.7 on a grey scan.
BILEVEL_TONES = 0.2
# Paper brightness: clean pages are white (255); aged paper sits around 200.
PAPER_DARK = 225
PAPER_UNEVEN = 8.0
# Rotating costs ~40 ms a page; tesseract copes with small skew by itself.
DESKEW_FROM_DEGREES = 1.0
# Crop when the text's box (plus CROP_PAD pixels) leaves at most this share of the page.
CROP_BELOW = 0.8
CROP_PAD = 60


@dataclass(frozen=True)
class Analysis:
    speckle: float
    tones: float
    paper_level: float
    paper_spread: float
    skew_degrees: float
    steps: tuple[str, ...]


def prepare(gray: np.ndarray) -> tuple[Analysis, np.ndarray | None]:
    """Measure the page and return the image tesseract should read: None means the
    page is best left exactly as it is (and the original file can go to tesseract)."""
    h, w = gray.shape
    centre = gray[h // 4: 3 * h // 4, w // 4: 3 * w // 4]
    speckle = float((cv2.absdiff(centre, cv2.medianBlur(centre, 3)) > 30).mean()) if centre.size else 0.0
    ink = float((centre < 128).mean())
    tones = float(((centre > 40) & (centre < 215)).mean()) / ink if ink else 0.0
    paper = _background(gray)
    level, spread = float(np.median(paper)), float(paper.std())

    steps: list[str] = []
    out = gray
    if level < PAPER_DARK or spread > PAPER_UNEVEN:
        steps.append("flatten_background")
        full = cv2.resize(paper, (w, h), interpolation=cv2.INTER_LINEAR)
        out = cv2.divide(out, full, scale=255)
    if speckle > SPECKLE_LIMIT or tones >= BILEVEL_TONES:
        steps.append("median3")
        out = cv2.medianBlur(out, 3)
    # measured on the cleaned page: speckle and grey paper would swamp the line profile
    ink = _ink(out)
    skew = estimate_skew(ink)
    if abs(skew) >= DESKEW_FROM_DEGREES:
        steps.append("deskew")
        out = rotate(out, -skew)
        ink = _ink(out)
    box = content_box(ink, out.shape)
    if box is not None:
        y0, y1, x0, x1 = box
        if (y1 - y0) * (x1 - x0) <= CROP_BELOW * h * w:
            steps.append("crop_margins")
            out = out[y0:y1, x0:x1]
    analysis = Analysis(round(speckle, 4), round(tones, 2), level, round(spread, 2), skew, tuple(steps))
    return analysis, (out if steps else None)


def _background(gray: np.ndarray) -> np.ndarray:
    """The paper without the ink, at 1/8 scale: a median wide enough to swallow glyphs."""
    small = cv2.resize(gray, None, fx=0.125, fy=0.125, interpolation=cv2.INTER_AREA)
    return cv2.medianBlur(small, 5)


def _ink(gray: np.ndarray) -> np.ndarray:
    """Ink pixels of a quarter-scale copy (Otsu after a median, so speckle stays out)."""
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    _, ink = cv2.threshold(cv2.medianBlur(small, 3), 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return ink


def content_box(ink: np.ndarray, shape: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """(y0, y1, x0, x1) of the text in full-scale pixels, with CROP_PAD around it."""
    rows = np.flatnonzero((ink > 0).sum(axis=1) >= 2)
    cols = np.flatnonzero((ink > 0).sum(axis=0) >= 2)
    if not len(rows) or not len(cols):
        return None
    h, w = shape
    return (max(rows[0] * 4 - CROP_PAD, 0), min(rows[-1] * 4 + 4 + CROP_PAD, h),
            max(cols[0] * 4 - CROP_PAD, 0), min(cols[-1] * 4 + 4 + CROP_PAD, w))


def estimate_skew(ink: np.ndarray, max_degrees: float = 6.0) -> float:
    """Skew of the text lines in degrees (positive: lines rise to the right), from a
    quarter-scale ink mask.

    Projection profile: the rotation whose row histogram of ink is sharpest. Cheap
    (~5 ms) because it only rotates a sample of ink points.
    """
    ys, xs = np.nonzero(ink)
    if len(ys) < 200:
        return 0.0
    if len(ys) > 40_000:
        pick = np.random.default_rng(0).choice(len(ys), 40_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    ys = ys.astype(np.float64)
    xs = xs.astype(np.float64) - xs.mean()

    def sharpness(deg: float) -> float:
        rows = np.round(ys + xs * np.tan(np.deg2rad(deg))).astype(np.int64)
        rows -= rows.min()
        return float((np.bincount(rows).astype(np.float64) ** 2).sum())

    coarse = np.arange(-max_degrees, max_degrees + 0.01, 0.5)
    best = max(coarse, key=sharpness)
    fine = np.arange(best - 0.5, best + 0.51, 0.1)
    return round(float(max(fine, key=sharpness)), 1)


def rotate(gray: np.ndarray, degrees: float) -> np.ndarray:
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
