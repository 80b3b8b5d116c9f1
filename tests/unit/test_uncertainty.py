"""uncertain_fields: which record fields were read from words the OCR was unsure of.
Records and texts written here."""

from __future__ import annotations

from typing import Any

from workers.records import parse_record
from workers.records.uncertainty import uncertain_fields

FOOTER_TEXT = """ЗАПИСКА

Товарищу ПЕТРОВУ

Прошу ускорить рассмотрение вопроса о поставке станков.

Н.СОКОЛОВ

14 июня 1952 г.

ЦГАНХ. Ф. 8. Оп. 2в. Д. 517. Л. 3-4.
"""


def ref(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"archive": None, "archive_latin": None, "fond": None, "opis": None, "delo": None,
            "sheets": None, "extra": {}, "authenticity": None, "raw": ""}
    return {**base, **kw}


def record(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"document_type_raw": None, "date_raw": None, "registration_number": None,
            "addressees": [], "signatories": [], "archival_references": []}
    return {**base, **kw}


def test_uncertain_words_outside_the_fields_warn_of_nothing() -> None:
    """GIVEN a parsed record WHEN the OCR was unsure only of words of the body THEN no warning."""
    assert uncertain_fields(parse_record(FOOTER_TEXT), ["ускорить", "станков."]) == []


def test_opis_read_from_an_uncertain_word() -> None:
    """GIVEN an opis `2` read from a smudged `2в` the OCR was unsure of THEN the opis is flagged, nothing else."""
    r = record(archival_references=[ref(archive="АП РФ", fond="3", opis="2", delo="364", sheets="12-13",
                                        raw="АП РФ. Ф. 3. Оп. 2. Д. 364. Л. 12-13")])
    assert uncertain_fields(r, ["2."]) == ["uncertain_field:archival_reference.opis"]


def test_label_inside_the_word_decides() -> None:
    """GIVEN the same number as fond and opis WHEN the unsure word is `Оп.7` (no space) THEN only the opis."""
    r = record(archival_references=[ref(fond="7", opis="7", delo="1", raw="Ф. 7. Оп.7. Д. 1")])
    assert uncertain_fields(r, ["Оп.7."]) == ["uncertain_field:archival_reference.opis"]
    # without a label the word could be either: both are flagged
    assert uncertain_fields(r, ["7."]) == ["uncertain_field:archival_reference.fond",
                                           "uncertain_field:archival_reference.opis"]


def test_sheets_not_confused_with_a_digit_inside_them() -> None:
    """GIVEN sheets `12-13` WHEN the unsure word is `2` THEN sheets are not flagged (whole numbers only)."""
    r = record(archival_references=[ref(fond="5", opis="1", delo="9", sheets="12-13", raw="Ф. 5. Оп. 1. Д. 9. Л. 12-13")])
    assert uncertain_fields(r, ["2"]) == []
    assert uncertain_fields(r, ["12-13."]) == ["uncertain_field:archival_reference.sheets"]


def test_latin_citation_zero_padding_and_extra_levels() -> None:
    r = record(archival_references=[ref(archive="АВП РФ", archive_latin="AVPRF", fond="0100", opis="42",
                                        sheets="28-31", extra={"papka": "288"},
                                        raw="AVPRF, f. 0100, op. 42, pap. 288, ll. 0028-0031")])
    assert uncertain_fields(r, ["0028-0031"]) == ["uncertain_field:archival_reference.sheets"]
    assert uncertain_fields(r, ["288,"]) == ["uncertain_field:archival_reference.papka"]
    assert uncertain_fields(r, ["AVPRF,"]) == ["uncertain_field:archival_reference.archive"]


def test_a_label_alone_flags_nothing() -> None:
    """GIVEN tesseract unsure only of a label (`Л.`, `op.`) THEN no field: the numbers were read with confidence."""
    r = record(archival_references=[ref(fond="17", opis="3", delo="1000", sheets="43",
                                        raw="РГАСПИ. Ф. 17. Оп. 3. Д. 1000. Л. 43")])
    assert uncertain_fields(r, ["Л.", "op.", "Д."]) == []


def test_date_person_and_type_fields() -> None:
    """GIVEN a parsed record WHEN words of its date, addressee, signatory and heading were unsure THEN each is named."""
    r = parse_record(FOOTER_TEXT)
    assert uncertain_fields(r, ["1952"]) == ["uncertain_field:date"]
    assert uncertain_fields(r, ["ПЕТРОВУ"]) == ["uncertain_field:addressees"]
    assert uncertain_fields(r, ["Н.СОКОЛОВ"]) == ["uncertain_field:signatories"]
    assert uncertain_fields(r, ["ЗАПИСКА"]) == ["uncertain_field:document_type"]
    assert uncertain_fields(r, ["2в."]) == ["uncertain_field:archival_reference.opis"]


def test_filler_and_punctuation_do_not_count() -> None:
    """GIVEN unsure words that carry no value (`г.`, a dash, `№`) THEN no field is flagged."""
    r = parse_record(FOOTER_TEXT)
    assert uncertain_fields(r, ["г.", "—", "№", ".", "Прошу"]) == []


def test_lookalikes_and_yo_folded() -> None:
    """GIVEN an unsure word with a Latin look-alike or ё where the record has the plain letter THEN it still matches."""
    r = record(signatories=[{"name": "Семенов", "initials": "П.", "role": None, "raw": "П.СЕМЁНОВ"}],
               registration_number="№ 27/5с")
    assert uncertain_fields(r, ["CEMEHOB"]) == ["uncertain_field:signatories"]
    assert uncertain_fields(r, ["27/5c"]) == ["uncertain_field:registration_number"]


def test_a_word_of_the_role_alone_does_not_flag_the_person() -> None:
    """GIVEN an unsure word in a signatory's role only THEN the signatory (a name) is not flagged."""
    r = record(signatories=[{"name": "Орлов", "initials": None, "role": "Секретарь ЦК КП(б)У",
                             "raw": "Секретарь ЦК КП(б)У ОРЛОВ"}])
    assert uncertain_fields(r, ["КП(б)У"]) == []
    assert uncertain_fields(r, ["ОРЛОВ"]) == ["uncertain_field:signatories"]


def test_warnings_are_lower_case_and_unique() -> None:
    r = parse_record(FOOTER_TEXT)
    out = uncertain_fields(r, ["1952", "1952", "14", "517."])
    assert out == ["uncertain_field:date", "uncertain_field:archival_reference.delo"]
    assert all(w == w.lower() and w.startswith("uncertain_field:") for w in out)
