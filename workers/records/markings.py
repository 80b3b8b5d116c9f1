"""Classification markings, the declassification stamp and the registration number."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from workers.records.doctype import subject_start, type_word
from workers.records.layout import Layout, Line, classify, title_text
from workers.records.vocabulary import DOC_TYPE_RE, HEADING_TYPE_RE, REFERENCE_KIND_RE, heading_type_of

# (pattern, normalised marking); the compound forms come first and are blanked out
# once found so that the `секретно` inside `Совершенно секретно` is not counted again.
_MARKINGS = [
    (r"сов(?:ершенно|\.)\s*секр(?:етно|\.)", "Совершенно секретно"),
    (r"строго\s+секретно", "Строго секретно"),
    (r"(?<![а-яё])секретно", "Секретно"),
    (r"особ(?:ая|ой|ую|\.)\s*папк[аиуе]|\(\s*ОП\s*\)", "Особая папка"),
    (r"особой\s+важности", "Особой важности"),
    (r"для\s+служебного\s+пользования|(?<![А-Яа-я])ДСП(?![А-Яа-я])", "Для служебного пользования"),
    (r"(?<![а-яё])конфиденциально", "Конфиденциально"),
    (r"(?<![а-яё])лично(?![а-яё])", "Лично"),
]
# a marking stands on its own line or starts one; inside a long sentence the same
# words are prose ("держать совершенно секретно")
_MARKING_LINE_MAX = 70
_DECLASSIFIED = re.compile(r"(?<![а-яё])рассекречен[оаы]?(?![а-яё])", re.IGNORECASE)

_REG = re.compile(
    r"(?:(?<=\s)|^)(?:(?P<prefix>[А-ЯA-Z])\s+)?№\s*(?P<number>(?:[А-ЯA-Z]{1,5}-?)?\d[\dА-Яа-яA-Za-z]*(?:\s?[/-]\s?[\dА-Яа-яA-Za-z]+)*)",
    re.M,
)
# `Фонд № 45`, `Лист № 47-48`: numbers of an archival reference, not of the document
_ARCHIVAL_LEVEL = re.compile(r"(?:фонд|опись|дело|лист|листы|ф\.|оп\.|д\.|лл?\.)\s*$", re.IGNORECASE)
# `Экз. № 1` numbers the copy, not the document
_COPY = re.compile(r"(?:экз\.?|экземпляр|стр\.|тираж)\s*$", re.IGNORECASE)


# Whole short lines that OCR has bent a letter or two of (`Соверщенно секретно`): matched
# by similarity, ≥ 0.85 (`Советскому секретарю` scores 0.62 against the first).
_FUZZY = ["Совершенно секретно", "Строго секретно", "Особая папка", "Особой важности", "Для служебного пользования"]
_FUZZY_MIN = 0.85


def _like(line: str, phrase: str) -> bool:
    return SequenceMatcher(None, line.lower().strip(" .,:;"), phrase.lower()).ratio() >= _FUZZY_MIN


def classification(text: str) -> list[str]:
    found: list[str] = []
    for line in text.split("\n"):
        if 6 <= len(line.strip()) <= 40:
            fuzzy = next((p for p in _FUZZY if _like(line, p)), None)
            if fuzzy:
                if fuzzy not in found:
                    found.append(fuzzy)
                continue
        work = line
        for pattern, name in _MARKINGS:
            for m in re.finditer(pattern, work, re.IGNORECASE):
                standalone = len(line) <= _MARKING_LINE_MAX or m.start() < 3
                if name == "Лично" and len(line) > 30:
                    standalone = False
                if standalone and name not in found:
                    found.append(name)
                work = work[: m.start()] + " " * (m.end() - m.start()) + work[m.end():]
    return found


def declassified(text: str) -> bool:
    return any(_DECLASSIFIED.match(line.strip()) or (len(line.strip()) <= 20 and _like(line, "Рассекречено"))
               for line in text.split("\n"))


def registration_number(text: str, layout: Layout | None = None, doc_type: str | None = None) -> str | None:
    """`№ 2997/ш`, `К № 27/5с`: the number the document itself bears, read only where a
    document carries it: beside its own type in the title (`Приказ … № 234`), on a line of
    its own, on the date line or a marking line above the body, or beside the signature.
    Never the collection's item number, a protocol's number in `Из протокола № 137`, an
    incoming stamp's number, a number in the body or in the legend."""
    layout = layout or classify(text)
    head = [line for line in layout.head() if line.kind in ("number", "date", "marking", "header", "heading")]
    closing = [line for line in layout.closing() if line.kind in ("number", "date", "closing")]
    for line in head + closing:
        t = _number_zone(line, doc_type)
        for m in _REG.finditer(t):
            if _not_its_own(line.kind, t[: m.start()]):
                continue
            # `№ 1218/6`: the Cyrillic model's 6 for the letter б after a long number
            number = re.sub(r"(?<=\d{3}/)6$", "б", re.sub(r"\s+", "", m.group("number")))
            if _PROTOCOL_ITEM.fullmatch(number):
                continue  # `№ П44/117`: the Politburo's protocol and item, where a decision stands
            prefix = m.group("prefix")
            return f"{prefix} № {number}" if prefix else f"№ {number}"
    return None


def _number_zone(line: Line, doc_type: str | None) -> str:
    """The part of a line where the document's own number may stand ('' for none)."""
    if line.text.startswith("("):
        return ""  # `(Протокол № 12, п. 4)`: the editor's note of where a decision stands
    if _names_other_document(line.text, doc_type):
        return ""  # `Протокол № 1, п. 15` above a decision: where the decision stands
    if line.kind == "heading":
        # `ПРОТОКОЛ № 14 заседания …`: a protocol's number orders the body's sittings;
        # archivists index it with the protocol, not as a registration number
        return "" if doc_type == "protocol" else _own_type_phrase(title_text(line.text))
    return line.text


def _not_its_own(kind: str, before: str) -> bool:
    """What stands before a `№` that makes the number another's."""
    if kind == "date" and before.strip() and not re.search(r"(?:г\.|года|\d)[\s.,]*$", before):
        return True  # `Оргбюро № 48, п. 12 от 19 июля`: a body's or a protocol's number beside a date
    if kind != "heading" and not _is_heading(before) and (
            REFERENCE_KIND_RE.search(before)  # `см. телеграмму тов. Рощина № 518` cites another document
            or re.search(r"(?:тов\.|[А-ЯЁ][а-яё]+(?:а|у|ым))\s*$", before)):  # `тов. Рощина № 518`
        return True
    return bool(_ARCHIVAL_LEVEL.search(before) or _COPY.search(before))


_QUALIFIER = re.compile(r"\s(?:с|со|на|для)\s", re.IGNORECASE)
# `… Из протокола № 137`: a title naming the document it was taken from (not `путей сообщения`)
_EXTRACT = re.compile(r"\s(?:выписка\s+)?из\s+" + HEADING_TYPE_RE.pattern, re.IGNORECASE)
_PROTOCOL_ITEM = re.compile(r"П\d+/\d+[а-яё]?")


def _names_other_document(line: str, doc_type: str | None) -> bool:
    m = DOC_TYPE_RE.match(line)
    return m is not None and doc_type is not None and heading_type_of(re.sub(r"\s+", " ", m.group(1)).lower()) != doc_type


def _own_type_phrase(title: str) -> str:
    """The part of a title that names the document itself: its type word and what
    qualifies it, up to the subject (`о …`, `«…»`), a sentence's end or a second type
    (`… Из протокола № 137`). Empty when the title names an extract of another document."""
    m = type_word(title)
    # the type opens the title (`Приказ НКВД СССР № 00612`); after `Из`, `Вашу` it names another
    if not m or not re.fullmatch(r"\W*(?:(?:проект|копия|текст)\s+)?", title[: m.start()], re.IGNORECASE):
        return ""
    rest = title[m.end():]
    # the number comes before the subject, before what the order does (`… № 234 с объявлением`)
    # and before a second document the title names (`… Из протокола № 137`)
    stops = [subject_start(rest)] + [x.start() for x in (_QUALIFIER.search(rest), _EXTRACT.search(rest)) if x]
    stop = min(stops)
    return title[: m.end() + stop]


def _is_heading(before: str) -> bool:
    # `Протокол № 70`, `Шифртелеграмма № 2997/ш`: the line opens with the document's own type
    m = DOC_TYPE_RE.match(before)
    return m is not None and not before[m.end():].strip()
