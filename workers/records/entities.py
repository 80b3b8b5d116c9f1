"""Named entities (persons, places, organisations) with natasha, loaded once per process.

natasha's tagger misses or mislabels surnames typed in capitals (`КАГАНОВИЧУ` → ORG),
so words in capitals are title-cased before tagging; the offsets stay the same.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from workers.records import morph
from workers.records.archival import ABBREVIATIONS
from workers.records.layout import Layout, classify
from workers.records.vocabulary import MARKING_RE, SURNAME_ENDINGS


@lru_cache(maxsize=1)
def _models() -> tuple[Any, Any, Any, Any, Any]:  # natasha has no types
    from natasha import Doc, MorphVocab, NewsEmbedding, NewsMorphTagger, NewsNERTagger, Segmenter

    emb = NewsEmbedding()
    return Doc, Segmenter(), NewsMorphTagger(emb), NewsNERTagger(emb), MorphVocab()


_TITLES = {"товарищ", "товарищу", "товарищам", "тов", "тт"}


def _soften_capitals(text: str) -> str:
    """`КАГАНОВИЧУ` → `Кагановичу`; abbreviations (СССР, НКВД, РГАСПИ) stay as they are."""
    def soften(m: re.Match[str]) -> str:
        word = m.group(0)
        if any("Abbr" in p.tag.grammemes for p in morph.parses(word)) or word in ABBREVIATIONS \
                or len(re.findall(r"[АЕЁИОУЫЭЮЯ]", word)) < 2:
            return word
        return word.capitalize()
    return re.sub(r"\b[А-ЯЁ]{4,}\b", soften, text)


def _plausible_person(words: list[str], span_text: str, text: str) -> bool:
    """A surname natasha found, not OCR debris (`Аурве`): a word the dictionary knows as a
    name, one with a surname's ending, one with initials, or one the text repeats."""
    last = words[-1]
    # (the dictionary's guesses for a word it does not know prove nothing)
    if len(words) > 1 or re.search(r"[А-ЯЁ]\.", span_text) or morph.known(last) and any(
            morph.NAME_TAGS & p.tag.grammemes for p in morph.parses(last)):
        return True
    if re.search(SURNAME_ENDINGS + "$", morph.nominative(last).lower()):  # Булганину → Булганин
        return True
    return len(re.findall(re.escape(last[:5]), text, re.IGNORECASE)) >= 2


def find_entities(text: str, layout: Layout | None = None) -> dict[str, list[str]]:
    layout = layout or classify(text)
    Doc, segmenter, morph_tagger, ner_tagger, vocab = _models()
    doc = Doc(_soften_capitals(text))
    doc.segment(segmenter)
    doc.tag_morph(morph_tagger)
    doc.tag_ner(ner_tagger)
    out: dict[str, list[str]] = {"persons": [], "locations": [], "organizations": []}
    kinds = {"PER": "persons", "LOC": "locations", "ORG": "organizations"}
    for span in doc.spans:
        # a span never crosses a line: lines are headings, names and signatures of their own
        if "\n" in span.text:
            continue
        if layout.line_at(span.start).kind in ("legend", "apparatus"):
            continue  # archive names and editions (`АП РФ`, `Сочинения`) are not entities of the document
        if span.type == "PER":
            # the tagger's reading of the case (`Мехлиса`: genitive) turns an unknown surname back
            # (a nominative reading proves nothing: the tagger gives it to capitals it cannot read)
            case = _CASES.get(span.tokens[-1].feats.get("Case")) if span.tokens and span.tokens[-1].feats else None
            # `Н.И. Ежова И.В. Сталину`: initials begin the next person
            for part in re.split(r"(?<=[А-ЯЁа-яё]{2})\s+(?=(?:[А-ЯЁ]\.\s?){1,2}[А-ЯЁ])", span.text):
                _add(out["persons"], _person(part, text, case))
            continue
        # `Совета Министров` → `Совет Министров`: the head words turn nominative, the
        # genitive that qualifies them stays (natasha's own normal form declines them all)
        value = morph.nominative_phrase(_soften_capitals(text[span.start:span.stop])).strip(" .,")
        if value in ABBREVIATIONS or re.search(r"\d|№", value) or MARKING_RE.search(value):
            continue
        _add(out[kinds[span.type]], value)
    return out


_CASES = {"Gen": "gent", "Dat": "datv", "Acc": "accs", "Ins": "ablt", "Loc": "loct"}


def _add(bucket: list[str], value: str | None) -> None:
    if value and value not in bucket:
        bucket.append(value)


def _person(span_text: str, text: str, case: str | None = None) -> str | None:
    """Initials dropped, the surname (last word) in the nominative; None for what is not a name."""
    words = [w for w in re.findall(r"[А-ЯЁа-яё][А-ЯЁа-яё-]+", span_text) if w.lower() not in _TITLES]
    # natasha takes some common words in title case for names: keep names only
    if not words or not all(morph.is_name_like(w) for w in words) or not _plausible_person(words, span_text, text):
        return None
    return " ".join([*(morph.title(w) for w in words[:-1]), morph.nominative(words[-1], case)])
