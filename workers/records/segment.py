"""Where the documents of one source begin and end. Pure: the pages' text in, spans out.

Archives scan by file: a delo of a hundred sheets holds dozens of documents, and a
collection prints one after another. Each document has the layout workers/records/layout.py
describes: a head (item number, title, markings, number, date line, address), a body,
then a closing (roles, signatures) and, often, the archival legend and the editor's
apparatus. A document starts where a head opens after the previous document's body:

- what opens it: a collection's item number over a title (`№ 12`), a title naming a
  type (`Телеграмма …`, `Постановление … о …`, `Из письма …`), the correspondents
  (`Шолохов М. А. — Сталину И. В.`), a date line over an address (`23 февраля 1952 г.` /
  `Товарищу …`); after a legend any head line (markings, a date, an address), after a
  signature a head of two lines or more; the more head lines about a title, the surer;
- what closed the one before: its legend or apparatus (strongest), a signature or a role
  below its body, or nothing (its body runs on: weakest);
- the page: a page break or a gap before the line.

The evidence adds up; a start is cut only past SPLIT. Between WARN and SPLIT the pages
stay together and the document says where a start may have been
(`possible_document_start:PAGE:LINE`): cutting a document in two costs more than
leaving two together. A head's own lines above the opener (markings, a number, the item
number) go with the document they head.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from workers.records import archival, morph
from workers.records import text as textmod
from workers.records.dates import find_dates
from workers.records.layout import (
    APPARATUS_RE,
    ENDS_WITH_NAME,
    ITEM_RE,
    LEGEND_RE,
    PUBLICATION_RE,
    STAMP_RE,
    has_verb,
    is_date_line,
    is_heading_line,
    is_prose,
    words,
)
from workers.records.vocabulary import ADDRESS_RE, DOC_TYPE_RE, HEADING_TYPE_RE, MARKING_RE, ROLE_RE


@dataclass(frozen=True, order=True)
class Place:
    """A line of a source: its page (from 1) and its line in that page's text (from 0)."""
    page: int
    line: int


@dataclass
class Span:
    """One document: from its first line to its last (both included)."""
    first: Place
    last: Place
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Line:
    """A line as the writer made it: the scan's lines it was wrapped into joined again."""
    place: Place      # its first line on the page
    last: Place       # its last
    text: str
    kind: str = ""
    after_gap: bool = False  # a blank line or a page break above it
    page_top: bool = False


# Evidence, in points. A typed title after a signed body is 3 + 2; after a legend 3 + 3;
# after a body that runs on, it needs a gap or a page break above it, or a head under it.
SPLIT = 3.5
WARN = 2.5
_OPENS = {"item_title": 4.0, "title": 3.0, "dated_address": 3.0, "correspondents": 2.0, "named_title": 2.0,
          "head_line": 1.0, "head_block": 1.5}
_CLOSED = {"legend": 3.0, "apparatus": 2.0, "signature": 2.0, "closing": 1.0, "body": 0.0}
_PAGE_TOP, _GAP = 1.0, 0.5
_HEAD_AROUND = (0.0, 1.0, 1.5)  # by how many kinds of head line a title has about it
_HEAD_KINDS = {"item", "item_title", "marking", "stamp", "date", "address", "title", "heading"}
_TITLE_MAX = 250


def segment(pages: Sequence[str]) -> list[Span]:
    """The documents of a source whose pages hold these texts, in reading order. A source
    without text is one document; every line with text belongs to exactly one."""
    lines = _lines(pages)
    if not lines:
        last = max(len(pages), 1)
        return [Span(Place(1, 0), Place(last, 0))]
    spans: list[Span] = []
    start = 0          # index in `lines` of the current document's first line
    closed = "head"    # what the current document's last telling line was: head, body, or a _CLOSED key
    last_closing = -1  # index of that line
    warnings: list[str] = []
    for i, line in enumerate(lines):
        opener = _opener(lines, i, closed) if closed != "head" else None
        if opener:
            first = _head_start(lines, last_closing, i, closed)  # the head's lines above the opener are its
            top = lines[first]
            points = (_OPENS[opener] + _CLOSED[closed] + (_PAGE_TOP if top.page_top else _GAP if top.after_gap else 0)
                      + _head_around(lines, first, i))
            if points >= SPLIT:
                spans.append(Span(lines[start].place, lines[first - 1].last, warnings))
                start, closed, warnings = first, "head", []
            elif points >= WARN:
                warnings.append(f"possible_document_start:{top.place.page}:{top.place.line}")
        if closed in ("legend", "apparatus") and not line.after_gap and line.kind in ("body", "closing", "signature"):
            line.kind = closed  # the legend's or the apparatus's paragraph goes on
        closed, last_closing = _after(line, closed, i, last_closing)
    spans.append(Span(lines[start].place, lines[-1].last, warnings))
    return spans


def _after(line: _Line, closed: str, i: int, last: int) -> tuple[str, int]:
    """What the current document's last telling line is once `line` is read."""
    kind = line.kind
    if kind == "body":
        return "body", i
    if closed == "head":
        return closed, last  # a legend or a signature above the body is the head's (a source note)
    if kind in ("legend", "apparatus"):
        return (kind if _CLOSED[kind] >= _CLOSED.get(closed, 0) else closed), i
    if kind in ("signature", "closing") and closed in ("body", "closing"):
        return kind, i
    return closed, last


def _head_start(lines: list[_Line], last_closing: int, opener: int, closed: str) -> int:
    """The first line of the document `opener` opens: head lines above it (the item
    number, markings, an address block) after the previous document's last telling line
    are its; but a date line straight under a signature is that signature's, and so
    are the stamps under them."""
    first = opener
    while first - 1 > last_closing and lines[first - 1].kind in _HEAD_KINDS:
        first -= 1
    if closed in ("signature", "closing") and first - 1 == last_closing:
        while first < opener and lines[first].kind in ("date", "stamp"):
            first += 1  # and the stamps under it (`Расшифровано 13.IX.34 г.`)
    return first


def _opener(lines: list[_Line], i: int, closed: str) -> str | None:
    """How strongly line i opens a document, by what it is and what follows it."""
    line, kind = lines[i], lines[i].kind
    if line.text[:1].islower():
        return None  # a sentence going on, whatever it holds
    if i and lines[i - 1].text.endswith(":"):
        return None  # what a line announces (`Слушали:` / `2. Заявление т. Чичерина …`)
    after = [ln.kind for ln in lines[i + 1: i + 3]]
    if kind == "item":  # a number alone opens nothing: a page number, a speck, a list's
        return "item_title" if after[:1] in (["heading"], ["title"]) else None
    if kind == "item_title":  # `№ 57. Из письма …`; a bare `5. Приказ …` may be a protocol's point
        return kind if re.match(r"\W*(?:№|документ)", line.text, re.IGNORECASE) else "title"
    if kind == "title":
        return kind
    if kind == "heading":
        return "correspondents" if _CORRESPONDENTS.match(line.text) else "named_title"
    # the address may have run into the body's first line where it ended in initials
    if kind == "date" and _address_under(lines, i):
        return "dated_address"
    # after a legend (or the apparatus) nothing of the document before goes on: any head
    # line opens the next (`Совершенно секретно`, `5 мая 1945 г.`, `Товарищу …`); after a
    # signature such a line may still be its own (`Экз. № 2`, `Копия: тов. …`)
    if kind in ("marking", "date", "address") and closed in ("legend", "apparatus"):
        return "head_line"
    # after a signature, a head of its own: two head lines or more, then the body
    # (`Сов. секретно` / `Товарищу Сталину`, an address over a salutation), or a
    # salutation straight over the body (`Товарищ Ким Ир Сен!`)
    if kind in ("marking", "address") and closed in ("signature", "closing") and \
            (_head_block(lines, i) >= 2 or line.text.endswith("!") and _head_block(lines, i) == 1):
        return "head_block"
    return None


def _head_block(lines: list[_Line], i: int) -> int:
    """How many head lines run from line i to the body (0 when no body follows)."""
    for n, line in enumerate(lines[i:i + 6]):
        if line.kind == "body":
            return n
        if line.kind not in _HEAD_KINDS:
            return 0
    return 0


def _address_under(lines: list[_Line], i: int) -> bool:
    """An address under line i, or under the head lines (markings, another date) right
    below it; one that ran into the body's first line where it ended in initials counts."""
    for line in lines[i + 1: i + 3]:
        if line.kind == "address" or ADDRESS_RE.match(line.text):
            return True
        if line.kind not in ("date", "marking", "stamp"):
            return False
    return False


def _head_around(lines: list[_Line], first: int, i: int) -> float:
    """A title with more of a head about it (markings above it, a date line or an address
    under it): the more kinds of head line before the body, the surer the start."""
    if lines[i].kind not in ("item", "item_title", "title", "heading"):
        return 0.0
    kinds = {line.kind for line in lines[first:i]}
    for line in lines[i + 1: i + 5]:
        if line.kind not in _HEAD_KINDS:
            break
        kinds.add(line.kind)
    kinds -= {"title", "heading", "item", "item_title"}
    return _HEAD_AROUND[min(len(kinds), 2)]


# `Шолохов М. А. — Сталину И. В.` (a dash tesseract may read as `~`, `—~`, `–~`)
_CORRESPONDENTS = re.compile(r"^[А-ЯЁ][^\n]{0,80}?\s[—–~-]{1,3}\s[А-ЯЁ][^\n]{0,80}$")


def _lines(pages: Sequence[str]) -> list[_Line]:
    """The pages' lines with text, joined where the scan wrapped them (as textmod.clean
    joins them for the parser), cleaned and classified."""
    width = textmod.measure([ln.strip() for page in pages for ln in page.split("\n")])
    out: list[_Line] = []
    for page_no, text in enumerate(pages, start=1):
        blanks, top = 1, True
        for n, raw in enumerate(text.split("\n")):
            t = " ".join(raw.split())
            if not t:
                blanks += 1
                continue
            # a sentence or a title goes on across a page break, and across one blank line:
            # tesseract puts one inside a paragraph now and then
            prev = out[-1] if out and (blanks <= 1 or top) else None
            gap = blanks > 0
            if prev and (width and textmod.continues(prev.text, t, width) or _NUMBER_DUE.search(prev.text)
                         and t[:1].isdigit()):
                prev.text, prev.last = f"{prev.text} {t}", Place(page_no, n)
            else:
                out.append(_Line(Place(page_no, n), Place(page_no, n), t, after_gap=gap, page_top=top))
            blanks, top = 0, False
    for line in out:
        line.kind = kind_of(textmod.clean(line.text))
    return out


def kind_of(t: str) -> str:
    """A line's kind as it reads alone (layout.classify reads it in its document's context).
    title: a heading naming its type first; heading: another heading (correspondents, a
    type further in); the rest as in layout.py, with signature for a name or role line."""
    if _CONTINUED.match(t):
        return "body"  # `Продолжение записи беседы`: the document before goes on
    item = ITEM_RE.match(t)
    if item and item.end() >= len(t.rstrip(". ")):
        return "item"
    if LEGEND_RE.search(t) or _COPY_KIND.fullmatch(t) or _NOTE.match(t) or \
            not is_prose(t) and archival.find_references(t):
        return "legend"
    if APPARATUS_RE.match(t) or PUBLICATION_RE.search(t) or _PUBLISHED_IN.search(t):
        return "apparatus"
    ws = words(t)
    rest = t[item.end():] if item else t  # `№ 57. Из письма …`
    rest_words = words(rest)
    # a title has no verb, its first word included (`Направляю записку …` is a sentence)
    if len(t) <= _TITLE_MAX and rest.lstrip("«\"“(")[:1].isupper() and not t.endswith((",", "!")) \
            and not has_verb([w.lower() for w in rest_words[:1]] + rest_words[1:]):
        # a type word further in names the document too (`Из письма …`, `Проект постановления`);
        # first, in another case than the nominative, it is a sentence's (`Постановлением ГКО …`)
        if DOC_TYPE_RE.match(rest) or _CORRESPONDENTS.match(rest) or _LATIN_TITLE.match(rest) or \
                is_heading_line(rest) and HEADING_TYPE_RE.search(" ".join(rest.split()[1:3])):
            if item:
                return "item_title"
            return "title" if DOC_TYPE_RE.match(rest) else "heading"
    if MARKING_RE.search(t) and len(t) <= 80:
        return "marking"
    if STAMP_RE.match(t):
        return "stamp"  # `Отправлено 13.6.51 г. 02 час. 40 мин.`: the head's, or the closing's
    if is_date_line(t, len(find_dates(t))) or _TOWN.fullmatch(t):
        return "date"  # the place goes with the date: `12.05.1938` / `г. Воронеж`
    if (address := ADDRESS_RE.match(t)) and not is_prose(t[address.end():]):
        return "address"
    if t.endswith("!") and len(ws) <= 6:
        return "address"  # a salutation
    if _addressed(t, ws):
        return "address"
    if is_prose(t):
        return "body"
    if ROLE_RE.match(t) and ws and _dative(ws[0]):
        return "address"  # `Председателю Совета Министров Союза ССР`: to whom, not who signs
    if ROLE_RE.match(t) or ENDS_WITH_NAME.search(t) or _SURNAME_SIGNED.fullmatch(t):
        return "signature"
    return "closing"


def _dative(word: str) -> bool:
    return "datv" in morph.parses(word)[0].tag


def _addressed(t: str, ws: list[str]) -> bool:
    """A line of an address block that may read as a sentence ending in initials or as a
    signature: to whom (`Заместителю председателя КПК тов. ШКИРЯТОВУ М.Ф.`), to which body (`В Комиссию
    партийного контроля при ЦК ВКП(б)`), from whom (`от бывшего члена ВКП(б) Полякова …`)."""
    if not ws or has_verb(ws):
        return False
    to_whom = _TO_WHOM.search(t)
    if to_whom and len(ws) <= 14 and (_dative(to_whom.group(1).lower()) or ws[0][0].isupper() and _dative(ws[0])):
        return True  # also `МОСКВА, КРЕМЛЬ, ТОВ. СТАЛИНУ`
    if _TO_BODY.match(t) and len(ws) <= 10 and not t.endswith("."):
        return True
    return bool(_FROM.match(t)) and len(ws) <= 40


_TO_WHOM = re.compile(r"(?:^|[\s,.(])(?:[Тт]оварищ(?:у|ам)|ТОВАРИЩУ|[Тт]ов\.|ТОВ\.|т\.\s?т\.|тт\.|т\.)\s*([А-ЯЁ][А-ЯЁа-яё-]+)")
_TO_BODY = re.compile(r"В\s+(?:[А-ЯЁ][а-яё]+|[А-ЯЁ]{2,})")  # `В Комиссию …`, `В ЦК …`
_FROM = re.compile(r"от\s+(?:гр\.|граждан|бывш|член|рабоч|колхозни|крестьян|служащ|студент|учител|[А-ЯЁ])")


# the editor's note of what is written on the document (`На документе резолюция: …`,
# `В левом верхнем углу помета …`): the legend's, not a title
_NOTE = re.compile(r"\W*(?:на\s+(?:первом\s+листе\s+|полях\s+|обороте\s+)?(?:документе|заявлении|письме|записке"
                   r"|телеграмме|тексте|бланке|обложке|конверте|справке|шифровке|подлиннике|копии|полях|обороте)"
                   r"(?![а-яё])|(?:в\s+)?(?:левом|правом)\s+(?:верхнем|нижнем)\s+углу)", re.IGNORECASE)
# a line that ends waiting for its number (`… М., 2004. С.` / `211.`, `Д. 48. Л.` / `3—4 об.`)
_NUMBER_DUE = re.compile(r"(?<![А-ЯЁа-яё])(?:С|Л|Т|Д|Оп|Ф|Кн|Вып|№)\.?$")
_TOWN = re.compile(r"г\.\s?[А-ЯЁ][а-яё]+(?:-[А-ЯЁа-яё]+)?\.?")
# where a collection was published: `Документы внешней политики. 1939 год. Т. XXII. М., 1992.`
_PUBLISHED_IN = re.compile(r"(?<![А-ЯЁа-яё])(?:М|Л|СПб|Киев|Минск|Новосибирск|Нью-Йорк)\.?,\s*(?:18|19|20)\d\d(?!\d)")
# what the copy is, alone on a line: the legend's last words (`Заверенная копия.`)
_COPY_KIND = re.compile(r"\W*(?:(?:заверенная|машинописная|рукописная)\s+)?(?:копия|подлинник|автограф|отпуск)"
                        r"(?:[.,]\s*(?:машинопись|рукопись|автограф)?)?\.?", re.IGNORECASE)


# a translation's title, as English-language collections give it
_LATIN_TITLE = re.compile(r"(?:record\s+of\s+(?:a\s+)?conversation|(?:ciphered\s+)?telegram|letter|memorandum"
                          r"|report|resolution|decree|directive|minutes|protocol|note|cable)\b", re.IGNORECASE)
_CONTINUED = re.compile(r"\W*(?:продолжение|окончание)(?![а-яё])", re.IGNORECASE)
# `Сталин.`, `И. Стал.`, `Мао Цзэдун`, `ШТЫКОВ`: a signature line with no role
_SURNAME_SIGNED = re.compile(r"(?:[А-ЯЁ]\.\s?){0,2}[А-ЯЁ](?:[а-яё]+|[А-ЯЁ]+)\.?(?:\s[А-ЯЁ](?:[а-яё]+|[А-ЯЁ]+)\.?)?")


def cut(pages: Sequence[str], span: Span) -> list[tuple[int, str]]:
    """The span's part of each page it covers, as (page number, text)."""
    out = []
    for number in range(span.first.page, span.last.page + 1):
        lines = pages[number - 1].split("\n")
        start = span.first.line if number == span.first.page else 0
        end = span.last.line + 1 if number == span.last.page else len(lines)
        out.append((number, "\n".join(lines[start:end])))
    return out
