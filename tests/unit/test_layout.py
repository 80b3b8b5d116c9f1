"""Line kinds: each line of a document classified once, from what it shows."""

from workers.records.layout import classify
from workers.records.text import clean

DOCUMENT = """№ 12
СПРАВКА НАРКОМАТА ЗЕМЛЕДЕЛИЯ О ХОДЕ СЕВА
3 мая 1936 г.
Секретно
Экз. № 2
Получено 4.V.36
Товарищу ЧЕРНОВУ
В текущем году сев яровых культур проходит с опозданием против прошлого года на пять дней.
Заместитель наркома
ИВАНОВ
ГАРФ. Ф. Р-7486. Оп. 1. Д. 12. Л. 3. Копия.
Источник: Трагедия деревни. Т. 4. С. 110.
"""


def test_each_line_gets_its_kind() -> None:
    """GIVEN a document with every part WHEN classified THEN each line has the kind it shows
    and the body is where the prose is."""
    layout = classify(clean(DOCUMENT))
    kinds = [line.kind for line in layout.lines if line.kind != "blank"]
    assert kinds == ["item", "heading", "date", "marking", "marking", "stamp", "address", "body",
                     "closing", "closing", "legend", "apparatus"]
    assert layout.lines[layout.body_start].text.startswith("В текущем году")


def test_wrapped_scan_lines_read_as_one() -> None:
    """GIVEN a title wrapped by the page's width WHEN cleaned THEN one line again, while
    short lines of their own stay apart."""
    text = ("Постановление Секретариата ЦК ВКП(б) о порядке хранения\n"
            "документов в архивах наркоматов и ведомств Союза ССР\n"
            "\n12 марта 1939 г.\n\nСовершенно секретно\n\n"
            "Обязать наркоматы в месячный срок представить описи дел,\n"
            "подлежащих передаче на государственное хранение в архивы.\n"
            "\nСекретарь ЦК ВКП(б)\nА. Жданов\n")
    lines = [line for line in clean(text).split("\n") if line]
    assert lines[0].endswith("ведомств Союза ССР")
    assert lines[-2:] == ["Секретарь ЦК ВКП(б)", "А. Жданов"]


def test_a_title_cut_after_a_preposition_goes_on_past_a_blank_line() -> None:
    """GIVEN a scan that put a blank line inside a title cut after `в` WHEN cleaned THEN one title."""
    text = ("Спецсообщение ОГПУ о массовых выступлениях крестьян в\n\nНижне-Волжском крае. 2 марта 1930 г.\n\n"
            "0 482/с\n\nСовершенно секретно\n\nСообщаем, что в ряде районов края отмечены выступления.\n"
            "Выступления ликвидированы силами местных органов без применения оружия.\n"
            "Зам. председателя ОГПУ\nЯгода\n")
    lines = [line for line in clean(text).split("\n") if line]
    assert lines[0] == "Спецсообщение ОГПУ о массовых выступлениях крестьян в Нижне-Волжском крае. 2 марта 1930 г."
    assert lines[1] == "№ 482/с"  # and a printed № read as a zero on a line of its own
