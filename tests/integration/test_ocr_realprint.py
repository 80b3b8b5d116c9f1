"""The page analysis on real scanned print (../shared/corpus/realprint): clean print is
left alone, and the decision holds when the page is rescaled, blurred, JPEG'd or gets
grey noise; enough speckle still gets the median. No tesseract needed: this pins the
decisions that bench/ocr.py measured (a median cost real print 0.2 CER points).

CI always has ../shared and must fail loudly without it; elsewhere the tests skip."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.conftest import SHARED, shared_missing
from workers.ocr import preprocess

REALPRINT = SHARED / "corpus" / "realprint"


def _pages() -> list:
    pages = sorted(REALPRINT.glob("print*.png"))
    if not pages:
        shared_missing(REALPRINT, "real print pages (print*.png)")
    return pages


@pytest.fixture(scope="module")
def pages() -> list[np.ndarray]:
    return [_decoded(cv2.imread(str(p), cv2.IMREAD_GRAYSCALE)) for p in _pages()]


def _decoded(gray: np.ndarray | None) -> np.ndarray:
    assert gray is not None, "OpenCV could not decode the image"
    return gray


def _jpeg(gray: np.ndarray, quality: int) -> np.ndarray:
    return _decoded(cv2.imdecode(cv2.imencode(".jpg", gray, [cv2.IMWRITE_JPEG_QUALITY, quality])[1],
                                 cv2.IMREAD_GRAYSCALE))


def _noise(gray: np.ndarray, sigma: float) -> np.ndarray:
    noisy = gray.astype(np.float32) + np.random.default_rng(0).normal(0, sigma, gray.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def _speckle(gray: np.ndarray, share: float) -> np.ndarray:
    rng = np.random.default_rng(0)
    out, dots = gray.copy(), rng.random(gray.shape) < share
    out[dots] = rng.integers(0, 90, int(dots.sum()))
    return out


VARIANTS = {
    "as scanned": lambda g: g,
    "0.8x": lambda g: cv2.resize(g, None, fx=0.8, fy=0.8, interpolation=cv2.INTER_AREA),
    "1.25x": lambda g: cv2.resize(g, None, fx=1.25, fy=1.25, interpolation=cv2.INTER_CUBIC),
    "blurred": lambda g: cv2.GaussianBlur(g, (0, 0), 0.8),
    "jpeg q30": lambda g: _jpeg(g, 30),
    "grey noise": lambda g: _noise(g, 15),
    "0.1% specks": lambda g: _speckle(g, 0.001),  # the median cost more than it mended here
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_clean_real_print_is_left_alone(pages, variant: str) -> None:
    """GIVEN real scanned print, as it is or slightly changed WHEN analysed THEN no filter, margins cropped only."""
    for gray in pages:
        analysis, _ = preprocess.prepare(VARIANTS[variant](gray))
        assert analysis.steps in {("crop_margins",), ()}, analysis
        # wide margins from the limits, so a held-out page does not flip
        if "specks" not in variant:
            assert analysis.speckle < preprocess.SPECKLE_LIMIT / 10
        assert analysis.paper_level > preprocess.PAPER_DARK + 20
        assert analysis.paper_uneven < preprocess.PAPER_UNEVEN / 4


@pytest.mark.parametrize("share", [0.003, 0.01])
def test_speckled_real_print_gets_the_median(pages, share: float) -> None:
    """GIVEN real print with dust specks (0.3%, 1% of pixels) THEN the median (it took CER 5.3% → 1.3% at 1%)."""
    for gray in pages:
        analysis, _ = preprocess.prepare(_speckle(gray, share))
        assert "median3" in analysis.steps and "flatten_background" not in analysis.steps
