import pytest

from workers.records.persons import addressees, signatories
from workers.records.text import clean


def names(people: list[dict]) -> list[str]:
    return [p["name"] for p in people]


@pytest.mark.parametrize("text, expected", [
    ("Товарищам ЖДАНОВУ, БЕРИЯ, ВОЗНЕСЕНСКОМУ, МИКОЯНУ\n", ["Жданов", "Берия", "Вознесенский", "Микоян"]),
    ("Товарищу Мао Цзэдуну,\nВашу телеграмму получили.", ["Мао Цзэдун"]),
    ("Товарищ Филиппов!\nПрошу Вас рассмотреть.", ["Филиппов"]),
    ("Телеграмма Мао Цзэдуну\n3 мая 1950 года", ["Мао Цзэдун"]),
    ("ТЕЛЕГРАММА Молотова Мао Цзэдуну.\n", ["Мао Цзэдун"]),
    ("Текст.\n\nШТЫКОВУ, ПАНЮШКИНУ\n\nПередайте ответ.", ["Штыков", "Панюшкин"]),
    ("Тов. ЖДАНОВУ А.А.\n", ["Жданов"]),
    ("Товарищ Ким Ир Сен!\n", ["Ким Ир Сен"]),
    ("Т.т. Кузнецову и Попкову\n", ["Кузнецов", "Попков"]),
    ("Товарищу Мехлису\n", ["Мехлис"]),                 # a surname the dictionary does not know
    ("Товарищу ЧЖОУ ЭНЬЛАЮ\n", ["Чжоу Эньлай"]),
])
def test_addressees(text: str, expected: list[str]) -> None:
    assert names(addressees(clean(text))) == expected


def test_addressee_role_above_turns_nominative() -> None:
    text = "Председателю Совета Министров Союза ССР\nтоварищу СТАЛИНУ И.В.\n"
    [person] = addressees(clean(text))
    assert person == {"name": "Сталин", "initials": "И.В.", "role": "Председатель Совета Министров Союза ССР",
                      "raw": "СТАЛИНУ И.В."}


def test_addressee_role_on_the_same_line() -> None:
    [person] = addressees(clean("Послу СССР в Китае тов. Рощину\n"))
    assert (person["name"], person["role"]) == ("Рощин", "Посол СССР в Китае")


def test_names_inside_sentences_are_not_addressees() -> None:
    text = "Прошу ознакомиться с письмом тов.Громыко, посланным на имя тов.Вышинского по вопросу о торговле.\n"
    assert addressees(clean(text)) == []


BODY = "Сообщаю, что работы по восстановлению моста закончены в срок.\n"


@pytest.mark.parametrize("tail, expected, initials", [
    ("В.Молотов", "Молотов", "В."),
    ("ФИЛИППОВ.", "Филиппов", None),
    ("Мао Цзэдун", "Мао Цзэдун", None),
    ("И. Сталин", "Сталин", "И."),
    ("А .ВЫШИНСКИЙ", "Вышинский", "А."),
    ("ШТЫКОВ", "Штыков", None),
    ("Громыко", "Громыко", None),
    ("Мао Цзэдун 24.VI.52", "Мао Цзэдун", None),
    ("И.Сталин (подпись)", "Сталин", "И."),
    ("/подпись/ В.Молотов", "Молотов", "В."),
])
def test_signatories(tail: str, expected: str, initials: str | None) -> None:
    [person] = signatories(clean(BODY + "\n" + tail + "\n"))
    assert (person["name"], person["initials"]) == (expected, initials)


def test_who_recorded_a_conversation_signs_it() -> None:
    [person] = signatories(clean(BODY + "Записал: Н. Федоренко\n"))
    assert (person["name"], person["initials"], person["role"]) == ("Федоренко", "Н.", "Записал")


def test_signatory_role_above_and_on_the_same_line() -> None:
    text = BODY + "\nСекретарь Ленинградского обкома ВКП(б)\nАНДРИАНОВ\n"
    [person] = signatories(clean(text))
    assert (person["name"], person["role"]) == ("Андрианов", "Секретарь Ленинградского обкома ВКП(б)")
    [person] = signatories(clean(BODY + "Управляющий Делами Совета Министров СССР\nА.КОРОБОВ\n"))
    assert (person["name"], person["role"]) == ("Коробов", "Управляющий Делами Совета Министров СССР")
    [person] = signatories(clean(BODY + "Секретарь ЦК ВКП(б) А.Жданов\n"))
    assert (person["name"], person["initials"], person["role"]) == ("Жданов", "А.", "Секретарь ЦК ВКП(б)")


@pytest.mark.parametrize("tail", [
    "Исполнение телеграфьте",   # an instruction, not a name
    "Москва",                   # a place
    "ЦК КПСС",                  # an organisation
    "ШТЫКОВУ, ПАНЮШКИНУ",       # dative: addressees
    "Сталина.",                 # a genitive finishing a sentence
    "Источник:",
])
def test_not_signatories(tail: str) -> None:
    assert signatories(clean(BODY + "\n" + tail + "\n")) == []


def test_wrapped_sentence_end_is_not_a_signature() -> None:
    text = "В конце беседы министр передал личное письмо для товарища\n\nСталина.\n"
    assert signatories(clean(BODY + text)) == []
