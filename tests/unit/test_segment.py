"""Where documents start inside a file (workers/records/segment.py), on documents written
here, one per form of boundary; and a property: any run of them, in any order, mid-page
or on new pages, wrapped as a scan wraps them, is cut exactly where each one starts."""

from __future__ import annotations

import textwrap

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from workers.records.segment import Place, Span, cut, segment

# legend below, title, markings and an address above
NOTE = """Записка наркома путей сообщения в СНК СССР о ремонте паровозов
12 марта 1938 г.
Секретно
Председателю СНК СССР тов. Молотову В. М.
Докладываю, что ремонт паровозов на Южной дороге за февраль выполнен на 87 процентов.
Прошу разрешить перенести остаток работ на второй квартал.
Нарком путей сообщения Л. Каганович
ГА РФ. Ф. Р-5446. Оп. 22. Д. 118. Л. 5–6. Подлинник."""

# no title: a date line over the address; a signature, no legend
REPORT = """4 мая 1944 г.
Товарищу Жукову Г. К.
Сообщаю, что третья танковая армия закончила переправу через реку и удерживает плацдарм шириной до шести километров.
Потери за сутки уточняются и будут доложены к утру.
Командующий фронтом И. Конев"""

# the collection's item number over the title
TELEGRAM = """№ 14
Телеграмма секретаря обкома в ЦК ВКП(б) о посевной кампании
Москва, ЦК ВКП(б), тов. Андрееву
Сев яровых в области задерживается из-за распутицы, семена завезены не во все колхозы района.
Просим отгрузить дополнительно двести тонн горючего.
Секретарь обкома Петров
РГАСПИ. Ф. 17. Оп. 21. Д. 3047. Л. 88."""

# the correspondents as the title, a salutation, a legend with the copy's kind
LETTER = """Фадеев А. А. — Жданову А. А.
7 ноября 1946 г.
Дорогой Андрей Александрович!
Посылаю Вам рукопись второй части романа и прошу прочесть её, когда найдёте время.
С уважением А. Фадеев
РГАЛИ. Ф. 1628. Оп. 1. Д. 512. Л. 3. Автограф."""

# a marking above the title; the body runs on to its end, nothing signs it
CERTIFICATE = """Совершенно секретно
Справка о численности спецпоселенцев в Карагандинской области на 1 января 1941 г.
Всего на учете состоит сорок одна тысяча человек, из них трудоспособных двадцать три тысячи.
Из общего числа в угольной промышленности занято пятнадцать тысяч человек."""

# a protocol's numbered points and `Постановили:` inside it; a source note in its head
EXTRACT = """Выписка из протокола № 58 заседания бюро райкома ВКП(б)
17 августа 1937 г.
Источник: Сборник документов о коллективизации. С. 212.
Слушали:
1. О ходе уборки урожая в колхозе имени Кирова.
Постановили:
Обязать председателя колхоза закончить уборку зерновых к 1 сентября и доложить бюро.
Секретарь райкома Н. Сидоров"""

# no title, no date line: markings and an address open it
ORDER = """Секретно
Экз. № 3
Начальнику УНКВД по Курской области
Предлагаю в трехдневный срок представить списки лиц, подлежащих проверке.
Зам. наркома внутренних дел Круглов
ЦА ФСБ. Ф. 66. Оп. 1. Д. 402. Л. 17. Копия."""

DOCUMENTS = {"order": ORDER, "note": NOTE, "report": REPORT, "telegram": TELEGRAM, "letter": LETTER,
             "certificate": CERTIFICATE, "extract": EXTRACT}
LINES_PER_PAGE = 40


def compose(parts: list[tuple[str, str]]) -> tuple[list[str], list[Place]]:
    """The documents one after another, each after its separator: `gap` (blank lines),
    `page` (a new page) or `none` (the next line); wrapped at 64 characters as a scan
    wraps them. Returns the pages and where each document starts."""
    lines: list[str] = []
    starts = []
    for name, separator in parts:
        if lines and separator == "page":
            lines += [""] * (-len(lines) % LINES_PER_PAGE)
        elif lines and separator == "gap":
            lines += ["", ""]
        starts.append(Place(len(lines) // LINES_PER_PAGE + 1, len(lines) % LINES_PER_PAGE))
        for paragraph in DOCUMENTS[name].split("\n"):
            lines += textwrap.wrap(paragraph, 64)
    pages = ["\n".join(lines[i:i + LINES_PER_PAGE]) for i in range(0, len(lines), LINES_PER_PAGE)]
    return pages, starts


def starts_of(pages: list[str]) -> list[Place]:
    return [span.first for span in segment(pages)]


def test_a_single_document_is_one_span_over_all_its_lines() -> None:
    for name in DOCUMENTS:
        pages, _ = compose([(name, "none")])
        spans = segment(pages)
        assert [(s.first, s.last) for s in spans] == [(Place(1, 0), Place(1, len(pages[0].split("\n")) - 1))], name
        assert spans[0].warnings == [], name


def test_a_title_after_a_legend() -> None:
    pages, starts = compose([("note", "none"), ("extract", "none")])
    assert starts_of(pages) == starts


def test_a_date_line_over_an_address_after_a_signature() -> None:
    pages, starts = compose([("letter", "gap"), ("report", "gap")])
    assert starts_of(pages) == starts


def test_the_item_number_goes_with_the_title_it_heads() -> None:
    pages, starts = compose([("report", "none"), ("telegram", "none")])
    assert starts_of(pages) == starts
    assert pages[0].split("\n")[starts[1].line] == "№ 14"


def test_the_correspondents_open_a_letter() -> None:
    pages, starts = compose([("telegram", "gap"), ("letter", "gap")])
    assert starts_of(pages) == starts


def test_markings_above_a_title_belong_to_the_document_they_head() -> None:
    pages, starts = compose([("letter", "gap"), ("certificate", "gap")])
    assert starts_of(pages) == starts
    assert pages[0].split("\n")[starts[1].line] == "Совершенно секретно"


def test_a_body_that_runs_on_ends_where_a_titled_head_starts() -> None:
    pages, starts = compose([("certificate", "gap"), ("note", "gap")])
    assert starts_of(pages) == starts


def test_a_page_holds_the_end_of_one_document_and_the_start_of_the_next() -> None:
    pages, starts = compose([("note", "none"), ("letter", "none"), ("extract", "none"), ("telegram", "none"),
                             ("note", "none"), ("report", "none")])
    assert len(pages) == 2
    spans = segment(pages)
    assert [s.first for s in spans] == starts
    crossing = next(s for s in spans if s.first.page == 1 and s.last.page == 2)
    assert crossing.first.line > 0  # it starts mid-page 1 and ends on page 2
    # each span ends on the line before the next starts: nothing lost, nothing shared
    for span, after in zip(spans, spans[1:], strict=False):
        assert (span.last.page, span.last.line + 1) == (after.first.page, after.first.line) or \
            (after.first.line == 0 and span.last.page + 1 == after.first.page)


def test_markings_after_a_legend_open_a_document_without_a_title() -> None:
    pages, starts = compose([("telegram", "none"), ("order", "none")])
    assert starts_of(pages) == starts


def test_a_salutation_straight_over_a_body_after_a_signature() -> None:
    saluted = ["Дорогой Николай Александрович!",
               "Спасибо за книгу, прочел её в два вечера и написал Вам подробно.",
               "Ваш А. Твардовский"]
    pages = ["\n".join(REPORT.split("\n") + [""] + saluted)]
    starts = starts_of(pages)
    assert len(starts) == 2 and pages[0].split("\n")[starts[1].line] == saluted[0]


def test_numbered_points_and_decisions_inside_a_protocol_do_not_open_documents() -> None:
    pages, _ = compose([("extract", "none")])
    assert len(segment(pages)) == 1


# a petition: whom and from whom, above its title
PETITION = """В Президиум Верховного Совета РСФСР
Председателю Президиума тов. БАДАЕВУ А.Е.
от бывшего рабочего завода «Красный выборжец» Лаптева Семена Игнатьевича, проживающего в г. Луге, ул. Кирова, д. 8
ЗАЯВЛЕНИЕ
Прошу снять с меня судимость 1936 года, так как наказание я отбыл полностью и работаю честно.
С. Лаптев
ЦГА СПб. Ф. 7384. Оп. 4. Д. 215. Л. 9. Подлинник."""


def test_a_petition_opens_at_whom_it_is_addressed_not_at_its_title() -> None:
    assert len(segment([PETITION])) == 1  # alone: one document, its address block its own
    pages = ["\n".join([REPORT, "", PETITION])]
    assert starts_of(pages) == [Place(1, 0), Place(1, 6)]


def test_what_closes_a_document_does_not_open_the_next() -> None:
    """An editor's note of a resolution, a decipher stamp under the signature, a line of the
    publication wrapped before its page number: each is the document's own."""
    for tail in (["На документе резолюция: «Согласен. В. Молотов»."],
                 ["Расшифровано 4.V.44 г. 18 час. 10 мин."],
                 ["Опубликовано: Сборник материалов по истории фронта. Т. 3. М., 1961. С.", "214."]):
        pages = ["\n".join(REPORT.split("\n") + [""] + tail + ["", ""] + NOTE.split("\n"))]
        assert starts_of(pages) == [Place(1, 0), Place(1, len(REPORT.split("\n")) + len(tail) + 3)], tail


def test_an_agenda_item_announced_by_its_colon_is_no_title() -> None:
    protocol = ["Протокол № 9 заседания бюро горкома ВКП(б)", "3 июня 1939 г.", "Слушали:",
                "1. О ремонте школ к учебному году.", "Постановили:",
                "Поручить горОНО закончить ремонт школ к 20 августа.", "Слушали:",
                "2. Заявление т. Гаврилова о переводе на другую работу.", "Постановили:",
                "Просьбу т. Гаврилова удовлетворить.", "Секретарь горкома П. Зуев"]
    assert len(segment(["\n".join(protocol)])) == 1


def test_a_telegram_address_after_the_apparatus_opens_the_next() -> None:
    wired = ["МОСКВА, КРЕМЛЬ, ТОВ. МОЛОТОВУ", "Эшелоны с зерном отправлены сегодня, прибудут к пятнице.", "ЖДАНОВ"]
    pages = ["\n".join(NOTE.split("\n") + ["Опубликовано: Сборник документов. М., 1998. С. 40.", ""] + wired)]
    assert starts_of(pages) == [Place(1, 0), Place(1, 10)]


def test_a_date_line_with_its_town_opens_the_next() -> None:
    dated = ["08.09.1939", "г. Курск", "", "Секретарю обкома ВКП(б)", "тов. ДОРОНИНУ П.И.", "",
             "Сообщаю, что уборка картофеля в районе закончена.", "Секретарь райкома Фомин"]
    pages = ["\n".join(REPORT.split("\n") + [""] + dated)]
    assert starts_of(pages) == [Place(1, 0), Place(1, 6)]


def test_weak_evidence_keeps_pages_together_and_says_where() -> None:
    # a title straight under a body that runs on, no gap, no head under it: not cut
    pages = ["Всего на учете состоит сорок одна тысяча человек, из них трудоспособных много.\n"
             "Из общего числа в угольной промышленности занято пятнадцать тысяч человек.\n"
             "Справка о жилищном строительстве\n"
             "Построено двенадцать бараков, еще четыре будут сданы к зиме этого года."]
    spans = segment(pages)
    assert len(spans) == 1
    assert spans[0].warnings == ["possible_document_start:1:2"]


def test_pages_without_text_are_one_span() -> None:
    assert [(s.first, s.last) for s in segment(["", "  \n"])] == [(Place(1, 0), Place(2, 0))]


def test_cut_gives_each_page_its_lines() -> None:
    pages = ["a\nb\nc", "d\ne"]
    assert cut(pages, Span(Place(1, 1), Place(2, 0))) == [(1, "b\nc"), (2, "d")]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(DOCUMENTS)), st.sampled_from(["gap", "page", "none"])),
                min_size=1, max_size=7))
def test_any_run_of_documents_is_cut_where_each_starts(parts: list[tuple[str, str]]) -> None:
    # `none` only after a document that closes (a signature or a legend): a body that runs
    # straight into the next title is the weak case above, kept together on purpose
    closes = {"note", "report", "telegram", "letter", "extract", "order"}
    parts = [(name, "gap" if sep == "none" and k and parts[k - 1][0] not in closes else sep)
             for k, (name, sep) in enumerate(parts)]
    # a document with neither title nor date line opens only after a legend: under a
    # signature its markings could still be the document's own (`Экз. № 2`)
    legends = {"note", "telegram", "letter", "order"}
    assume(not any(name == "order" and parts[k - 1][0] not in legends for k, (name, _) in enumerate(parts) if k))
    pages, starts = compose(parts)
    assert starts_of(pages) == starts
