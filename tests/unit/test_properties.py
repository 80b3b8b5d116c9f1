"""Property-based tests: the parser takes any text, and what it writes it reads back."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workers.records import parse_record
from workers.records.archival import find_references
from workers.records.dates import find_dates
from workers.records.persons import addressees
from workers.records.text import clean

ALPHABET = st.characters(
    codec="utf-8",
    categories=("Lu", "Ll", "Nd", "Po", "Pd", "Ps", "Pe", "Zs", "Sm", "So"),
    include_characters="\n\f\t№«»“”АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя",
)
FRAGMENTS = st.sampled_from([
    "Товарищу ", "Товарищам ", "тов.", "ТЕЛЕГРАММА ", "Совершенно секретно\n", "Рассекречено\n", "№ ", "N ",
    "Ф. ", "Оп. ", "Д. ", "Л. ", "f. ", "op. ", "ll. ", "АП РФ. ", "RGASPI, ", " от ", "октября ", "1949 г.",
    "24.III.50", "МАЛЕНКОВУ", "В.Молотов", "\n", "//", "-\n", " (", ")", "Секретарь ЦК\n", "Подлинник.",
    "№ 57.\n", "(подпись) ", "Члены комиссии: ", " — ", "Арх. уг. д. ", "КСАЅРІ, #. 1, ор. 2, а. 3, 11. 4.\n",
    "З ", "12.ТТТ.39", "Ваш ", "Из письма ", "Исх. № ", "Там же. ", "о ", "(т.т. ", "Вх. № ", "ж 12\n",
])
TEXTS = st.lists(st.one_of(FRAGMENTS, st.text(ALPHABET, max_size=12)), max_size=40).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_any_text_parses_to_a_valid_record(validate_record_object, text: str) -> None:
    record = parse_record(text, with_entities=False)
    validate_record_object(record)
    if record["date"]:
        dt.date.fromisoformat(record["date"]) if len(record["date"]) == 10 else None


@pytest.mark.parametrize("unit, times", [
    ("З", 20000), (".", 20000), (". ", 10000), ("—\n", 10000), ("А.\n", 6666), ("о ", 10000), ("Ф", 20000),
    ("А. ", 7000), ("№ ", 10000), ("Ф. 1, ", 4000), ("Постановление ", 2000), ("12 мая 1938 г.\n", 1200),
    ("ИВАНОВ ", 3000), ("слово-\n", 4000), ("Члены: ", 3000), ("\n", 20000),
])
def test_long_repetitive_text_parses(validate_record_object, unit: str, times: int) -> None:
    """GIVEN a page of OCR debris (20,000 characters of one pattern) WHEN parsed THEN a
    valid record, as from any text. (Each once took seconds: a regex or a loop over lines
    went quadratic; bench/parse.py reports how fast the parser is.)"""
    validate_record_object(parse_record(unit * times, with_entities=False))


@settings(max_examples=25, deadline=None)
@given(st.text(ALPHABET, max_size=300))
def test_any_text_with_entities(validate_record_object, text: str) -> None:
    validate_record_object(parse_record(text))


MONTHS_GEN = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
              "октября", "ноября", "декабря"]
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]


@given(st.dates(min_value=dt.date(1917, 1, 1), max_value=dt.date(1991, 12, 31)),
       st.sampled_from(["text", "text_upper", "dmy2", "dmy4", "roman2", "roman4"]))
def test_dates_round_trip(day: dt.date, style: str) -> None:
    written = {
        "text": f"{day.day} {MONTHS_GEN[day.month - 1]} {day.year} г.",
        "text_upper": f"{day.day} {MONTHS_GEN[day.month - 1].upper()} {day.year} года",
        "dmy2": f"{day.day}.{day.month}.{day.year % 100:02d}",
        "dmy4": f"{day.day}.{day.month:02d}.{day.year}",
        "roman2": f"{day.day}.{ROMAN[day.month - 1]}.{day.year % 100:02d}",
        "roman4": f"{day.day}.{ROMAN[day.month - 1]}.{day.year}",
    }[style]
    if style in ("dmy2", "roman2") and day.year < 1920:
        return  # two-digit years are read as 1920–2019
    found = find_dates(f"Москва, {written}\n")
    assert [d.iso() for d in found] == [day.isoformat()]


NUMBER = st.integers(min_value=1, max_value=9999).map(str)


@given(NUMBER, NUMBER, NUMBER, st.integers(1, 400), st.integers(0, 5),
       st.sampled_from(["short", "long", "latin", "lower"]), st.sampled_from(["АП РФ", "РГАСПИ", "ГАРФ"]))
def test_archival_footers_round_trip(fond, opis, delo, first, extra, style, archive) -> None:
    sheets = f"{first}-{first + extra}" if extra else str(first)
    latin = {"АП РФ": "APRF", "РГАСПИ": "RGASPI", "ГАРФ": "GARF"}[archive]
    written = {
        "short": f"{archive}. Ф. {fond}. Оп. {opis}. Д. {delo}. Л. {sheets}.",
        "long": f"{archive}, Фонд N {fond}, Опись N {opis}, Дело {delo}, Лист N {sheets}",
        "latin": f"{latin}, F. {fond}, Op. {opis}, D. {delo}, {'ll' if extra else 'l'}. {sheets}",
        "lower": f"// {archive}, ф. {fond}, оп. {opis}, д. {delo}, л. {sheets}. Подлинник.",
    }[style]
    [ref] = find_references(clean(f"Текст документа.\n{written}\n"))
    assert (ref["archive"], ref["fond"], ref["opis"], ref["delo"], ref["sheets"]) == (archive, fond, opis, delo, sheets)


# The dative each surname takes in an address line, written out by hand (not derived with
# the parser's morphology, so that a mistake there cannot be mirrored here). Громыко and
# Берия do not decline in these documents (`Товарищам МАЛЕНКОВУ, БЕРИЯ`); Ковалев keeps е.
DATIVE = {
    "Маленков": "Маленкову", "Каганович": "Кагановичу", "Булганин": "Булганину", "Ковалев": "Ковалеву",
    "Рощин": "Рощину", "Молотов": "Молотову", "Жданов": "Жданову", "Вознесенский": "Вознесенскому",
    "Кузнецов": "Кузнецову", "Попов": "Попову", "Михайлов": "Михайлову", "Суслов": "Суслову",
    "Андрианов": "Андрианову", "Косыгин": "Косыгину", "Микоян": "Микояну", "Громыко": "Громыко",
    "Берия": "Берия", "Штыков": "Штыкову", "Панюшкин": "Панюшкину", "Вышинский": "Вышинскому",
    "Соколовский": "Соколовскому", "Шверник": "Швернику",
}
SURNAMES = list(DATIVE)


@lru_cache(maxsize=1)
def dictionary():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@pytest.mark.parametrize("surname, dative", DATIVE.items())
def test_the_dative_table_is_a_dative(surname: str, dative: str) -> None:
    """The table checked apart from delo's code: pymorphy3's own dictionary reads each form
    as a dative of that surname (ё and е alike)."""
    parses = dictionary().parse(dative.lower())
    assert surname.lower() in {p.normal_form.replace("ё", "е") for p in parses if "datv" in p.tag}


@settings(deadline=None)
@given(st.lists(st.sampled_from(SURNAMES), min_size=1, max_size=5, unique=True), st.booleans(),
       st.sampled_from(["Товарищам", "Товарищу", "Тов.", "тт."]))
def test_addressee_lists_round_trip(surnames: list[str], caps: bool, prefix: str) -> None:
    written = ", ".join(DATIVE[s].upper() if caps else DATIVE[s] for s in surnames)
    found = addressees(clean(f"{prefix} {written}\n\nТекст письма.\n"))
    assert [p["name"] for p in found] == surnames
