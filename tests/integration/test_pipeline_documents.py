"""pipeline.finish on pages already read (no OCR): a source of several documents gives a
record each, cut to its own lines; one of a single document gives the record it gave
before; weak evidence is said, not cut. (tesseract is asked only for its version.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_segment import LETTER, NOTE, REPORT
from workers.config import Settings
from workers.errors import UnavailableError
from workers.ocr.stage import PageResult, Source
from workers.outputs.pdf import SourcePage
from workers.pipeline import finish, record_id

URI = "s3://scans/delo%20347.pdf"


def read(*texts: str) -> tuple[Source, list[PageResult]]:
    source = Source(Path("/nonexistent"), "pdf", "application/pdf", "0" * 64, len(texts), "delo 347.pdf")
    return source, [PageResult(n, t, 91.0, 300, 2480, 3508, 0.0, (), 0.5) for n, t in enumerate(texts, start=1)]


def records_of(*texts: str) -> list[dict]:
    source, pages = read(*texts)
    return finish(source, pages, uri=URI, version="v1", drop=None, manifest=None, settings=Settings())


def test_each_document_its_record_with_its_place_and_its_own_text(validate_record) -> None:
    # page 1: the note, then the letter starts; page 2: the letter ends, the report follows
    letter = LETTER.split("\n")
    records = records_of(NOTE + "\n\n" + "\n".join(letter[:3]), "\n".join(letter[3:]) + "\n\n" + REPORT)
    assert [r["id"] for r in records] == [record_id(URI), record_id(URI, 2), record_id(URI, 3)]
    assert [r["document"]["pages"] for r in records] == [[1], [1, 2], [2]]
    note, letter_record, report = records
    assert note["document"]["first"] == {"page": 1, "line": 0} and note["document"]["count"] == 3
    assert letter_record["document"]["first"] == {"page": 1, "line": 9}
    assert letter_record["text"].split("\f") == ["\n".join(letter[:3]), "\n".join(letter[3:])]
    assert [p["number"] for p in letter_record["ocr"]["pages"]] == [1, 2]
    assert report["record"]["date"] == "1944-05-04" and "Фадеев" not in report["text"]
    assert [p["name"] for p in letter_record["record"]["signatories"]] == ["Фадеев"]
    assert all(r["source"]["page_count"] == 2 and r["source"]["uri"] == URI for r in records)
    for record in records:
        validate_record(record)


def test_a_single_document_gives_the_sources_record() -> None:
    [record] = records_of(NOTE)
    assert record["id"] == record_id(URI) and "document" not in record
    assert record["text"] == NOTE and record["warnings"] == []


def test_weak_evidence_is_a_warning_on_the_one_record() -> None:
    [record] = records_of("Всего на учете состоит сорок одна тысяча человек, из них трудоспособных много.\n"
                          "Справка о жилищном строительстве\n"
                          "Построено двенадцать бараков, еще четыре будут сданы к зиме этого года.")
    assert "possible_document_start:1:1" in record["warnings"]


def test_outputs_that_cannot_be_written_cost_the_outputs_not_the_record(validate_record) -> None:
    source, pages = read(NOTE)
    sources = [SourcePage(Path("/nonexistent"), "pdf", 1)]

    def broken(record, pages, sources):
        raise ValueError("an image mode no PDF takes")

    [record] = finish(source, pages, uri=URI, version="v1", drop=None, manifest=None, settings=Settings(),
                      sources=sources, sink=broken)
    validate_record(record)
    assert "outputs" not in record and "outputs_not_written:ValueError" in record["warnings"]

    def away(record, pages, sources):
        raise UnavailableError("records bucket did not answer")

    with pytest.raises(UnavailableError):  # retried like any store, not swallowed
        finish(source, pages, uri=URI, version="v1", drop=None, manifest=None, settings=Settings(), sources=sources,
               sink=away)
