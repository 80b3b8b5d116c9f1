"""The document's type and title, from its title lines: a type word in any case form
among a title's first words (`Приказ Народного комиссара …`, `Из письма …`, `Записка
Н.И. Ежова И.В. Сталину о …`) or opening a header line (`Сов. секретно` / `ДОКЛАДНАЯ
ЗАПИСКА`). A type word after the subject (`… о решении …`) is the subject, not the type.
A text with no title has no type: a salutation is not evidence of a letter."""

from __future__ import annotations

import re

from workers.records.layout import Layout, Line, classify, title_text
from workers.records.vocabulary import DOC_TYPE_RE, HEADING_TYPE_RE, TITLE_SUBJECT_RE, heading_type_of

_CIPHER = re.compile(r"шифр", re.IGNORECASE)
_TYPE_WITHIN = 60      # characters: a title names its type among its first words
_TYPE_LINE_WITHIN = 4  # lines with text past the body's start where a type may still stand alone


def subject_start(title: str) -> int:
    """Where a title's subject begins (its length when it states none)."""
    m = TITLE_SUBJECT_RE.search(title)
    return m.start() if m else len(title)


def type_word(title: str) -> re.Match[str] | None:
    """The type word naming the document a title line heads, if it names one."""
    m = HEADING_TYPE_RE.search(title)
    if not m or m.start() > _TYPE_WITHIN or TITLE_SUBJECT_RE.search(title[: m.start()]):
        return None
    return m


def heading(layout: Layout) -> tuple[Line, re.Match[str]] | None:
    """The title line and its type word: the first line above the body that names a type."""
    for line in layout.head():
        if line.kind in ("heading", "header", "marking", "date"):
            m = type_word(title_text(line.text))
            if m and (line.kind in ("heading", "date") or m.start() == 0):
                return line, m
    # `ЗАЯВЛЕНИЕ` standing alone below an address block that runs into prose
    near = [x for x in layout.lines[layout.body_start:] if x.kind != "blank"][:_TYPE_LINE_WITHIN]
    for line in layout.head() + near:
        m = DOC_TYPE_RE.match(line.text)
        if m and not line.text[m.end():].strip(" .") and (word := HEADING_TYPE_RE.search(line.text)):
            return line, word
    return None


def document_type(text: str, layout: Layout | None = None) -> tuple[str | None, str | None, str | None]:
    """(type, the words that gave it, title)."""
    layout = layout or classify(text)
    found = heading(layout)
    if not found:
        return None, None, None
    line, m = found
    title = title_text(line.text)
    raw = re.sub(r"\s+", " ", m.group(0))
    kind = heading_type_of(raw.lower())
    if m.start() >= 2 and re.search(r"(?:выписка\s+)?из\s+$", title[: m.start()], re.IGNORECASE):
        raw = title[: m.end()]
    header = "\n".join(x.text for x in layout.head())
    if kind == "telegram" and _CIPHER.search(header):
        kind = "ciphered_telegram"
    return kind, raw, title.rstrip(" .")
