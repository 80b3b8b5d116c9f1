"""Which record fields were read from words the OCR was unsure of. Pure: no I/O.

tesseract gives every word a confidence; the OCR stage reports per page the words
below a threshold (workers/config.py, `uncertain_word_confidence`). A field whose
text contains one of them gets the warning `uncertain_field:<field>`, so that an
opis read as `2` from a smudged `2в` is not published as if it were certain.

Words are matched by their text, not by their place on the page: the record keeps no
positions. A word is split into runs of letters and runs of digits (`Оп.2в` →
`оп`, `2`, `в`), Latin look-alikes folded to Cyrillic, leading zeros dropped, so the
match survives the parser's own cleaning (`0028` → sheets `28`, a Latin `Oп.`). The
same uncertain word elsewhere on the page can therefore flag a field that was read
right: the warning errs on the side of a second look.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

PREFIX = "uncertain_field:"

_LOOKALIKES = str.maketrans("AaBCcEeHKkMOoPpTXxy", "АаВСсЕеНКкМОоРрТХху")
_RUN = re.compile(r"[^\W\d_]+|\d+")

# Label words of an archival reference, Russian and Latin (folded as _runs folds them).
_LABELS = {
    "fond": ("ф", "фонд", "f", "fond"),
    "opis": ("оп", "опись", "op", "opis"),
    "delo": ("д", "дело", "d", "delo"),
    "sheets": ("л", "лл", "лист", "листы", "l", "ll", "list", "listy"),
}
_SUBFIELDS = tuple(_LABELS)
# Words around a value that carry none of it: an uncertain `г.` does not make a date unsure.
_FILLER = {"г", "гг", "год", "года", "от", "n", "м", "no", "об", "ob"}


def _runs(text: str) -> list[str]:
    runs = []
    for run in _RUN.findall(text.translate(_LOOKALIKES).casefold().replace("ё", "е")):
        runs.append((run.lstrip("0") or "0") if run.isdigit() else run)  # 0046 and 46 are one number
    return runs


_LABEL_OF = {_runs(word)[0]: field for field, words in _LABELS.items() for word in words}


def _within(word: list[str], text: list[str]) -> bool:
    """`word`'s runs appear one after another in `text`'s runs."""
    n = len(word)
    return any(text[i:i + n] == word for i in range(len(text) - n + 1))


def _meaningful(word: list[str]) -> bool:
    return any(run not in _FILLER for run in word)


def _reference_fields(ref: dict[str, Any], word: list[str]) -> list[str]:
    """The parts of one archival reference an uncertain word (found in its text) touches."""
    values = {f: set(_runs(ref.get(f) or "")) for f in _SUBFIELDS}
    for key, value in (ref.get("extra") or {}).items():
        values[key] = set(_runs(str(value)))
    archive = set(_runs(ref.get("archive") or "")) | set(_runs(ref.get("archive_latin") or ""))
    raw = _runs(ref.get("raw") or "")
    # the archive's own words (`Архив Президента ...`) come before the first label or number
    head = next((i for i, r in enumerate(raw) if r in _LABEL_OF or r.isdigit()), len(raw))
    archive |= set(raw[:head])
    authenticity = set(_runs(ref.get("authenticity") or ""))
    fields: list[str] = []
    label = None  # a label inside the word (`Оп.2`) says whose value follows
    for run in word:
        if run in _LABEL_OF:
            label = _LABEL_OF[run]
            continue
        if run in _FILLER:
            continue
        if label:
            found = [label]
        else:
            found = [f for f, v in values.items() if run in v]
        if not found:
            if run in authenticity:
                found = ["authenticity"]
            elif run in archive:
                found = ["archive"]
        fields += found
    # A label alone (`Л.`, `д.`) flags nothing: tesseract is often unsure of these short
    # words (on the dev renders they were most of the warnings) while the number after
    # them was read right, and a label misread past recognition leaves no value to flag.
    return fields


def _person_touched(person: dict[str, Any], words: list[list[str]]) -> bool:
    """An unsure word in the person's text, unless it lies wholly in the role
    (`Секретарь ЦК КП(б)У`): the name, not the office, is what the record indexes."""
    raw, role = _runs(person.get("raw") or ""), _runs(person.get("role") or "")
    return any(_within(w, raw) and not (role and _within(w, role)) for w in words)


def uncertain_fields(record: dict[str, Any], uncertain_words: Iterable[str]) -> list[str]:
    """Warnings `uncertain_field:<field>` for the fields of `record` (delo.record/1's
    `record` object) whose text contains one of `uncertain_words`, in schema order."""
    words = [w for w in (_runs(word) for word in uncertain_words) if w and _meaningful(w)]
    if not words:
        return []

    def touched(raw: str | None) -> bool:
        runs = _runs(raw or "")
        return bool(runs) and any(_within(w, runs) for w in words)

    found: list[str] = []
    if touched(record.get("document_type_raw")):
        found.append("document_type")
    if touched(record.get("date_raw")):
        found.append("date")
    if touched(record.get("registration_number")):
        found.append("registration_number")
    for role in ("addressees", "signatories"):
        if any(_person_touched(p, words) for p in record.get(role) or []):
            found.append(role)
    for ref in record.get("archival_references") or []:
        raw = _runs(ref.get("raw") or "")
        for word in words:
            if _within(word, raw):
                found += [f"archival_reference.{f}" for f in _reference_fields(ref, word)]
    return [PREFIX + f for f in dict.fromkeys(found)]
