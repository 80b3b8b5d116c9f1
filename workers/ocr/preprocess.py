"""What a page gets before tesseract, decided from measurements of that page.

Each filter answers a defect the page is measured to have; a page with none of them is
left alone (cropping its margins only saves time). Measured with bench/ocr.py and on
../shared/corpus/realprint (real scanned book print) and variants of it (rescaled
0.8×/1.25×, blurred, JPEG q60, grey noise, added speckle), `Cyrillic` model, CER:

- speckle (dust, carbon grain: dark blobs of 1–3 pixels): clean pages, real or rendered,
  grey or bilevel, blurred or JPEG'd, have at most ~45 per megapixel; the noisy renders
  ~33,000, still 2,700–6,100 when blurred. A 3×3 median took real print with 0.3% of its
  pixels speckled from 1.57% to 1.28% and with 1% from 5.3% to 1.3%, but at 0.1%
  (~900/Mpx) it already cost more than it mended (1.17% → 1.28%): the limit sits between.
- the median on a clean page blurs thin real strokes: real print 1.14% → 1.33% (up to
  +0.6 points on a page), rendered typewriting no better (0.65% → 0.66%). So a clean page,
  grey or bilevel, is never filtered, whatever its stroke width.
- grey, uneven paper: bare tesseract reads the noisy renders (paper 185–235) at >80% CER;
  dividing out the paper and a median: under 1%. The paper is measured from the
  brightest part of each ~8 mm tile, so large or bold type is not mistaken for shading
  (the old measure, a median of the whole page, flattened every real print page).
  White paper measures 251–255 (with grey noise added) and even to 0–1 grey levels;
  the noisy renders 211–214 and 32–37 levels apart.
- margins: tesseract's time grows with the pixels it is given, text or not; cropping a
  typewritten A4 page to its text (plus a margin) took 25% off its time, same text.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Dark blobs of at most SPECK_PIXELS pixels per megapixel of the page's middle above
# which a 3×3 median pays: clean pages ≤ ~45, the median helped from ~2,500 and hurt at ~900.
SPECKLE_LIMIT = 1500.0
SPECK_PIXELS = 3
# A speck must be this much darker than the paper: on blank or noisy-but-clean paper
# Otsu's threshold falls inside the paper's own grain and would count it as specks.
SPECK_BELOW_PAPER = 60
# Paper brightness (80th percentile of each tile, median over tiles): white paper is
# 251–255 and aged paper ~210; unevenness is the spread (95th − 5th percentile) of the
# tiles' levels: 0–1 on clean pages, 32–37 on the noisy renders.
PAPER_DARK = 225
PAPER_UNEVEN = 16
PAPER_TILE = 24  # quarter-scale pixels: 96 px at full scale, ~8 mm at 300 dpi
# Rotating costs ~40 ms a page; tesseract copes with small skew by itself.
DESKEW_FROM_DEGREES = 1.0
# Crop when the text's box (plus CROP_PAD pixels) leaves at most this share of the page.
CROP_BELOW = 0.8
CROP_PAD = 60


@dataclass(frozen=True)
class Analysis:
    speckle: float  # specks per megapixel
    paper_level: float
    paper_uneven: float
    stroke_px: float  # recorded, not acted on (see the module's docstring)
    skew_degrees: float
    steps: tuple[str, ...]
    crop: tuple[int, int] = (0, 0)  # (x, y) of the prepared image's corner in the rotated page

    def to_page(self, shape: tuple[int, int], left: int, top: int, width: int, height: int) -> tuple[int, int, int, int]:
        """A box in the pixels of the prepared image, in the page's own pixels (`shape`:
        the page's height and width): the crop undone, then the rotation."""
        xs = np.array([left, left + width, left, left + width], dtype=np.float64) + self.crop[0]
        ys = np.array([top, top, top + height, top + height], dtype=np.float64) + self.crop[1]
        if "deskew" in self.steps:
            h, w = shape
            back = cv2.invertAffineTransform(cv2.getRotationMatrix2D((w / 2, h / 2), -self.skew_degrees, 1.0))
            xs, ys = back[0, 0] * xs + back[0, 1] * ys + back[0, 2], back[1, 0] * xs + back[1, 1] * ys + back[1, 2]
        x0, y0 = max(int(round(xs.min())), 0), max(int(round(ys.min())), 0)
        x1, y1 = min(int(round(xs.max())), shape[1]), min(int(round(ys.max())), shape[0])
        return x0, y0, max(x1 - x0, 0), max(y1 - y0, 0)


def prepare(gray: np.ndarray) -> tuple[Analysis, np.ndarray | None]:
    """Measure the page and return the image tesseract should read: None means the
    page is best left exactly as it is (and the original file can go to tesseract)."""
    h, w = gray.shape
    level, uneven = paper(gray)
    # speckle is a density: a band across the middle is sample enough, at a quarter of the cost
    band = gray[3 * h // 8: 5 * h // 8, w // 4: 3 * w // 4]
    specks, stroke = speckle_and_stroke(band, level)

    steps: list[str] = []
    out = gray
    if level < PAPER_DARK or uneven > PAPER_UNEVEN:
        steps.append("flatten_background")
        full = cv2.resize(_background(gray), (w, h), interpolation=cv2.INTER_LINEAR)
        out = cv2.divide(out, full, scale=255)
    if specks > SPECKLE_LIMIT:
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
    crop = (0, 0)
    if box is not None:
        y0, y1, x0, x1 = box
        if (y1 - y0) * (x1 - x0) <= CROP_BELOW * h * w:
            steps.append("crop_margins")
            out, crop = out[y0:y1, x0:x1], (int(x0), int(y0))
    analysis = Analysis(round(specks, 1), level, uneven, round(stroke, 1), skew, tuple(steps), crop)
    return analysis, (out if steps else None)


def paper(gray: np.ndarray) -> tuple[float, float]:
    """(level, unevenness) of the paper: per tile the 80th percentile (ink rarely covers
    a fifth of a tile, so that is paper), then the median and the 5–95% spread of tiles."""
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    th, tw = small.shape[0] // PAPER_TILE, small.shape[1] // PAPER_TILE
    if not th or not tw:
        return float(np.percentile(small, 80)), 0.0
    tiles = small[: th * PAPER_TILE, : tw * PAPER_TILE].reshape(th, PAPER_TILE, tw, PAPER_TILE)
    levels = np.percentile(tiles.transpose(0, 2, 1, 3).reshape(th, tw, -1), 80, axis=2)
    low, mid, high = np.percentile(levels, (5, 50, 95))
    return float(mid), float(high - low)


def speckle_and_stroke(area: np.ndarray, paper_level: float) -> tuple[float, float]:
    """Specks (dark blobs of ≤ SPECK_PIXELS pixels) per megapixel of `area`, and the
    median stroke width of its ink in pixels (twice the ink's area over its outline)."""
    if not area.size:
        return 0.0, 0.0
    otsu, _ = cv2.threshold(area, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # `<=`: on a bilevel page Otsu returns the ink level itself
    ink = (area <= min(otsu, paper_level - SPECK_BELOW_PAPER)).astype(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    specks = int((stats[1:, cv2.CC_STAT_AREA] <= SPECK_PIXELS).sum())
    outline = int(ink.sum()) - int(cv2.erode(ink, _CROSS).sum())
    stroke = 2 * float(ink.sum()) / outline if outline else 0.0
    return specks / (area.size / 1e6), stroke


_CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
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
