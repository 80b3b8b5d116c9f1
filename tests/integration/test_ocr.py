"""The OCR stage against the real tesseract and poppler on pages generated here."""

from __future__ import annotations

from pathlib import Path

import pytest
from rapidfuzz.distance import Levenshtein

from samples.synthetic import wrap
from tests import scans
from workers.config import Settings
from workers.errors import DeloError, FailureCode
from workers.ocr import ocr_file

pytestmark = pytest.mark.tesseract


def cer(hyp: str, ref: str) -> float:
    hyp, ref = " ".join(hyp.split()), " ".join(" ".join(wrap(ref)).split())
    return Levenshtein.distance(hyp, ref) / len(ref)


def test_clean_page_cer_is_low(tmp_path: Path) -> None:
    """GIVEN a clean 300 dpi grey typewritten page WHEN OCR'd THEN CER < 2%, with no filter (a median
    blurs thin real strokes), only the margins cropped, and the page keeps its own size in the record."""
    result = ocr_file(scans.png(tmp_path / "clean.png"))
    [page] = result.pages
    assert cer(page.text, scans.TELEGRAM) < 0.02
    assert page.steps == ("crop_margins",)
    assert page.confidence is not None and page.confidence > 80
    assert (page.width, page.height, page.dpi) == (2480, 3508, 300)
    assert result.content_type == "image/png" and result.engine.startswith("tesseract ")


def test_bilevel_page_goes_to_tesseract_untouched(tmp_path: Path) -> None:
    """GIVEN an already-binarised clean page THEN no filter touches it (a median hurt such pages)."""
    from samples.synthetic import render_page

    render_page(scans.TELEGRAM).convert("1").save(tmp_path / "bilevel.png", dpi=(300, 300))
    [page] = ocr_file(tmp_path / "bilevel.png").pages
    assert page.steps == ("crop_margins",)
    assert cer(page.text, scans.TELEGRAM) < 0.03


def test_noisy_page_is_cleaned_before_ocr(tmp_path: Path) -> None:
    """GIVEN a speckled, grey, skewed scan THEN delo flattens, filters and deskews it and reads it."""
    result = ocr_file(scans.png(tmp_path / "noisy.png", noisy=True, seed=3, skew=2.0))
    [page] = result.pages
    assert {"flatten_background", "median3", "deskew"} <= set(page.steps)
    assert page.skew_degrees == pytest.approx(2.0, abs=0.3)
    assert cer(page.text, scans.TELEGRAM) < 0.05


def test_pdf_pages_in_order_one_at_a_time(tmp_path: Path) -> None:
    result = ocr_file(scans.pdf(tmp_path / "two.pdf", [scans.TELEGRAM, scans.PAGE_TWO]))
    assert [p.number for p in result.pages] == [1, 2]
    assert "ТЕЛЕГРАММА" in result.pages[0].text and "РОЩИН" in result.pages[1].text
    assert result.text.count("\f") == 1
    assert result.content_type == "application/pdf"


@pytest.mark.parametrize("bilevel", [False, True], ids=["lzw-grey", "g4-bilevel"])
def test_multi_frame_tiff(tmp_path: Path, bilevel: bool) -> None:
    result = ocr_file(scans.tiff(tmp_path / "two.tif", [scans.TELEGRAM, scans.PAGE_TWO], bilevel=bilevel))
    assert len(result.pages) == 2
    assert "ВЫШИНСКИЙ" in result.pages[0].text and "РОЩИН" in result.pages[1].text


def test_jpeg_by_content_not_extension(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"  # a JPEG misnamed .pdf is still a JPEG
    scans.png(tmp_path / "x.png").rename(path)
    from PIL import Image

    Image.open(path).convert("RGB").save(tmp_path / "real.jpg", quality=90)
    (tmp_path / "real.jpg").rename(path)
    result = ocr_file(path)
    assert result.content_type == "image/jpeg" and "ТЕЛЕГРАММА" in result.text


@pytest.mark.parametrize("make, code", [
    (scans.empty, FailureCode.EMPTY_FILE),
    (scans.text_named_pdf, FailureCode.UNSUPPORTED_FORMAT),
    (scans.corrupt_pdf, FailureCode.CORRUPT_FILE),
    (scans.encrypted_pdf, FailureCode.PDF_ENCRYPTED),
    (scans.png_bomb, FailureCode.IMAGE_TOO_LARGE),
    (scans.blank_png, FailureCode.NO_TEXT),
])
def test_bad_input_has_its_code(tmp_path: Path, make, code: FailureCode) -> None:
    with pytest.raises(DeloError) as failure:
        ocr_file(make(tmp_path / "bad.pdf"))
    assert failure.value.code is code
    assert failure.value.message and not code.retryable


def test_limits(tmp_path: Path) -> None:
    two = scans.pdf(tmp_path / "two.pdf", [scans.TELEGRAM, scans.PAGE_TWO])
    with pytest.raises(DeloError) as pages:
        ocr_file(two, Settings(max_pages=1))
    assert pages.value.code is FailureCode.TOO_MANY_PAGES
    with pytest.raises(DeloError) as size:
        ocr_file(two, Settings(max_file_bytes=1000))
    assert size.value.code is FailureCode.FILE_TOO_LARGE
    with pytest.raises(DeloError) as pixels:
        ocr_file(two, Settings(max_page_pixels=1_000_000))
    assert pixels.value.code is FailureCode.IMAGE_TOO_LARGE


def test_page_timeout(tmp_path: Path) -> None:
    """GIVEN a page that takes tesseract longer than the per-page limit THEN OCR_TIMEOUT, retryable."""
    from PIL import Image

    from samples.synthetic import render_page

    one = render_page(scans.TELEGRAM + scans.PAGE_TWO)
    sheet = Image.new("L", (one.width * 2, one.height * 2), 255)  # four pages on one sheet: ~4 s of OCR
    for x in (0, one.width):
        for y in (0, one.height):
            sheet.paste(one, (x, y))
    page = tmp_path / "sheet.png"
    sheet.save(page, dpi=(300, 300))
    with pytest.raises(DeloError) as timeout:
        ocr_file(page, Settings(page_timeout_seconds=1))
    assert timeout.value.code is FailureCode.OCR_TIMEOUT and timeout.value.code.retryable
