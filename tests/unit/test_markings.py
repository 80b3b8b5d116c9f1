import pytest

from workers.records.markings import classification, declassified, registration_number
from workers.records.text import clean


@pytest.mark.parametrize("text, expected", [
    ("Совершенно секретно\n", ["Совершенно секретно"]),
    ("Сов. секретно (Особая папка)\n", ["Совершенно секретно", "Особая папка"]),
    ("СОВ.СЕКРЕТНО\n", ["Совершенно секретно"]),
    ("Секретно\n", ["Секретно"]),
    ("Строго секретно\nЛично\n", ["Строго секретно", "Лично"]),
    ("К № 27/5с Совершенно секретно\n", ["Совершенно секретно"]),
    ("Для служебного пользования\n", ["Для служебного пользования"]),
    ("Рассекречено\n", []),
    ("Соверщенно секретно\n", ["Совершенно секретно"]),   # OCR bent a letter
    ("Советскому секретарю\n", []),
    ("Мы обсудили вопрос, который следует держать в тайне и хранить секретно от всех посторонних лиц без исключения.\n", []),
])
def test_classification(text: str, expected: list[str]) -> None:
    assert classification(clean(text)) == expected


@pytest.mark.parametrize("text, expected", [
    ("Совершенно секретно\nРассекречено\n", True),
    ("РАССЕКРЕЧЕНО\n", True),
    ("Расеекречено\n", True),
    ("Совершенно секретно\n", False),
])
def test_declassified(text: str, expected: bool) -> None:
    assert declassified(clean(text)) is expected


@pytest.mark.parametrize("text, expected", [
    ("ШИФРТЕЛЕГРАММА\nИз Пекина\n№ 2997/ш\n", "№ 2997/ш"),
    ("Постановление\nК № 27/5с Совершенно секретно\n", "К № 27/5с"),
    ("Протокол № 70\n", "№ 70"),
    ("ТЕЛЕГРАММА\nN 412\n", "№ 412"),
    ("Записка\n(см.Телеграмму тов.Рощина N 518 )\n", None),
    ("Вашу телеграмму № 3115 получил.\n", None),
    ("АП РФ, Фонд М 3, Опись М 58, Дело 12\n", None),
    ("ШИФРТЕЛЕГРАММА\n" + "Текст телеграммы.\n" * 14 + "ФИЛИППОВ\n№ 4/2351\n20 июня 1950 г.\n", "№ 4/2351"),
])
def test_registration_number(text: str, expected: str | None) -> None:
    assert registration_number(clean(text)) == expected


def test_a_politburo_protocol_and_item_is_no_registration_number() -> None:
    text = "Постановление ПБ ЦК ВКП(б) о хлебозаготовках\n№ П12/45\n3 мая 1933 г.\nОбязать наркомзем усилить заготовки.\n"
    assert registration_number(clean(text)) is None


def test_a_protocol_s_own_number_is_no_registration_number() -> None:
    """`ПРОТОКОЛ № 14 заседания …`: the number orders the sittings; archivists index it with
    the protocol (as `Из протокола № 106`), not as the document's registration number."""
    text = "ПРОТОКОЛ № 14\nзаседания Политбюро ЦК РКП(б)\nот 28 апреля 1921 г.\nСлушали: о топливе.\n"
    assert registration_number(clean(text), doc_type="protocol") is None
    assert registration_number(clean("Приказ № 14\nО топливе.\n"), doc_type="order") == "№ 14"
