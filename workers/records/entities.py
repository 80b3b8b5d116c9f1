"""Named entities (persons, places, organisations) with natasha, loaded once per process.

natasha's tagger misses or mislabels surnames typed in capitals (`КАГАНОВИЧУ` → ORG),
so words in capitals are title-cased before tagging; the offsets stay the same.
"""

from __future__ import annotations

import re
from functools import lru_cache

from workers.records import morph


@lru_cache(maxsize=1)
def _models():
    from natasha import Doc, MorphVocab, NewsEmbedding, NewsMorphTagger, NewsNERTagger, Segmenter

    emb = NewsEmbedding()
    return Doc, Segmenter(), NewsMorphTagger(emb), NewsNERTagger(emb), MorphVocab()


_TITLES = {"товарищ", "товарищу", "товарищам", "тов", "тт"}


def _soften_capitals(text: str) -> str:
    return re.sub(r"\b[А-ЯЁ]{4,}\b", lambda m: m.group(0).capitalize(), text)


def find_entities(text: str) -> dict[str, list[str]]:
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
        if span.type == "PER":
            # initials dropped, the surname (last word) in the nominative
            words = [w for w in re.findall(r"[А-ЯЁа-яё][А-ЯЁа-яё-]+", span.text) if w.lower() not in _TITLES]
            # natasha takes some common words in title case for names: keep names only
            if not words or not all(morph.is_name_like(w) for w in words):
                continue
            value = " ".join([*(morph.title(w) for w in words[:-1]), morph.nominative(words[-1])])
        else:
            span.normalize(vocab)
            value = (span.normal or span.text).strip(" .,")
        bucket = out[kinds[span.type]]
        if value and value not in bucket:
            bucket.append(value)
    return out
