"""A person's correction of a record (workers/review.py), no stores involved."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from workers.records import parse_record
from workers.review import correct, editable, from_editable

AT = datetime(2026, 12, 5, 10, 30, tzinfo=UTC)
MISREAD = "ТЕЛЕГРАММА\nТоварищу ПАНЮШКИНУ\nВаша телеграмма получена.\nА.ВЫШИНСКИИ\n5 марта 1950 г.\fОкончание."


def machine(text: str = MISREAD, **extra) -> dict:
    return {"schema": "delo.record/1", "id": "0123456789abcdef", "text": text, "record": parse_record(text),
            "warnings": ["uncertain_field:signatories", "low_confidence_page:1"],
            "source": {"uri": "s3://scans/a.png", "version": "v1", "sha256": "0" * 64, "content_type": "image/png",
                       "page_count": 2, "drop": None},
            "ocr": {"engine": "tesseract 5", "languages": "Cyrillic", "mean_confidence": 51.0,
                    "pages": [{"number": 1, "text": text, "confidence": 51.0}]}, **extra}


def test_a_corrected_text_is_parsed_again_and_the_revision_says_who_and_when() -> None:
    record = machine()
    fixed = correct(record, text=editable(MISREAD).replace("ВЫШИНСКИИ", "ВЫШИНСКИЙ"), fields={}, by="Н. Архивова",
                    at=AT)
    assert [p["name"] for p in fixed["record"]["signatories"]] == ["Вышинский"]
    assert fixed["text"] == MISREAD.replace("ВЫШИНСКИИ", "ВЫШИНСКИЙ")  # the page break kept
    assert fixed["revision"] == {"number": 1, "by": "Н. Архивова", "at": "2026-12-05T10:30:00+00:00"}
    assert fixed["warnings"] == ["low_confidence_page:1"]  # a person read the fields: no longer uncertain
    assert fixed["ocr"] == record["ocr"] and record["text"] == MISREAD  # the machine's reading untouched
    again = correct(fixed, text=None, fields={"registration_number": "№ 12"}, by="П. Проверкин", at=AT)
    assert again["revision"]["number"] == 2 and again["record"]["registration_number"] == "№ 12"


def test_fields_set_by_hand_are_checked_against_the_contract() -> None:
    fixed = correct(machine(), text=None, fields={"date": "1950-03-06", "document_type": "letter"}, by="x", at=AT)
    assert (fixed["record"]["date"], fixed["record"]["document_type"]) == ("1950-03-06", "letter")
    cleared = correct(machine(), text=None, fields={"date": ""}, by="x", at=AT)
    assert cleared["record"]["date"] is None and "no_document_date" in cleared["warnings"]
    with pytest.raises(ValidationError):
        correct(machine(), text=None, fields={"date": "6 марта"}, by="x", at=AT)
    with pytest.raises(ValidationError):
        correct(machine(), text=None, fields={"document_type": "poem"}, by="x", at=AT)
    with pytest.raises(ValueError, match="may not set"):
        correct(machine(), text=None, fields={"signatories": "Сталин"}, by="x", at=AT)


def test_the_manifests_reference_stays_when_the_corrected_text_gives_none() -> None:
    given: dict[str, object] = {"archive": "ГА РФ", "archive_latin": "GARF", "fond": "5446", "opis": "81",
                                "delo": "12", "sheets": None, "extra": {}, "authenticity": None, "raw": "drop manifest"}
    record = machine()
    record["record"]["archival_references"], record["record"]["citation"] = [given], "GARF, F. 5446, Op. 81, D. 12"
    fixed = correct(record, text=MISREAD + "\nВерно.", fields={}, by="x", at=AT)
    assert fixed["record"]["archival_references"] == [given]


def test_page_breaks_read_as_lines_in_the_editor_and_come_back() -> None:
    assert "\f" not in editable(MISREAD) and from_editable(editable(MISREAD).replace("\n", "\r\n")) == MISREAD
