"""ALTO and the searchable PDF from the same tesseract reading (workers/outputs), on pages
rendered here: the words sit where the page shows them (even on a page delo turned and
cropped before reading), the PDF gives the text back to pdftotext and shows the source's
own pixels."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from lxml import etree
from PIL import Image
from rapidfuzz.distance import Levenshtein

from samples.synthetic import render_page
from tests import scans
from workers.config import Settings
from workers.ocr import ocr_file, stage
from workers.outputs import pdf
from workers.outputs.alto import alto

pytestmark = pytest.mark.tesseract
SCHEMA = Path(__file__).resolve().parents[2] / "infra" / "schemas" / "alto" / "alto-4-4.xsd"


def _cer(hyp: str, ref: str) -> float:
    hyp, ref = " ".join(hyp.split()), " ".join(ref.split())
    return Levenshtein.distance(hyp, ref) / max(len(ref), 1)


def _searchable(path: Path, out: Path) -> tuple[stage.OcrResult, str]:
    """The searchable PDF of `path`, and what `pdftotext -layout` reads in it (without
    -layout, pdftotext's flow analysis takes every word of an invisible text layer for a
    column of its own, tesseract's own PDFs included: the words, in another order)."""
    source, result = stage.open_source(path, Settings()), ocr_file(path)
    pdf.write([(pdf.SourcePage(path, source.kind, p.number), p) for p in result.pages], out)
    return result, subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout


def test_words_lie_on_the_page_where_it_shows_them_after_a_turn_and_a_crop(tmp_path: Path) -> None:
    """GIVEN a page scanned 3° askew with wide margins (delo turns and crops it before
    reading) WHEN read THEN each word's box, in the page's own pixels, holds that word:
    tesseract reads it back from the box cut out of the page as scanned."""
    path = tmp_path / "askew.png"
    render_page(scans.TELEGRAM, skew=3.0).save(path, dpi=(300, 300))
    [page] = ocr_file(path).pages
    assert "deskew" in page.steps and "crop_margins" in page.steps
    image = Image.open(path).convert("L")
    long_words = [w for w in page.words if len(w[0]) >= 6 and w[0].isalpha()]
    assert len(long_words) >= 8
    read_back = 0
    for text, _conf, left, top, width, height, *_ in long_words:
        pad = height // 2
        crop = image.crop((left - pad, top - pad, left + width + pad, top + height + pad))
        crop.save(tmp_path / "word.png", dpi=(300, 300))
        found = subprocess.run(["tesseract", str(tmp_path / "word.png"), "-", "-l", "rus", "--psm", "7"],
                               capture_output=True, text=True).stdout.strip()
        read_back += Levenshtein.normalized_similarity(found, text) >= 0.8
    assert read_back >= 0.8 * len(long_words), (read_back, len(long_words))


def test_alto_of_a_read_page_is_valid_alto_4(tmp_path: Path) -> None:
    result = ocr_file(scans.pdf(tmp_path / "two.pdf", [scans.TELEGRAM, scans.PAGE_TWO]))
    root = etree.fromstring(alto(result.pages, source="two.pdf", software="0", engine=result.engine))
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    assert schema.validate(root), schema.error_log
    words = " ".join(s.get("CONTENT") or "" for s in root.iter("{*}String"))
    assert _cer(words, result.text) <= 0.01


@pytest.mark.parametrize("kind", ["png", "png-bilevel", "png-palette", "tiff-bilevel", "pdf", "jpeg"])
def test_the_searchable_pdf_gives_the_text_back_over_the_sources_own_pages(tmp_path: Path, kind: str) -> None:
    """GIVEN a scan of each kind WHEN its searchable PDF is made THEN pdftotext gives the
    record's text back (CER ≤ 1%); a lossless image is there pixel for pixel, a JPEG byte
    for byte, a PDF's page is the source page itself."""
    path = {"png": lambda: scans.png(tmp_path / "p.png"),
            "png-bilevel": lambda: _png(tmp_path / "p.png", "1"),
            "png-palette": lambda: _png(tmp_path / "p.png", "P"),
            "tiff-bilevel": lambda: scans.tiff(tmp_path / "p.tif", [scans.PAGE_TWO], bilevel=True),
            "pdf": lambda: scans.pdf(tmp_path / "p.pdf", [scans.TELEGRAM, scans.PAGE_TWO]),
            "jpeg": lambda: _jpeg(tmp_path / "p.jpg")}[kind]()
    result, text = _searchable(path, tmp_path / "out.pdf")
    assert _cer(text, result.text) <= 0.01
    with pikepdf.open(tmp_path / "out.pdf") as out:
        assert len(out.pages) == len(result.pages)
        if kind == "pdf":
            with pikepdf.open(path) as source:  # the source's page image, byte for byte
                ours = next(iter(out.pages[0].get_images().values())).read_raw_bytes()
                theirs = next(iter(source.pages[0].get_images().values())).read_raw_bytes()
                assert ours == theirs
            return
        stream = out.pages[0].get_images()["/Im0"]
        assert isinstance(stream, pikepdf.Stream)
        image = pikepdf.PdfImage(stream)
        if kind == "jpeg":
            assert image.obj.read_raw_bytes() == path.read_bytes()
        else:
            shown = image.as_pil_image()
            assert np.array_equal(np.asarray(shown), np.asarray(Image.open(path).convert(shown.mode)))


def _png(path: Path, mode: str) -> Path:
    render_page(scans.TELEGRAM).convert(mode).save(path, dpi=(300, 300))
    return path


def _jpeg(path: Path) -> Path:
    render_page(scans.TELEGRAM).save(path, quality=85, dpi=(300, 300))
    return path
