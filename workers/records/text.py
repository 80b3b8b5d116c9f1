"""Cleaning OCR and transcription noise before any field is read.

Everything downstream reads the cleaned text, so each fix lives here once:
Latin look-alikes inside Cyrillic words (and the reverse), digits for letters,
the typewriter's Latin N (read by tesseract as `М`, `М№` or `№`) and a printed `№` (read by
the Cyrillic model as `ж` or `е`) before a number, `З` for 3 in dates, an editor's
brackets and glued footnote numbers, letter-spaced names, `//` page-break marks, words
hyphenated across a line break, a scan's stray specks, and lines a scan wrapped at the
page's width joined again.
"""

from __future__ import annotations

import re

from workers.records import morph
from workers.records.dates import MONTH_WORD

_LAT = "AaBCcEeHKkMOoPpTXxyr"
_CYR = "АаВСсЕеНКкМОоРрТХхуг"
_TO_CYR = str.maketrans(_LAT, _CYR)
_TO_LAT = str.maketrans(_CYR[:-2], _LAT[:-2])  # у and г have no Latin twin worth mapping back
_CYR_RE = re.compile(r"[А-Яа-яЁё]")
_LAT_RE = re.compile(r"[A-Za-z]")
_TOKEN = re.compile(r"[^\s.,;:!?()«»\"“”„'/\\]+")
_DIGIT_AS_LETTER = str.maketrans({"0": "о", "3": "з", "6": "б"})


def _fix_token(m: re.Match[str]) -> str:
    tok = m.group(0)
    cyr, lat = len(_CYR_RE.findall(tok)), len(_LAT_RE.findall(tok))
    if cyr and lat:
        tok = tok.translate(_TO_CYR) if cyr >= lat else tok.translate(_TO_LAT)
    if cyr >= 3 and re.search(r"(?<=[а-яё])[036](?=[а-яё])", tok):
        # a digit between lowercase Cyrillic letters is a misread letter: кн0га
        tok = re.sub(r"(?<=[а-яё])[036](?=[а-яё])", lambda d: d.group(0).translate(_DIGIT_AS_LETTER), tok)
    return tok


def _join_hyphenated(m: re.Match[str]) -> str:
    head, tail = m.group(1), m.group(2)
    joined = head + tail
    return joined if morph.known(joined) else f"{head}-{tail}"


def clean(text: str) -> str:
    text = text.replace("\u00ad", "").replace("\u00a0", " ").replace("\u2009", " ").replace("\r\n", "\n")
    text = text.replace("\f", "\n\n")  # a page break ends a paragraph
    # an editor's brackets inside a word restore letters (`О[собой] п[апки]`); a bracketed
    # number glued to a word is a footnote mark (`Вышинского[1].`)
    text = re.sub(r"(?<=[А-Яа-яЁё])\[([а-яё]+)\]", r"\1", text)
    text = re.sub(r"(?<=\S)\[\d{1,3}\]|(?<=[а-яё.])\*+(?=[\s.,;:]|$)", "", text, flags=re.M)
    # a footnote number glued to the end of a lowercase word (`принять1 меня`, `мер53.`,
    # `1933 г.1`): no Russian word ends in a digit
    text = re.sub(r"(?<=[а-яё]{2})\d{1,3}(?=[\s.,;:!?)»]|$)|(?<= г\.)\d(?=\s|$)", "", text, flags=re.M)
    text = _TOKEN.sub(_fix_token, text)
    # `1949 r.` (a Latin r for г) after a year
    text = re.sub(r"(?<=\d)(\s*)r\.", r"\1г.", text)
    # the typewriter's N before a number: tesseract reads a lone `М`, `№`, or (Cyrillic model) `М№`
    text = re.sub(r"(?<![\w.])(?:N[oO°º]?\.?|М?№|М)[ \t]*\n?[ \t\n]*(?=\d)", "№ ", text)
    # `З сентября`, `8.V.ЗЗ г.`: a Cyrillic З read (or typed) for the digit 3 in a date
    text = re.sub(rf"(?<![\w.])(?=[\dЗ]{{0,1}}З)[\dЗ]{{1,2}}(?=\s+{MONTH_WORD})", lambda m: m.group(0).replace("З", "3"),
                  text, flags=re.IGNORECASE)
    text = re.sub(r"(\d\.[IVXІТПШУ]{1,4}\.)(?=[\dЗ]{0,3}З)([\dЗ]{2,4})(?![\w])",
                  lambda m: m.group(1) + m.group(2).replace("З", "3"), text)
    # `0 4427/о` alone on a line: a printed `№` read as a zero
    text = re.sub(r"(?m)^[ \t]*[0О][ \t]+(?=\d+(?:/[\wА-Яа-я]+)?[ \t]*$)", "№ ", text)
    # a printed `№` the Cyrillic model reads as a lone `ж` or `е`: neither is a word before a number
    text = re.sub(r"(?<![\w.,])[жЖеЕ][ \t]?(?=\d)", "№ ", text)
    # `А .ВЫШИНСКИЙ`: tesseract's stray space inside an initial
    text = re.sub(r"(?<![\w.])([А-ЯЁ])\s+\.(?=\s?[А-ЯЁ])", r"\1.", text)
    # `Мао .Цзэдун`: a speck read as a period before a name's second word
    text = re.sub(r"(?<=[а-яё])\s+\.(?=[А-ЯЁ][а-яё])", " ", text)
    # `ВКП (6)`: the party's (б) as tesseract often reads it
    text = re.sub(r"ВКП\s*\((?:6|б)\)", "ВКП(б)", text)
    # `Ф и л и п п о в`, `К. В о р о ш и л о в`: a name typed letter-spaced
    text = re.sub(r"(?<![А-Яа-яЁё.])((?:[А-ЯЁа-яё] ){3,}[А-ЯЁа-яё])(?![А-Яа-яЁё])", lambda m: m.group(1).replace(" ", ""), text)
    # `//` marks a page break in transcriptions (keep `://` in addresses)
    text = re.sub(r"(?<!:)//+", " ", text)
    # a word hyphenated across a line break: пред-\nложение
    text = re.sub(r"(?<![А-Яа-яЁё])([А-Яа-яЁё]{2,})[-¬]\n[ \t]*([а-яё][А-Яа-яЁё]*)", _join_hyphenated, text)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"(?m)[ \t]+[|_~]+[ \t]*$", "", text)  # a scan's stray rule or speck after a line
    return _unwrap([line.strip() for line in text.split("\n")])


# A scan's lines break where the page ends, not where the writer did: a line filling the
# measure of the text, followed by one that carries on the sentence (lowercase), is one
# line with it. Transcripts keep a paragraph to a line: their measure is far wider.
_MEASURE_LINES = 6
_MEASURE_MAX = 110
_FULL = 0.7


# a line cannot end on an initial or a preposition (`… А.Г. Зверева И.В.` / `Сталину о …`),
# nor a date between its day and month (`№ 1317 12` / `мая 1948 г.`)
_CANNOT_END = re.compile(r"\s(?:в|во|и|о|об|по|на|с|со|к|для|от|из|при|за|у)$")
_INITIAL_END = re.compile(r"\s[А-ЯЁ]\.$")
_MONTH_START = re.compile(MONTH_WORD, re.IGNORECASE)


def continues(prev: str, line: str, width: int) -> bool:
    """Whether `line` carries on the sentence or title `prev` broke off."""
    return (line[:1].islower() and len(prev) >= _FULL * width and not re.search(r"[.!?:;»\"”]$", prev)
            or bool(_CANNOT_END.search(prev))
            or bool(_INITIAL_END.search(prev)) and bool(re.match(r"[А-ЯЁ][а-яё]", line))
            or bool(re.search(r"\s\d{1,2}$", prev)) and bool(_MONTH_START.match(line)))


def measure(lines: list[str]) -> int | None:
    """The width a scan's lines fill, when they look wrapped at a page's width."""
    lengths = sorted(len(line) for line in lines if line)
    if len(lengths) < _MEASURE_LINES:
        return None
    width = lengths[int(len(lengths) * 0.9) - 1]
    return width if width <= _MEASURE_MAX else None


def _unwrap(lines: list[str]) -> str:
    width = measure(lines)
    if width is None:
        return "\n".join(lines)
    out: list[str] = []
    for line in lines:
        prev = out[-1] if out else ""
        if not line and _CANNOT_END.search(prev):
            continue  # a blank line the scan put inside a title cut after `в`: the title goes on
        if line and prev and continues(prev, line, width):
            out[-1] = prev + " " + line
        else:
            out.append(line)
    return "\n".join(out)
