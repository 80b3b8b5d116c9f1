"""Every line of a text classified once, so that each field is read from the lines of
its kind rather than from wherever a pattern first matches.

A Soviet document, as archives hold it and as collections republish it, is laid out in
the same order: a heading (the publisher's title, often opening with the collection's
item number), the document's own header (markings, number, date line, address block,
salutation), the body, a closing (roles, signatures, a number or date beside them), and
after it the archival legend and the editor's apparatus (sources, footnotes, notes on the
copy). The zones follow from where the body starts and ends.

Kinds: blank, item (the collection's item number), heading, marking, stamp (decryption,
receipt, incoming number), date, number, address, salutation, body, closing (a short line
below the body: a role, a name), header (the same above it), legend, apparatus.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from workers.records import morph
from workers.records.dates import MONTH_WORD, DateMatch, find_dates
from workers.records.vocabulary import ADDRESS_RE, ADDRESS_WORD_RE, DOC_TYPE_RE, HEADING_TYPE_RE, MARKING_RE, ROLE_RE

_WORD = re.compile(r"[А-Яа-яЁёA-Za-z]{2,}")
# `№ 57.` / `57.` / `Документ № 57` opening a text: the collection numbers its items
ITEM_RE = re.compile(r"^(?:документ\s+)?(?:№{1,2}\s*)?\d{1,4}\s*\.?\s*(?=$|[А-ЯЁA-Z«\"])", re.IGNORECASE)
STAMP_RE = re.compile(
    r"^\W*(?:расшифрован|получен|поступил|отправлен|передан[ао]?\s+по|вх(?:одящий|\.)"
    r"|зарегистрирован|принят[ао]?\s+(?:по|в)|доложено|разослано|рассылка|резолюция\s*:|виза|помета)",
    re.IGNORECASE)
APPARATUS_RE = re.compile(
    r"^\W*(?:источник|опубликован|публикуется|печатается|впервые|примечани|комментари|см\.\s|ср\.\s"
    r"|\[\d+\]|\d{1,2}\s*\)?\s*[А-ЯЁ][а-яё]+\s+(?:напечатан|вписан|подчеркнут)|вверху|внизу|на\s+(?:полях|обороте|первом)"
    r"|в\s+(?:левом|правом|верхнем|нижнем)|сверху|снизу|текст\s+(?:документа|вписан)|подпись\s*[-—]\s*автограф)",
    re.IGNORECASE)
# `С. 46.`, `Т. 17.`, `2004. С. 67.`: a book's page, the sign of a publication reference
PUBLICATION_RE = re.compile(
    r"(?:^|[\s.,])(?:С|Т|Вып)\.\s*\d+(?:\s*[-–—]\s*\d+)?\.?\s*$|\b(?:19|20)\d\d\.\s*С\.\s*\d"
    r"|[–—]\s*(?:Т|Кн|Вып)\.\s*\d+\.|(?<![а-яё])Соч(?:инения|\.)\s")
LEGEND_RE = re.compile(
    r"(?:(?<![\w])(?:Фф|Ф|ф|F|f|Фонд|фонд)\.?\s*(?:№\s*)?[\dА-ЯA-Z][\w-]*[\s.,;:]+(?:Оп|оп|Op|op|Опись|опись|Д|д|D|d)[.,]?\s*(?:№\s*)?\d)"
    r"|^\W*(?:Л|Лл|л|лл)\.\s*\d+(?:\s*(?:об\.?|[-–—]\s*\d+))*\.?\s*(?:[А-ЯЁ][а-яё]+\.?\s*){0,3}$")
_DATE_FILLER = {"г", "гг", "года", "год", "от", "без", "даты", "москва", "кремль", "дня", "числа"}
_PROSE_MIN_WORDS = 4


@dataclass
class Line:
    n: int          # index among the text's lines
    start: int      # offset of the line in the text
    text: str
    kind: str = "body"

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass
class Layout:
    lines: list[Line]
    body_start: int   # index of the first body line (len(lines) when there is none)
    body_end: int     # index after the last body line
    _starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._starts = [line.start for line in self.lines]

    def head(self) -> list[Line]:
        """The lines before the body: heading and the document's own header."""
        return [line for line in self.lines[: self.body_start] if line.kind != "blank"]

    def closing(self) -> list[Line]:
        """The lines after the body up to the legend or the apparatus."""
        out = []
        for line in self.lines[self.body_end:]:
            if line.kind in ("legend", "apparatus"):
                break
            if line.kind != "blank":
                out.append(line)
        return out

    def line_at(self, offset: int) -> Line:
        """The line that holds a character offset of the text."""
        return self.lines[max(0, bisect_right(self._starts, offset) - 1)]


def title_text(text: str) -> str:
    """A title without the collection's item number opening it (`№ 38. Из письма …`)."""
    m = ITEM_RE.match(text.strip())
    return text.strip()[m.end():] if m else text.strip()


def words(text: str) -> list[str]:
    return _WORD.findall(text)


_LONG_LINE_WORDS = 10
_CLOSING_WORDS = 6
ENDS_WITH_NAME = re.compile(r"(?:[А-ЯЁ]\.\s?){1,2}[А-ЯЁ][а-яёА-ЯЁ-]+\.?$")


def is_prose(text: str) -> bool:
    """A sentence of the body rather than a title, a name or a date: several words, some
    of them lowercase, and a verb among them or too many words for a title or a role
    (`Полпред ВЧК по Тамбовской губ. Рудаков` has none), or a line ending a sentence."""
    ws = words(text)
    lower = sum(1 for w in ws if w[0].islower())
    if lower < 2 or len(ws) <= _CLOSING_WORDS and ENDS_WITH_NAME.search(text):
        return False  # `Крепко жму руку. П. Соколов`: a closing, whatever verb it holds
    if len(ws) >= _PROSE_MIN_WORDS and (len(ws) >= _LONG_LINE_WORDS or has_verb(ws)):
        return True
    return len(ws) >= 3 and text.rstrip().endswith((".", ":", ";", ",")) and not re.search(r"\s[А-ЯЁ][а-яё]+\.?$", text)


def has_verb(ws: list[str]) -> bool:
    return any(morph.parses(w)[0].tag.POS in _VERBISH for w in ws if w[0].islower() and len(w) > 2)


_VERBISH = {"VERB", "INFN", "PRTS", "GRND", "PRED"}


def is_date_line(text: str, dates_on_line: int) -> bool:
    """A line that is a date, perhaps with a place or a number: `Москва, 13 июля 1941 г. № 234`."""
    if not dates_on_line or text.rstrip().endswith(":") or re.search(r"(?<![а-яё])на\s+\d", text, re.IGNORECASE):
        return False  # `Состояло на 1 января 1940 г.:` dates the figures, not the document
    rest = re.sub(r"№\s*\S+", " ", text)
    ws = [w for w in words(rest) if w.lower() not in _DATE_FILLER and not _is_month(w)]
    return len(ws) <= 2 and not has_verb(ws)


_MONTH = re.compile(MONTH_WORD, re.IGNORECASE)


def _is_month(word: str) -> bool:
    return bool(_MONTH.fullmatch(word.lower()) or _MONTH.fullmatch(word.lower() + "."))


def is_heading_line(text: str) -> bool:
    """A title: a type word among its first words, `Молотов — Сталину`, or capitals."""
    if HEADING_TYPE_RE.search(" ".join(text.split()[:8])):
        return True
    if re.match(r"^[А-ЯЁ][^\n]{0,80}?\s[—–-]\s[А-ЯЁ]", text) and not text.rstrip().endswith("!"):
        return True
    letters = re.sub(r"[^А-Яа-яЁё]", "", text)
    return len(letters) >= 12 and letters.isupper()


# Where a title goes on in a line of its own: `СПРАВКА` / `о численности заключенных …`
_SUBJECT_LINE = re.compile(r"(?:о|об|по|на|с)\s")
_YEAR_LINE = re.compile(r"\[?(?:1[89]\d\d)\s*(?:г\.|год)?\]?\.?")  # `1929 г.`, `[1947 г.]`
_NUMBER_LINE = re.compile(r"(?:[А-ЯA-Z]{1,3}\s*)?№\s*\S+\.?")
_ROLE_WORDS_MAX = 14  # a role runs to a dozen words (`Зам. народного комиссара … Союза ССР`)
_HEADING_MAX = 250     # characters: a title, not a paragraph that opens with `Решение`
_MARKING_MAX = 80
_SALUTATION_WORDS = 6


def classify(text: str, dates: list[DateMatch] | None = None) -> Layout:
    dates = find_dates(text) if dates is None else dates
    date_starts = [d.start for d in dates]
    lines, pos = [], 0
    for i, t in enumerate(text.split("\n")):
        lines.append(Line(i, pos, t))
        pos += len(t) + 1
    titled: list[str] = []  # kinds of the lines with text so far, the item number left out
    legend_seen = seen_body = seen_text = False
    for line in lines:
        t = line.text.strip()
        if not t:
            line.kind = "blank"
            continue
        on_line = bisect_right(date_starts, line.end - 1) - bisect_right(date_starts, line.start - 1)
        title_place = len(titled) <= 1 and all(k == "heading" for k in titled)
        item = ITEM_RE.match(t) if not seen_text else None
        seen_text = True
        if item and (item.end() >= len(t.rstrip(". ")) or is_heading_line(t[item.end():])):
            line.kind = "item" if item.end() >= len(t.rstrip(". ")) else "heading"
        elif LEGEND_RE.search(t):
            line.kind = "legend"
            legend_seen = True
        elif APPARATUS_RE.match(t) or PUBLICATION_RE.search(t) or (legend_seen and t.startswith(("-", "—", "–"))):
            line.kind = "apparatus"
        elif DOC_TYPE_RE.match(t) and len(t) <= _HEADING_MAX and not seen_body:
            line.kind = "heading"
        elif STAMP_RE.match(t):
            line.kind = "stamp"
        elif MARKING_RE.search(t) and len(t) <= _MARKING_MAX:
            line.kind = "marking"
        elif title_place and is_heading_line(t) and (re.search(r"\s[—–-]\s", t) or not is_date_line(t, on_line)
                                                     and not (has_verb(words(t)) and t.endswith("."))):
            line.kind = "heading"
        elif is_date_line(t, on_line) or _YEAR_LINE.fullmatch(t):
            line.kind = "date"
        elif _NUMBER_LINE.fullmatch(t):
            line.kind = "number"
        elif (address := ADDRESS_RE.match(t)) and not is_prose(t[address.end():]):
            line.kind = "salutation" if t.endswith("!") else "address"
        elif t.endswith("!") and len(words(t)) <= _SALUTATION_WORDS:
            line.kind = "salutation"
        elif ADDRESS_WORD_RE.search(t) and not seen_body and not is_prose(t):
            line.kind = "address"
        elif ROLE_RE.match(t) and len(words(t)) <= _ROLE_WORDS_MAX and not re.search(r"[,:;!?]|[а-яё]{4,}[.!?]\s", t):
            line.kind = "closing"
        elif not seen_body and _SUBJECT_LINE.match(t) and titled and titled[-1] == "heading":
            line.kind = "heading"
        elif is_prose(t):
            line.kind = "body"
            seen_body = True
        else:
            line.kind = "closing"  # a short line: a name, a role, a place; where it stands decides
        if line.kind != "item":
            titled.append(line.kind)
    body = [line.n for line in lines if line.kind == "body"]
    body_start = body[0] if body else len(lines)
    body_end = body[-1] + 1 if body else len(lines)
    for line in lines[:body_start]:
        if line.kind == "closing":
            line.kind = "header"  # a short line above the body: an address, a place, a title's end
    return Layout(lines, body_start, body_end)

