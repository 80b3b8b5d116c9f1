"""Other documents a text cites: `см. телеграмму тов. Рощина № 518`,
`Вашу телеграмму от 21 февраля`, `письмо от 26 апреля`."""

from __future__ import annotations

import re
from typing import Any

from workers.records import morph
from workers.records.dates import find_dates
from workers.records.vocabulary import DOC_TYPE_RE, REFERENCE_KIND_RE, REFERENCE_KINDS, reference_kind_of

_WINDOW = 90
_AUTHOR = re.compile(r"^\s*(?:тов\.|товарища|т\.)\s*((?:[А-ЯЁ]\.\s?){0,2}[А-ЯЁ][а-яё]+(?:\s+[А-ЯЁ][а-яё]+)?)")
_NUMBER = re.compile(r"^.*?№\s*(\d[\dА-Яа-яA-Za-z/-]*)", re.S)
# where what a citation says ends: a sentence (not the period of `тов.` or an initial),
# a bracket, a blank line, or the next document cited
_SCOPE_END = re.compile(
    r"(?<!тов)(?<![А-ЯЁ])\.\s|[;!?()]|\n\s*\n|(?<![а-яёА-ЯЁ])(?i:"
    + "|".join(p for p, _ in REFERENCE_KINDS) + r")")
_DATE_AFTER_OT = re.compile(r"^[^.;!?]*?(?<![а-яё])от\s+$", re.IGNORECASE)


def find_references(text: str, doc_year: int | None, skip_until: int = 0) -> list[dict[str, Any]]:
    """References after `skip_until` (the heading, which names the document itself)."""
    dates = find_dates(text)
    refs = []
    for m in REFERENCE_KIND_RE.finditer(text, skip_until):
        heading = DOC_TYPE_RE.match(text, text.rfind("\n", 0, m.start()) + 1)
        if heading and heading.start(1) == m.start():
            continue  # a type word opening a line heads this document (`Решение от 24.III.50`)
        after = text[m.end(): m.end() + _WINDOW]
        scope = _SCOPE_END.split(after, maxsplit=1)[0]
        author = None
        raw_end = m.end()
        a = _AUTHOR.match(scope)
        if a:
            raw_end = m.end() + a.end()
            words = re.sub(r"^(?:[А-ЯЁ]\.\s?)+", "", a.group(1)).split()
            author = " ".join([*(morph.title(w) for w in words[:-1]), morph.nominative(words[-1], "gent")])
        n = _NUMBER.match(scope)
        number = n.group(1).rstrip(".,") if n else None
        if n:
            raw_end = m.end() + n.end()
        date = None
        for d in dates:
            if m.end() <= d.start < m.end() + len(scope) and _DATE_AFTER_OT.match(text[m.end(): d.start]):
                date = d.iso(doc_year)
                raw_end = max(raw_end, d.end)
                break
        if not (author or number or date):
            continue
        refs.append({
            "kind": reference_kind_of(m.group(0)),
            "number": number,
            "author": author,
            "date": date,
            "raw": re.sub(r"\s+", " ", text[m.start(): raw_end]).strip(" ,()"),
        })
    return refs
