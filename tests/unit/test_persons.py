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
    "Источник:",
])
def test_not_signatories(tail: str) -> None:
    assert signatories(clean(BODY + "\n" + tail + "\n")) == []


def test_a_woman_signs_below_the_body() -> None:
    """`Сомова` alone under a finished sentence: a woman's surname, not a man's in the genitive."""
    assert names(signatories(clean(BODY + "\nСомова\n15 января 1934 г.\n"))) == ["Сомова"]


def test_wrapped_sentence_end_is_not_a_signature() -> None:
    text = "В конце беседы министр передал личное письмо для товарища\n\nСталина.\n"
    assert signatories(clean(BODY + text)) == []


@pytest.mark.parametrize("tail, expected", [
    ("Заместитель Народного комиссара обороны СССР генерал армии Громов", ["Громов"]),   # role, title-case name
    ("Ваш Соколов.", ["Соколов"]),                                                          # a letter's closing
    ("Крепко жму руку. П. Соколов", ["Соколов"]),                                           # a closing sentence
    ("Зам. пред. ОГПУ (подпись) Малина", ["Малина"]),                                      # a common word after (подпись)
    ("комбриг В. Орлов", ["Орлов"]),                                                        # a rank, not a role word
    ("Маршал Советского Союза К. В о р о н ц о в", ["Воронцов"]),                          # letter-spaced after initials
    ("Члены комиссии: Антонова", ["Антонова"]),                                             # a woman's surname stays hers
    ("Начальник штаба РККА\nкомдив Н. Петров", ["Петров"]),                                # РККА is no name
    ("Предсовнаркома КРАСИН", ["Красин"]),                                                  # a title before capitals
    ("МАЙОР ГОСУДАРСТВЕННОЙ БЕЗОПАСНОСТИ (ЗОРИН)", ["Зорин"]),                             # a name in brackets
    ("Председатель СНК СССР В. Молотов (Скрябин)", ["Молотов"]),                            # another name in brackets
])
def test_signature_forms(tail: str, expected: list[str]) -> None:
    """GIVEN a body and a closing in one of the forms signatures take WHEN read THEN the
    surnames in the nominative, and no word of a role."""
    text = "Прошу рассмотреть вопрос о снабжении участка и сообщить решение.\n\n" + tail + "\n"
    assert names(signatories(clean(text))) == expected


def test_a_wrapped_last_word_is_no_signature() -> None:
    text = ("Поручить наркомату организовать проверку на шахтах треста Донбассуголь и треста\n\n"
            "Углесбыт.\n\nРГАСПИ. Ф. 17. Оп. 3. Д. 12. Л. 4.\n")
    assert signatories(clean(text)) == []


@pytest.mark.parametrize("text, to, by", [
    ("№ 12. Из письма А.А. Андреева В.Я. Чубарю\n1931 г.\nДорогой Влас!\nПрошу прислать сводку о посевной.\nТвой Андрей.\n",
     ["Чубарь"], ["Андреев"]),                     # the title's author signs when only a first name does
    ("Из письма П.П. Постышева Г.К. Орджоникидзе\nПрошу ускорить отгрузку оборудования для завода.\nПостышев\n",
     ["Орджоникидзе"], ["Постышев"]),             # an indeclinable addressee after the author
    ("Шифртелеграмма\nНКИД — ЛИТВИНОВУ\nПрошу срочно сообщить о ходе переговоров с делегацией.\nСуриц\n",
     ["Литвинов"], ["Суриц"]),                     # an address after a dash
])
def test_title_and_address_parties(text: str, to: list[str], by: list[str]) -> None:
    """The first name a letter is signed with (`Твой Андрей`) may stay beside the surname."""
    cleaned = clean(text)
    signed = [n for n in names(signatories(cleaned)) if n not in FIRST_NAMES]
    assert (names(addressees(cleaned)), signed) == (to, by)


FIRST_NAMES = {"Андрей"}


def test_a_subject_after_t_is_no_address() -> None:
    text = "Выписка из протокола № 5\n12. — О т. Воробьеве.\nСнять т. Воробьева с работы в тресте.\n"
    assert addressees(clean(text)) == []


def test_a_role_over_several_signatures() -> None:
    text = "Прием дел произведен полностью, акт составлен в трех экземплярах.\n\nЧлены комиссии: П. Осипов, Г. Рябов\n"
    assert names(signatories(clean(text))) == ["Осипов", "Рябов"]


def test_an_abbreviated_title_before_a_surname() -> None:
    text = "Противник отходит на запад, части фронта преследуют его.\n\nКомюжфронта Егоров\nЧлен РВС Сталин\n"
    assert names(signatories(clean(text))) == ["Егоров", "Сталин"]


@pytest.mark.parametrize("line, expected", [
    ("Москва ЦК ВКП(б) Сталину, СНК Молотову", ["Сталин", "Молотов"]),
    ("Командующему войсками ЛВО генерал-лейтенанту Попову", ["Попов"]),
])
def test_dative_surnames_in_an_address_block(line: str, expected: list[str]) -> None:
    text = "Шифртелеграмма\n" + line + "\n\nПрошу срочно направить составы с горючим в адрес округа.\n"
    assert names(addressees(clean(text))) == expected


def test_each_name_of_a_list_may_bring_its_own_tov() -> None:
    text = "Докладная записка\nВ ЦК ВКП(б) — тов. АНДРЕЕВУ, тов. ЖДАНОВУ\nСообщаю, что сев закончен в срок.\n"
    assert names(addressees(clean(text))) == ["Андреев", "Жданов"]
