"""The forms real documents take, each on a text written here (tests/forms/), with the
fields an archivist would index written out by hand (not the parser's own output).

GIVEN a document in one of the forms the held-out population shows WHEN parsed THEN
each field is what an archivist would write, and a field the text does not have is null.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from workers.records import parse_record

FORMS = Path(__file__).resolve().parent.parent / "forms"

# name: (type, date, registration number, markings, addressees, signatories,
#        (archive, fond, opis, delo, sheets) or None)
EXPECTED = {
    # `№ 57` opening the text numbers the collection's item; `№ 61/ш` under the date is the
    # document's; handling formulas are not markings; the type and both parties in capitals
    "item_number_and_cipher_number": (
        "note", "1937-05-14", "№ 61/ш", ["Совершенно секретно"], ["Сталин"], ["Ежов"],
        ("АП РФ", "3", "58", "6", "12-14")),
    # no type word at all; the addressee after the dash, a nickname salutation, a closing
    # word before the signature, the date written again after it
    "no_type_dash_heading": (
        None, "1935-09-03", None, [], ["Сталин"], ["Молотов"], ("РГАСПИ", "558", "11", "769", "95")),
    # the type opens a title that names an institution after `в`; the number on its own line;
    # a dative role over `товарищу`; a signature in brackets under the role
    "memorandum_to_sovnarkom": (
        "memorandum", "1939-10-16", "№ 814-сс", ["Совершенно секретно"], ["Молотов"], ["Берия"],
        ("ГАРФ", "Р-9401", "1", "527", "33-35")),
    # the decryption stamp's date is not the telegram's; the number after the signature;
    # the addressee in the title after the sender in the genitive
    "cipher_with_stamp": (
        "ciphered_telegram", "1940-07-04", "№ 0071/ш", [], ["Шкварцев"], ["Молотов"],
        ("АВП РФ", "059", "1", "2154", "31")),
    # the protocol a decision stands in is not the decision's number; lower-case legend
    "orgburo_resolution": (
        "resolution", "1938-05-05", None, ["Строго секретно"], [], ["Жданов"],
        ("РГАСПИ", "17", "114", "640", "5")),
    # an address block of roles and `тов.` mid-line; the number beside the signature;
    # a legend that gives only the sheet
    "address_block_sheet_only": (
        None, "1940-08-12", "№ 45", [], ["Жданов", "Петров", "Сидоренко"], ["Кузнецов"],
        (None, None, None, None, "17")),
    # `Из письма` names a letter; a first-name salutation names nobody's surname; the
    # signature after a closing sentence; a Latin citation
    "letter_extract": (
        "letter", "1929-08-22", None, [], ["Молотов"], ["Сталин"], ("РГАСПИ", "558", "11", "769", "48-49")),
}


def test_every_form_text_has_its_expectation() -> None:
    assert sorted(p.stem for p in FORMS.glob("*.txt")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_form(name: str, validate_record_object) -> None:
    record = parse_record((FORMS / f"{name}.txt").read_text(encoding="utf-8"))
    validate_record_object(record)
    kind, date, number, markings, to, by, legend = EXPECTED[name]
    ref = record["archival_references"][0] if record["archival_references"] else None
    got = (record["document_type"], record["date"], record["registration_number"], record["classification"],
           [p["name"] for p in record["addressees"]], [p["name"] for p in record["signatories"]],
           tuple(ref[k] for k in ("archive", "fond", "opis", "delo", "sheets")) if ref else None)
    assert got == (kind, date, number, markings, to, by, legend)


def test_entities_leave_out_archive_names_and_take_the_nominative() -> None:
    """GIVEN names in capitals and in the dative, an archive in the legend WHEN tagged THEN
    persons in the nominative, no archive abbreviation among places or organisations."""
    entities = parse_record((FORMS / "item_number_and_cipher_number.txt").read_text(encoding="utf-8"))["entities"]
    assert {"Ежов", "Сталин"} <= set(entities["persons"])
    assert not {"АП", "РФ", "АП РФ"} & set(entities["locations"] + entities["organizations"])
    assert "Особое совещание" in entities["locations"] + entities["organizations"]


def test_entities_leave_out_ocr_debris() -> None:
    """GIVEN a scan's debris natasha may tag as a name WHEN tagged THEN no such person, while
    a real surname in the same text stays."""
    text = ("Сообщаю, что тов. Петров прибыл в Минск.\nАурве ывп Кцуке.\n"
            "Прошу оказать ему содействие.\nЗам. наркома Смирнов\n")
    persons = parse_record(text)["entities"]["persons"]
    assert "Аурве" not in persons and "Кцуке" not in persons
    assert "Петров" in persons
