"""What the default OCR model (`Cyrillic`) makes of the typewriter's Latin `N`, read by the
parser like `№` and `М` (texts written here, forms as tesseract printed them)."""

from __future__ import annotations

import pytest

from workers.records import parse_record


@pytest.mark.parametrize("mark", ["N", "№", "М", "М№"])
def test_n_before_a_number_in_every_form_the_models_print(mark: str) -> None:
    """GIVEN `Фонд N 45` as rus (`М`), Cyrillic (`№`, sometimes `М№`) or a transcript (`N`) prints it
    THEN the same reference."""
    text = (f"Архив Президента Российской Федерации, Фонд {mark} 12, Опись {mark} 3,\n"
            f"Дело 77, Лист {mark} 5-6\n")
    [ref] = parse_record(text)["archival_references"]
    assert (ref["archive"], ref["fond"], ref["opis"], ref["delo"], ref["sheets"]) == ("АП РФ", "12", "3", "77", "5-6")
