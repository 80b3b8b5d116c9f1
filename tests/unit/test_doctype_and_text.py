import pytest

from workers.records.doctype import document_type
from workers.records.text import clean


@pytest.mark.parametrize("text, kind, raw", [
    ("ТЕЛЕГРАММА Молотова Ким Ир Сену.\n", "telegram", "ТЕЛЕГРАММА"),
    ("ШИФРТЕЛЕГРАММА\nИз Пекина\n", "ciphered_telegram", "ШИФРТЕЛЕГРАММА"),
    ("ТЕЛЕГРАММА\nШифром\n", "ciphered_telegram", "ТЕЛЕГРАММА"),
    ("Постановление Секретариата ЦК «О хранении архивов»\n", "resolution", "Постановление"),
    ("ЗАПИСЬ БЕСЕДЫ\nс послом\n", "record_of_conversation", "ЗАПИСЬ БЕСЕДЫ"),
    ("Сов. секретно\nДОКЛАДНАЯ ЗАПИСКА\n", "memorandum", "ДОКЛАДНАЯ ЗАПИСКА"),
    ("Протокол № 70 заседания Политбюро\n", "protocol", "Протокол"),
    ("Из протокола № 70\n", "protocol", "Из протокола"),
    ("СПРАВКА\nо ходе работ\n", "certificate", "СПРАВКА"),
    ("Приказ № 5\n", "order", "Приказ"),
    ("ИЗ ДНЕВНИКА В.М. МОЛОТОВА\n", "record_of_conversation", "ИЗ ДНЕВНИКА"),
    ("Заявление ТАСС\n", "other", "Заявление"),
])
def test_document_types(text: str, kind: str, raw: str) -> None:
    found_kind, found_raw, title = document_type(clean(text))
    assert (found_kind, found_raw) == (kind, raw)
    assert title


@pytest.mark.parametrize("text", [
    "10 марта 1951 г.\nТоварищу Штыкову,\nВаше письмо от 8 марта получено.\n",
    "Товарищ Филиппов!\nПрошу Вас ознакомиться с проектом.\n",
])
def test_no_heading_no_type(text: str) -> None:
    """A salutation is not a heading: the archivist leaves the type empty."""
    assert document_type(clean(text)) == (None, None, None)


@pytest.mark.parametrize("raw, cleaned", [
    ("Cообщение", "Сообщение"),                       # Latin C in a Cyrillic word
    ("ТЕЛЕГРАММA", "ТЕЛЕГРАММА"),
    ("APRF, F. 45", "APRF, F. 45"),                   # Latin stays Latin
    ("Oп. 1", "Оп. 1"),
    ("Фонд N 45", "Фонд № 45"),
    ("Рощина М\n\n518 )", "Рощина № 518 )"),         # tesseract's М for the Latin N, across a line
    ("пред-\nложение", "предложение"),                # hyphenated line break
    ("Информационно-\nиздательский", "Информационно-издательский"),
    ("1949 r.", "1949 г."),
    ("раб0та", "работа"),                              # a zero for о inside a word
    ("А .ВЫШИНСКИЙ", "А.ВЫШИНСКИЙ"),
    ("текст // ЦАОДМ", "текст ЦАОДМ"),
    ("обкома ВКП (6)", "обкома ВКП(б)"),
    ("https://example.org", "https://example.org"),
])
def test_clean(raw: str, cleaned: str) -> None:
    assert clean(raw) == cleaned
