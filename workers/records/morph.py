"""Russian morphology for names and roles (pymorphy3), loaded once per process."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import pymorphy3

from workers.records.vocabulary import SURNAME_ENDINGS

NAME_TAGS = {"Surn", "Name", "Patr"}


@lru_cache(maxsize=1)
def analyzer() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=20000)
def parses(word: str) -> tuple[Any, ...]:  # pymorphy3 has no types
    return tuple(analyzer().parse(word.lower()))


def known(word: str) -> bool:
    return bool(analyzer().word_is_known(word.lower()))


_WORDS = re.compile(r"[А-Яа-яЁёA-Za-z0-9]+")


def lemmas(text: str) -> str:
    """Every Cyrillic word in its dictionary form, for the search index: Кореи, Корее →
    корея; and as written, where that differs, for the words the dictionary takes for
    others (a surname ШТЫКОВ is also the genitive plural of штык)."""
    out = []
    for w in _WORDS.findall(text):
        word = w.lower()
        out.append(parses(w)[0].normal_form if re.match(r"[а-яё]", word) else word)
        if out[-1] != word:
            out.append(word)
    return " ".join(out)


def forms(word: str) -> set[str]:
    """What a searched word may be indexed as: as written and every dictionary form the
    dictionary allows (Штыкова: штыков, штыкова, штыковый)."""
    word = word.lower()
    return {word, *(p.normal_form for p in parses(word))} if re.match(r"[а-яё]", word) else {word}


def query(text: str) -> str:
    """A tsquery (PostgreSQL `to_tsquery('simple', …)`) for the words of a search, each
    word matched in any of its forms: `(штыков | штыкова | штыковый) & (корея)`."""
    return " & ".join("(" + " | ".join(sorted(forms(w))) + ")" for w in _WORDS.findall(text))


def adjectival(word: str) -> list[Any]:
    """Parses of a surname declined like an adjective (Вышинский, Соколовскому), which
    the dictionary knows only as adjectives."""
    return [p for p in parses(word) if p.tag.POS == "ADJF" and "masc" in p.tag.grammemes
            and re.search(r"(?:ск|цк)(?:ий|ой)$", p.normal_form)]


def is_name_like(word: str) -> bool:
    """A capitalised word that can be (part of) a person's name: a surname, first name or
    patronymic in the dictionary, or a word the dictionary does not know at all
    (foreign names: Цзэдун, Эньлай). Common words, places and organisations are not."""
    if not word[:1].isupper() or len(word) < 2:
        return False
    if any(NAME_TAGS & p.tag.grammemes for p in parses(word)) or adjectival(word):
        return True
    return not known(word)


def is_surname(word: str) -> bool:
    """A title-case word that reads as a surname in the nominative (Жуков, Косиор), never
    a common word (армии, обороны)."""
    if not word[:1].isupper() or not word[1:].islower():
        return False
    ps = parses(word)
    if not known(word):
        return bool(re.search(SURNAME_ENDINGS + "$", word))
    return any("Surn" in p.tag.grammemes and "nomn" in p.tag.grammemes for p in ps)


def has_case(word: str, case: str) -> bool:
    """Whether the word can be a name in this case."""
    return any(case in p.tag.grammemes and NAME_TAGS & p.tag.grammemes for p in parses(word))


def title(word: str) -> str:
    """'МАЛЕНКОВ' → 'Маленков', 'ГОЛУБЕВ-МОНАТКИН' → 'Голубев-Монаткин'; ё → е as archivists index."""
    word = word.replace("ё", "е").replace("Ё", "Е")
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))


# Endings to strip from an unknown word in the dative or genitive: Цзэдуну → Цзэдун.
_VOWEL_LETTERS = set("аеёиоуыэюя")
_FALLBACK = {"datv": [("ю", "й"), ("у", "")], "gent": [("я", "й"), ("а", "")]}


def nominative(word: str, case: str | None = None) -> str:
    """A surname (or a one-word name) in the nominative, title case.

    `case` is the case the context implies ('datv' after 'Товарищам', 'gent' after
    'телеграмма тов.'); None means take the word as it most likely stands.
    """
    candidates = [p for p in parses(word) if NAME_TAGS & p.tag.grammemes] or adjectival(word)
    if not known(word) and not adjectival(word):
        # pymorphy only guesses at words it does not know (Мехлису → 'мехлиса'?):
        # strip the ending the context implies, or keep the word as written
        low = word.lower()
        if case is None:  # a surname's own ending tells the case: Булганину, Мехлисом
            m = re.search(r"(?:ов|ев|ин|ын)(у|ым|а)$", low)
            if m and len(low) > 5:
                return title(word[: m.start(1)])
        for ending, replacement in _FALLBACK.get(case or "", []):
            if low.endswith(ending) and len(low) > 3:
                if replacement == "й" and low[-len(ending) - 1] not in _VOWEL_LETTERS:
                    replacement = "ь"  # Чубарю → Чубарь, but Эньлаю → Эньлай
                return title(word[: len(word) - len(ending)] + replacement)
        return title(word)
    if case:
        in_case = [p for p in candidates if case in p.tag.grammemes]
        # prefer the masculine reading: 'Маленкову' is a man's surname in the dative,
        # not a woman's in the accusative
        in_case.sort(key=lambda p: ("masc" not in p.tag.grammemes, "Surn" not in p.tag.grammemes))
        if in_case:
            # a reading already nominative stays as written: Тимофеева is herself, not Тимофеев
            return title(word if case == "nomn" else _lemma(in_case[0], word))
    if candidates:
        # with no context, a man's surname is the likelier reading in these archives:
        # 'Ковалева' is Ковалев in the genitive more often than Ковалева herself
        masc = [p for p in candidates if "masc" in p.tag.grammemes or "ms-f" in p.tag.grammemes]
        nomn = [p for p in (masc or candidates) if "nomn" in p.tag.grammemes]
        if nomn:
            return title(word)
        return title(_lemma((masc or candidates)[0], word))
    return title(word)


def _lemma(parse: Any, word: str) -> str:
    # pymorphy gives the masculine lemma for surnames; keep indeclinables as written
    if "Fixd" in parse.tag.grammemes:
        return word
    lemma: str = parse.normal_form
    return lemma


def to_nominative_phrase(phrase: str) -> str:
    """'Председателю Совета Министров СССР' → 'Председатель Совета Министров СССР':
    the leading words in the dative turn nominative, the genitive tail stays."""
    out = []
    turning = True
    for w in phrase.split():
        core = re.sub(r"[^\w-]", "", w)
        # abbreviations (СССР, ЦК) have no vowels and never decline
        if turning and core and re.search(r"[аеёиоуыэюя]", core, re.IGNORECASE):
            options = [p for p in parses(core) if "datv" in p.tag.grammemes and p.tag.POS in {"NOUN", "ADJF"}]
            nom = options[0].inflect({"nomn"}) if options else None
            if nom is not None:
                new = nom.word.upper() if core.isupper() else (nom.word.capitalize() if core[:1].isupper() else nom.word)
                out.append(w.replace(core, new))
                continue
            turning = False
        out.append(w)
    return " ".join(out)


def nominative_phrase(phrase: str) -> str:
    """`Особым совещанием` → `Особое совещание`, `Совета Министров СССР` → `Совет Министров
    СССР`: the words up to the first noun turn nominative, agreeing with it; what follows
    the noun stays as written."""
    words = phrase.split()
    readings = [parses(w)[0] if re.fullmatch(r"[А-Яа-яЁё-]+", w) else None for w in words]
    head = next((i for i, p in enumerate(readings)
                 if p is None or p.tag.POS not in ("ADJF", "PRTF") or "Fixd" in p.tag.grammemes), len(words))
    noun = readings[head] if head < len(words) else None
    if noun is None or noun.tag.POS != "NOUN" or "Fixd" in noun.tag.grammemes:
        return phrase
    agree = {noun.tag.number or "sing"} | ({noun.tag.gender} if noun.tag.gender and noun.tag.number != "plur" else set())
    out = []
    for w, p in zip(words[: head + 1], readings[: head + 1], strict=True):
        assert p is not None  # the words before the noun are adjectives, read
        nom = p.inflect({"nomn"} | (agree if p is not noun else {noun.tag.number or "sing"}))
        new = nom.word if nom else w.lower()
        out.append(new.upper() if w.isupper() else new.capitalize() if w[:1].isupper() else new)
    return " ".join(out + words[head + 1:])
