"""Uncertain words through the real tesseract: a smudged character in an archival
footer makes the field read from it say so (`uncertain_field:...`), from the same
tesseract run that gave the text."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import ImageDraw, ImageFilter

from samples.synthetic import _font, render_page, wrap
from workers.config import Settings
from workers.pipeline import process_file

pytestmark = pytest.mark.tesseract

NOTE = """СПРАВКА

Товарищу ОРЛОВУ

Сообщаем, что документы по вашему запросу переданы в общий отдел.

В.КУЗНЕЦОВ

3 апреля 1951 г.

ЦГАНХ. Ф. 8. Оп. 2в. Д. 517. Л. 3-4.
"""
FONT_SIZE = 42  # render_page's default; lines start at x=200, y=220, 1.55 line heights apart


def page_with_damaged_letter(path: Path, damage: str) -> Path:
    """NOTE rendered as a clean scan, the `в` of `Оп. 2в` blotted by ink or smeared."""
    page = render_page(NOTE)
    lines, font = wrap(NOTE), _font(FONT_SIZE)
    row = next(i for i, line in enumerate(lines) if line.startswith("ЦГАНХ"))
    line, y = lines[row], 220 + row * int(FONT_SIZE * 1.55)
    col = line.index("2в") + 1
    x0, x1 = 200 + font.getlength(line[:col]), 200 + font.getlength(line[:col + 1])
    if damage == "blot":
        ImageDraw.Draw(page).ellipse((x0 - 2, y + 14, x1 + 2, y + 44), fill=120)
    elif damage == "smear":
        box = (int(x0) - 4, y + 2, int(x1) + 4, y + 56)
        page.paste(page.crop(box).filter(ImageFilter.GaussianBlur(4)), box[:2])
    page.save(path, dpi=(300, 300))
    return path


def test_clean_footer_is_certain(tmp_path: Path, validate_record) -> None:
    """GIVEN the footer undamaged WHEN ingested THEN opis `2в` and no field is called uncertain."""
    [rec] = process_file(page_with_damaged_letter(tmp_path / "clean.png", "none"), Settings())
    validate_record(rec)
    assert [r["opis"] for r in rec["record"]["archival_references"]] == ["2в"]
    assert not [w for w in rec["warnings"] if w.startswith("uncertain_field:")]


@pytest.mark.parametrize("damage", ["blot", "smear"])
def test_damaged_opis_is_flagged(tmp_path: Path, validate_record, damage: str) -> None:
    """GIVEN the `в` of `Оп. 2в` damaged WHEN ingested THEN whatever opis is read, it is not
    published as certain: the warning names the field, and the page lists the unsure word."""
    [rec] = process_file(page_with_damaged_letter(tmp_path / f"{damage}.png", damage), Settings())
    validate_record(rec)
    [ref] = rec["record"]["archival_references"]
    assert ref["opis"] != "2в"  # the OCR did misread it: the case the warning is for
    assert "uncertain_field:archival_reference.opis" in rec["warnings"]
    [page] = rec["ocr"]["pages"]
    assert any(w.startswith("2") for w in page["uncertain_words"])
    # only the damaged field: the fond, delo and date were read with confidence
    assert not {"uncertain_field:archival_reference.fond", "uncertain_field:archival_reference.delo",
                "uncertain_field:date"} & set(rec["warnings"])
