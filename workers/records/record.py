"""Text in, the `record` object of delo.record/1 out. Pure: no I/O, no global state
beyond the cached dictionaries and models."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

from workers.records import archival, dates, doctype, entities, markings, persons, references
from workers.records import text as textmod
from workers.records.layout import Layout, classify
from workers.records.vocabulary import DOC_TYPE_RE, REFERENCE_KIND_RE


def parse_record(raw_text: str, *, with_entities: bool = True) -> dict[str, Any]:
    text = textmod.clean(raw_text)
    found_dates = dates.find_dates(text)
    layout = classify(text, found_dates)
    head = doctype.heading(layout)
    doc_type, doc_type_raw, title = doctype.document_type(text, layout)

    own = _document_date(text, found_dates, layout)
    doc_year = own.year if own else None
    mentioned, seen = [], {own.iso() if own else None}
    for d in found_dates:
        if d is own:
            continue
        iso = d.iso(doc_year)
        key = iso or d.raw
        if key in seen:
            continue
        seen.add(key)
        mentioned.append({"date": iso, "raw": d.raw})

    refs = archival.find_references(text)
    heading_end = head[0].end if head else 0
    return {
        "document_type": doc_type,
        "document_type_raw": doc_type_raw,
        "title": title,
        "date": own.iso() if own else None,
        "date_raw": own.raw if own else None,
        "dates_mentioned": mentioned,
        "classification": markings.classification(text),
        "declassified": markings.declassified(text),
        "registration_number": markings.registration_number(text, layout, doc_type),
        "addressees": persons.addressees(text, layout),
        "signatories": persons.signatories(text, layout),
        "archival_references": refs,
        "references": references.find_references(text, doc_year, heading_end),
        "entities": entities.find_entities(text, layout) if with_entities
        else {"persons": [], "locations": [], "organizations": []},
        "citation": archival.citation(refs[0] if refs else None),
    }


def _cites(text: str, d: dates.DateMatch) -> bool:
    """`Ваше письмо от 26 апреля`: a date of another document, not of this one."""
    line_start = text.rfind("\n", 0, d.start) + 1
    if DOC_TYPE_RE.match(text, line_start):
        return False  # `Решение от 24.III.50` heading a line names this document
    before = text[max(0, d.start - 60): d.start]
    sentence = re.split(r"[.!?]\s|\n\s*\n", before)[-1]
    return bool(re.search(r"(?<![а-яё])от\s*$", sentence, re.IGNORECASE)) and bool(REFERENCE_KIND_RE.search(sentence))


_NEVER_OWN = {"apparatus", "legend", "item"}
_BODY_DATE_LINES = 3


def _document_date(text: str, found: list[dates.DateMatch], layout: Layout) -> dates.DateMatch | None:
    """The document's own date: a date line above the body, then one below it (beside the
    signature), then a date in the title, then one in the header, then one in the body's
    first lines that cites no other document; a decryption or receipt stamp only when
    nothing else dates it. The editor's apparatus and the legend never date the document."""
    def kind(d: dates.DateMatch) -> str:
        return layout.line_at(d.start).kind

    own = [d for d in found if d.year is not None and kind(d) not in _NEVER_OWN
           and (kind(d) == "date" or not _cites(text, d))]
    head_end = layout.lines[layout.body_start].start if layout.body_start < len(layout.lines) else len(text)
    ranks: list[Callable[[dates.DateMatch], bool]] = [
        lambda d: kind(d) == "date" and d.start < head_end,
        lambda d: kind(d) == "date",
        lambda d: kind(d) == "heading",
        lambda d: d.start < head_end and kind(d) != "stamp",
        # a date in the body's opening lines; one deeper in is an event the document reports
        lambda d: kind(d) != "stamp" and layout.line_at(d.start).n < layout.body_start + _BODY_DATE_LINES,
        lambda d: kind(d) == "stamp",
    ]
    chosen = next((d for want_day in (True, False) for rank in ranks
                   for d in own if (d.day is not None) == want_day and rank(d)), None)
    if chosen is not None and kind(chosen) in ("date", "heading"):
        return chosen
    # `4 июля` under the signature, `23 апреля` after a letter: a date line without a year is
    # the document's own; its year is the one the rest of the document gives
    yearless = [d for d in found if d.year is None and d.day is not None and kind(d) == "date"]
    year = chosen.year if chosen else _document_year(layout)
    if yearless and year:
        return dataclasses.replace(yearless[0], year=year)
    return chosen


_YEAR = re.compile(r"(?<![\d.])(1[89]\d\d)\s*(?:г\.|года|г(?![а-яё]))")


def _document_year(layout: Layout) -> int | None:
    """A year the title or a date line gives alone (`1929 г.`)."""
    for line in layout.lines:
        if line.kind in ("heading", "date", "header"):
            m = _YEAR.search(line.text)
            if m:
                return int(m.group(1))
    return None
