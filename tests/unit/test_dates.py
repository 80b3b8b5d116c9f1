import pytest

from workers.records import parse_record
from workers.records.dates import find_dates


@pytest.mark.parametrize("raw, iso", [
    ("26 октября 1949 г.", "1949-10-26"),
    ("17 апреля 1948 года", "1948-04-17"),
    ("12 ДЕКАБРЯ 1951 г", "1951-12-12"),
    ("«5» мая 1950 г.", "1950-05-05"),
    ("13.6.51", "1951-06-13"),
    ("3.7.1951", "1951-07-03"),
    ("24.III.50", "1950-03-24"),
    ("16.XII.1947", "1947-12-16"),
    ("5 окт. 1950", "1950-10-05"),
    ("октябрь 1949 г.", "1949-10"),
])
def test_date_forms(raw: str, iso: str) -> None:
    found = find_dates(f"Текст {raw} далее")
    assert [d.iso() for d in found] == [iso]


@pytest.mark.parametrize("text", ["Срок — 45 дней.", "Тверь, 2006. С. 471.", "ОТ 26.1949 г.", "5 майор", "31.02.50"])
def test_not_dates(text: str) -> None:
    assert find_dates(text) == []


def test_yearless_date_takes_the_documents_year() -> None:
    """GIVEN a letter dated 10 March 1951 that answers a telegram `от 8 марта`
    THEN the document's date is its own and the answered date takes its year."""
    record = parse_record("10 марта 1951 г.\nТоварищу Иванову,\nВашу телеграмму от 8 марта получили.\n",
                          with_entities=False)
    assert record["date"] == "1951-03-10"
    assert record["date_raw"] == "10 марта 1951 г."
    assert record["dates_mentioned"] == [{"date": "1951-03-08", "raw": "8 марта"}]


def test_the_date_a_document_answers_is_not_its_date() -> None:
    text = "Товарищу Петрову\nВаше письмо от 2 марта 1950 г. получено, ответ последует.\nСидоров\n4 марта 1950 г.\n"
    record = parse_record(text, with_entities=False)
    assert record["date"] == "1950-03-04"
    assert [d["date"] for d in record["dates_mentioned"]] == ["1950-03-02"]


def test_heading_date_wins_over_body_dates() -> None:
    text = "Постановление Совета от 11 мая 1959 г.\nПредставить предложения к 1 июня 1959 г. и доложить.\n"
    assert parse_record(text, with_entities=False)["date"] == "1959-05-11"


@pytest.mark.parametrize("raw, iso", [
    ("24.ТТТ.39", "1939-03-24"),     # tesseract's rus reads a typewritten III as ТТТ
    ("5.УП.1939", "1939-07-05"),
    ("16.ХП.1947", "1947-12-16"),
    ("3.Ш.41", "1941-03-03"),
    ("12/1Х-34", "1934-09-12"),      # the Cyrillic model's 1 for I beside an X
    ("5.У11.39", "1939-07-05"),
    ("12.11.38", "1938-11-12"),      # without an X or V, 11 is a numeric month
    ("16.71.49", "1949-06-16"),      # VI read as 7 and 1: no month is numbered past 12
    ("24.1х.1918", "1918-09-24"),    # a lowercase х for X
    ("23.І11.1944", "1944-03-23"),   # 1s beside a Cyrillic І
])
def test_roman_months_as_ocr_reads_them(raw: str, iso: str) -> None:
    [found] = find_dates(raw)
    assert found.iso() == iso


@pytest.mark.parametrize("text, iso", [
    # a year-less date under the signature takes the year of the decryption stamp
    ("Шифртелеграмма\nПрошу выслать вагоны под зерно.\nБорисов\n4 июля\nРасшифровано 5.VII.1939\n", "1939-07-04"),
    # and the year the title gives alone
    ("Из письма К.Е. Ворошилова\n1927 г.\nДорогой Коба!\nПрошу принять меня.\nКлим\n12 мая\n", "1927-05-12"),
    # figures `на 1 января` date the figures, not the document
    ("СПРАВКА\nо численности\nСостояло на 1 января 1940 г.:\nв лагерях — 100 чел.\nНачальник отдела\nИванов\n"
     "16 февраля 1940 г.\n", "1940-02-16"),
    ("Молотов — Сталину\n\nЗ сентября 1935 г.\nКоба!\nПосылаю проект.\n", "1935-09-03"),   # a Cyrillic З for 3
])
def test_document_date_forms(text: str, iso: str) -> None:
    assert parse_record(text, with_entities=False)["date"] == iso
