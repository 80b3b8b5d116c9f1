"""The tesseract engine kept loaded across pages (workers/ocr/engine.py), against the real
library: it reads as the program does, and a crash or a page that never ends fails that
page alone."""

from __future__ import annotations

import threading
from pathlib import Path

import pytesseract
import pytest

from tests import scans
from workers.errors import FailureCode, OcrError
from workers.ocr.engine import Engine
from workers.ocr.tesseract import _columns, _from_tsv

pytestmark = pytest.mark.tesseract


@pytest.fixture
def page(tmp_path: Path) -> Path:
    return scans.png(tmp_path / "page.png")


@pytest.fixture
def engine():
    e = Engine("Cyrillic")
    yield e
    e.stop()


def test_engine_reads_as_the_program_does(engine: Engine, page: Path) -> None:
    """GIVEN one page WHEN read by the engine and by the `tesseract` program THEN the same text."""
    ours = _from_tsv(_columns(engine.tsv(page, 300, timeout=60)))
    program = _from_tsv(pytesseract.image_to_data(str(page), lang="Cyrillic", config="--dpi 300",
                                                  output_type=pytesseract.Output.DICT))
    assert ours.text == program.text
    assert "ПАНЮШКИНУ" in ours.text


def test_one_engine_reads_page_after_page(engine: Engine, page: Path) -> None:
    first = engine.tsv(page, 300, timeout=60)
    assert engine._proc is not None
    pid = engine._proc.pid
    assert engine.tsv(page, 300, timeout=60) == first
    assert engine._proc is not None and engine._proc.pid == pid  # the model stayed loaded: no new child


def test_an_engine_killed_between_pages_is_replaced(engine: Engine, page: Path) -> None:
    """GIVEN the engine's child killed while idle WHEN the next page comes THEN a new child reads it."""
    engine.tsv(page, 300, timeout=60)
    assert engine._proc is not None
    engine._proc.kill()
    engine._proc.wait()
    assert "ПАНЮШКИНУ" in engine.tsv(page, 300, timeout=60)


def test_a_crash_on_a_page_fails_that_page_only(engine: Engine, page: Path) -> None:
    """GIVEN the engine dying while it reads a page WHEN that page's answer is awaited THEN
    OCR_FAILED for it, and the next page is read by a fresh engine."""
    engine.tsv(page, 300, timeout=60)
    proc = engine._proc
    assert proc is not None
    threading.Timer(0.05, proc.kill).start()
    with pytest.raises(OcrError) as failed:
        engine.tsv(page, 300, timeout=60)
    assert failed.value.code is FailureCode.OCR_FAILED
    assert "ПАНЮШКИНУ" in engine.tsv(page, 300, timeout=60)


def test_a_page_past_its_time_is_stopped(engine: Engine, page: Path) -> None:
    """GIVEN a page that takes longer than its limit WHEN read THEN OCR_TIMEOUT, the engine
    stopped rather than left reading, and the next page is read."""
    with pytest.raises(OcrError) as late:
        engine.tsv(page, 300, timeout=0.01)
    assert late.value.code is FailureCode.OCR_TIMEOUT
    assert engine._proc is None
    assert "ПАНЮШКИНУ" in engine.tsv(page, 300, timeout=60)


def test_an_unreadable_image_is_that_page_s_error(engine: Engine, tmp_path: Path, page: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    with pytest.raises(OcrError) as failed:
        engine.tsv(broken, 300, timeout=60)
    assert failed.value.code is FailureCode.OCR_FAILED
    assert "ПАНЮШКИНУ" in engine.tsv(page, 300, timeout=60)
