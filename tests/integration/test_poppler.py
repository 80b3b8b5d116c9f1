"""workers/ocr/poppler.py against the real pdfinfo and pdftocairo."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from tests import scans
from workers.errors import ConfigError, FailureCode, InputError, OcrError
from workers.ocr import poppler

CACHE_NAME = "ef6fb94c0123456789abcdef"  # a downloaded source's cache file: never in a message
KEY = "drops/fond45/l12.pdf"


@pytest.fixture(scope="module")
def two_pages(tmp_path_factory) -> Path:
    return scans.pdf(tmp_path_factory.mktemp("pdf") / CACHE_NAME, [scans.TELEGRAM, scans.PAGE_TWO])


def test_version_names_poppler() -> None:
    assert re.fullmatch(r"poppler \d+\.\d+\.\d+", poppler.version())


def test_info_gives_the_page_count_and_the_sizes_asked_for(two_pages) -> None:
    assert poppler.info(two_pages, name=KEY, timeout=30) == poppler.PdfInfo(pages=2, encrypted=False, sizes=())
    a4 = (595.2, 841.92)  # what the scan maker's 2480×3508 px at 300 dpi make, in points
    assert poppler.info(two_pages, name=KEY, timeout=30, first=1, last=2).sizes == (a4, a4)
    assert poppler.info(two_pages, name=KEY, timeout=30, first=2, last=2).sizes == (a4,)


def test_an_encrypted_pdf_that_opens_without_a_password_is_read(tmp_path) -> None:
    import pikepdf

    path = tmp_path / CACHE_NAME
    with pikepdf.open(scans.pdf(tmp_path / "plain.pdf", [scans.TELEGRAM])) as doc:
        doc.save(path, encryption=pikepdf.Encryption(user="", owner="owner"))
    assert poppler.info(path, name=KEY, timeout=30) == poppler.PdfInfo(pages=1, encrypted=True, sizes=())


@pytest.mark.parametrize("make, error, message", [
    (scans.encrypted_pdf, InputError, f"PDF_ENCRYPTED: {KEY} is encrypted and needs a password to open"),
    (scans.corrupt_pdf, InputError,
     f"CORRUPT_FILE: {KEY} is not a readable PDF (Syntax Error: Couldn't read xref table)"),
])
def test_info_refuses_what_cannot_be_opened_naming_the_file_by_its_name(tmp_path, make, error, message) -> None:
    with pytest.raises(error) as caught:
        poppler.info(make(tmp_path / CACHE_NAME), name=KEY, timeout=30)
    assert str(caught.value) == message


def test_render_gives_a_greyscale_tiff_at_the_dpi(two_pages, tmp_path) -> None:
    file = poppler.render(two_pages, 2, dpi=150, timeout=60, folder=tmp_path, name=KEY)
    with Image.open(file) as im:
        assert (im.format, im.mode, im.size, round(im.info["dpi"][0])) == ("TIFF", "L", (1240, 1754), 150)


def test_render_of_a_page_that_cannot_be_drawn(tmp_path) -> None:
    with pytest.raises(InputError) as caught:
        poppler.render(scans.corrupt_pdf(tmp_path / CACHE_NAME), 1, dpi=150, timeout=30, folder=tmp_path, name=KEY)
    assert str(caught.value) == f"CORRUPT_FILE: page 1 of {KEY} could not be rendered"


def test_render_past_its_timeout_is_a_retryable_ocr_error(two_pages, tmp_path) -> None:
    with pytest.raises(OcrError) as caught:
        poppler.render(two_pages, 1, dpi=1200, timeout=0.01, folder=tmp_path, name=KEY)
    assert caught.value.code is FailureCode.RENDER_TIMEOUT and caught.value.code.retryable
    assert caught.value.message == "page 1 took longer than 0.01 s to render"


def test_without_poppler_every_call_is_tool_missing(two_pages, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no pdfinfo, no pdftocairo
    poppler.version.cache_clear()
    try:
        calls: list[Callable[[], object]] = [poppler.version, lambda: poppler.info(two_pages, name=KEY, timeout=30),
                 lambda: poppler.render(two_pages, 1, dpi=150, timeout=30, folder=tmp_path, name=KEY)]
        for call in calls:
            with pytest.raises(ConfigError) as caught:
                call()
            assert caught.value.code is FailureCode.TOOL_MISSING
            assert "apt-get install poppler-utils" in caught.value.message
    finally:
        poppler.version.cache_clear()
