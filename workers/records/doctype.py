"""The document's type and title, from its heading: a type word opening one of the
first lines (`ТЕЛЕГРАММА`, `Шифртелеграмма № 2997/ш`, `Постановление Политбюро ЦК ...`).
A text with no heading has no type: a salutation is not evidence of a letter."""

from __future__ import annotations

import re

from workers.records.vocabulary import DOC_TYPE_RE, doc_type_of

HEADING_LINES = 8
_CIPHER = re.compile(r"шифр", re.IGNORECASE)


def heading(text: str) -> tuple[int, re.Match] | None:
    """(line index, match) of the heading line, if the text has one."""
    seen = 0
    for i, line in enumerate(text.split("\n")):
        if not line.strip():
            continue
        m = DOC_TYPE_RE.match(line)
        if m and len(line) <= 250:  # a heading, not a paragraph that opens with `Решение`
            return i, m
        seen += 1
        if seen >= HEADING_LINES:
            break
    return None


def document_type(text: str) -> tuple[str | None, str | None, str | None]:
    """(type, the words that gave it, title)."""
    found = heading(text)
    if not found:
        return None, None, None
    i, m = found
    line = text.split("\n")[i].strip()
    raw = m.group(1)
    kind = doc_type_of(re.sub(r"\s+", " ", raw))
    header = "\n".join(text.split("\n")[: i + HEADING_LINES])
    if kind == "telegram" and _CIPHER.search(header):
        kind = "ciphered_telegram"
    return kind, raw, line.rstrip(" .")
