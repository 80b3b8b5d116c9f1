"""Addressees and signatories: surnames in the nominative, with initials and role.

Where they stand in a Soviet document:
- addressees after `Товарищу` / `Товарищам` / `тов.` / `тт.` on an address or salutation
  line (`Товарищам МАЛЕНКОВУ, БЕРИЯ`, `Товарищ Филиппов!`), on a line of dative names
  alone (`КОВАЛЕВУ, РОЩИНУ`), and in the heading (`Телеграмма Мао Цзэдуну`);
- signatories alone on a line after the text begins (`В.Молотов`, `ФИЛИППОВ.`,
  `Мао Цзэдун`), sometimes after a role on the same or the line above
  (`Секретарь Ленинградского обкома ВКП(б)` / `АНДРИАНОВ`).
Names inside sentences (`на имя тов.Филиппова`) are neither.
"""

from __future__ import annotations

import re

from workers.records import morph
from workers.records.vocabulary import ADDRESS_RE, DOC_TYPE_RE, ROLE_RE

_INITIALS = r"(?:[А-ЯЁ]\.\s?){1,2}"
_WORD = r"[А-ЯЁ][а-яёА-ЯЁ]+(?:-[А-ЯЁ][а-яёА-ЯЁ]+)?"
_ITEM = re.compile(rf"(?P<pre>{_INITIALS})?\s*(?P<words>{_WORD}(?:\s+{_WORD}){{0,2}})(?:\s*(?P<post>{_INITIALS}))?")
_VOWELS = re.compile(r"[аеёиоуыэюяАЕЁИОУЫЭЮЯ]")
_TRIM = " \t.,;:!?\"'“”„«»()"


def _person(name: str, initials: str | None, role: str | None, raw: str) -> dict:
    return {"name": name, "initials": initials, "role": role, "raw": raw.strip()}


def _name_word(word: str) -> bool:
    # abbreviations (ЦК, КПСС, СССР) have no vowels or are too short to be surnames
    return len(word) >= 3 and bool(_VOWELS.search(word)) and morph.is_name_like(word)


def _initials(text: str | None) -> str | None:
    return re.sub(r"\s+", "", text) if text else None


def _read_item(item: str, case: str | None) -> dict | None:
    """One name: `МАЛЕНКОВУ`, `В.Молотов`, `Сталину И.В.`, `Мао Цзэдуну`."""
    item = re.sub(r"\([^)]*\)", " ", item).strip(_TRIM)
    m = _ITEM.fullmatch(item)
    if not m:
        return None
    words = m.group("words").split()
    if not all(_name_word(w) for w in words):
        return None
    initials = _initials(m.group("pre") or m.group("post"))
    # earlier words that are first names or patronymics become initials:
    # 'Ивану Петровичу Сидорову' → Сидоров И.П.; 'Мао' (indeclinable) stays part of the name
    keep: list[str] = []
    extra_initials = ""
    for w in words[:-1]:
        ps = morph.parses(w)
        if any({"Name", "Patr"} & p.tag.grammemes and "Fixd" not in p.tag.grammemes for p in ps) and \
                not any("Surn" in p.tag.grammemes for p in ps):
            extra_initials += w[0].upper() + "."
        else:
            keep.append(morph.title(w))
    name = " ".join([*keep, morph.nominative(words[-1], case)])
    return _person(name, initials or extra_initials or None, None, item)


def read_names(text: str, case: str | None) -> list[dict]:
    """A list of names separated by commas or `и`; stops at the first thing that is not a name."""
    people = []
    for item in re.split(r",|\s+и\s+", text):
        if not item.strip(_TRIM):
            continue
        person = _read_item(item, case)
        if person is None:
            break
        people.append(person)
    return people


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n")]


def _dative_only(person_raw: str) -> bool:
    last = _ITEM.fullmatch(re.sub(r"\([^)]*\)", " ", person_raw).strip(_TRIM)).group("words").split()[-1]
    return morph.has_case(last, "datv") and not morph.has_case(last, "nomn")


def addressees(text: str) -> list[dict]:
    found: list[dict] = []
    lines = _lines(text)
    for i, line in enumerate(lines):
        if not line:
            continue
        address = ADDRESS_RE.match(line)
        if address:
            role = _role_above(lines, i, dative=True)
            for p in read_names(line[address.end():], "datv"):
                p["role"] = role
                found.append(p)
            continue
        role_line = re.match(r"(?P<role>.+?)\s+(?:товарищу|тов\.)\s*(?P<names>.+)$", line, re.IGNORECASE)
        if role_line and ROLE_RE.match(line):
            role = morph.to_nominative_phrase(role_line.group("role").strip(_TRIM))
            for p in read_names(role_line.group("names"), "datv"):
                p["role"] = role
                found.append(p)
            continue
        people = read_names(line, "datv")
        if people and _covers(line, people) and all(_dative_only(p["raw"]) for p in people):
            found.extend(people)
            continue
        heading = DOC_TYPE_RE.match(line)
        if heading and i < 12:
            found.extend(_heading_addressees(line[heading.end():]))
    return _unique(found)


def _covers(line: str, people: list[dict]) -> bool:
    """True when the names are the whole line, not the start of a sentence."""
    rest = line
    for p in people:
        rest = rest.replace(p["raw"], "", 1)
    return not re.sub(r"[\s,.;:!?\"'“”«»()и]|\([^)]*\)", "", rest)


def _heading_addressees(rest: str) -> list[dict]:
    """`Сталина Мао Цзэдуну` after `Телеграмма`: group the names, keep the dative ones."""
    tokens = re.findall(rf"{_INITIALS}|{_WORD}|\S+", rest)
    found, group, initials = [], [], None
    for tok in tokens + ["."]:
        if re.fullmatch(_INITIALS, tok):
            initials = _initials(tok)
            continue
        word = tok.strip(_TRIM)
        if re.fullmatch(_WORD, word) and _name_word(word):
            group.append(word)
            inflected = any("Surn" in p.tag.grammemes and "Fixd" not in p.tag.grammemes
                            and ({"datv", "gent"} & p.tag.grammemes) for p in morph.parses(word))
            if not inflected and tok == word:
                continue
        if group:
            last = group[-1]
            if morph.has_case(last, "datv") and not morph.has_case(last, "gent"):
                name = " ".join([*(morph.title(w) for w in group[:-1]), morph.nominative(last, "datv")])
                found.append(_person(name, initials, None, " ".join(group)))
            group, initials = [], None
        if not re.fullmatch(_WORD, word):
            break  # the names end where the subject line begins (`о ...`, `по вопросу`)
    return found


def signatories(text: str) -> list[dict]:
    found: list[dict] = []
    lines = _lines(text)
    body_started = False
    for i, line in enumerate(lines):
        if not line:
            continue
        if not body_started:
            body_started = _is_prose(line)
            continue
        if ADDRESS_RE.match(line) or DOC_TYPE_RE.match(line):
            continue
        bare = line.strip(_TRIM)
        person = _read_item(bare, "nomn")
        role = None
        if person is None and ROLE_RE.match(bare):
            # `Секретарь ЦК ВКП(б) А. Жданов`: the name closes the line
            m = re.match(rf"(?P<role>.+?)\s+(?P<name>(?:{_INITIALS}\s*)?[А-ЯЁ]{{2}}[А-ЯЁа-яё-]*(?:\s*{_INITIALS})?)$", bare)
            if m and (m.group("name").isupper() or re.match(_INITIALS, m.group("name"))):
                person = _read_item(m.group("name"), "nomn")
                role = m.group("role").strip()
        if person is None or _dative_only(person["raw"]):
            continue
        if len(person["name"].split()) == 1 and not person["initials"] and not bare.isupper():
            # a lone title-case word is a signature only if it is a surname or unknown
            # (Громыко, Филиппов), never a common word a line happens to hold
            if morph.known(bare) and not morph.has_case(bare, "nomn"):
                continue
        person["role"] = role or _role_above(lines, i, dative=False)
        person["raw"] = line
        found.append(person)
    return _unique(found)


def _is_prose(line: str) -> bool:
    return len(re.findall(r"[А-Яа-яЁё]{2,}", line)) >= 3 and not DOC_TYPE_RE.match(line) and not ADDRESS_RE.match(line)


def _role_above(lines: list[str], i: int, *, dative: bool) -> str | None:
    j = i - 1
    if j < 0 or not lines[j] or not ROLE_RE.match(lines[j]) or len(lines[j]) > 100:
        return None
    role = lines[j].strip(" ,")
    return morph.to_nominative_phrase(role) if dative else role


def _unique(people: list[dict]) -> list[dict]:
    seen, out = set(), []
    for p in people:
        if p["name"] not in seen:
            seen.add(p["name"])
            out.append(p)
    return out
