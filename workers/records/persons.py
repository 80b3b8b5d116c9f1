"""Addressees and signatories: surnames in the nominative, with initials and role.

Where they stand in a Soviet document:
- addressees after `Товарищу` / `Товарищам` / `тов.` / `тт.` on an address or salutation
  line (`Товарищам МАЛЕНКОВУ, БЕРИЯ`, `Товарищ Филиппов!`), on a line of dative names
  alone (`ШТЫКОВУ, РОЩИНУ`), and in the heading (`Телеграмма Мао Цзэдуну`);
- signatories alone on a line after the text begins (`В.Молотов`, `ФИЛИППОВ.`,
  `Мао Цзэдун`), sometimes after a role on the same or the line above
  (`Секретарь Ленинградского обкома ВКП(б)` / `АНДРИАНОВ`).
Names inside sentences (`письмо на имя тов.Вышинского`) are neither.
"""

from __future__ import annotations

import re
from typing import Any

from workers.records import morph
from workers.records.dates import find_dates
from workers.records.doctype import subject_start, type_word
from workers.records.layout import Layout, classify, is_prose, title_text
from workers.records.vocabulary import ADDRESS_RE, ADDRESS_WORD_RE, ATTENDANCE_RE, ROLE_RE, SURNAME_ENDINGS

_INITIALS = r"(?:[А-ЯЁ]\.\s?){1,2}"
_WORD = r"[А-ЯЁ][а-яёА-ЯЁ]+(?:-[А-ЯЁ][а-яёА-ЯЁ]+)?"
_ITEM = re.compile(rf"(?P<pre>{_INITIALS})?\s*(?P<words>{_WORD}(?:\s+{_WORD}){{0,2}})(?:\s*(?P<post>{_INITIALS}))?")
_VOWELS = re.compile(r"[аеёиоуыэюяАЕЁИОУЫЭЮЯ]")
_TRIM = " \t,;:!?\"'“”„«»()/"
# a signature's surname is often a common word too (ШТЫКОВ: штыков, of bayonets);
# in capitals or after initials, a surname's ending is evidence enough
_SURNAME_ENDING = re.compile(SURNAME_ENDINGS + "$", re.IGNORECASE)


def _strip(item: str) -> str:
    """Trim punctuation and a sentence's final period, but not the period of an initial."""
    item = item.strip(_TRIM)
    while item.endswith(".") and not re.search(r"(?:^|[\s.])[А-ЯЁ]\.$", item[-3:]):
        item = item[:-1].rstrip(_TRIM)
    return item


def _person(name: str, initials: str | None, role: str | None, raw: str) -> dict[str, Any]:
    return {"name": name, "initials": initials, "role": role, "raw": raw.strip()}


def _abbreviation(word: str) -> bool:
    """ЦК, КПСС, СССР, РККА: no vowel, or a short word in capitals with one."""
    return not _VOWELS.search(word) or word.isupper() and len(word) <= 4 and len(_VOWELS.findall(word)) <= 1 \
        or any("Abbr" in p.tag.grammemes for p in morph.parses(word))


def _name_word(word: str, signature_style: bool = False) -> bool:
    if len(word) < 3 or _abbreviation(word):
        return False
    return morph.is_name_like(word) or (signature_style and bool(_SURNAME_ENDING.search(word)))


def _initials(text: str | None) -> str | None:
    return re.sub(r"\s+", "", text) if text else None


def _read_item(item: str, case: str | None, addressed: bool = False) -> dict[str, Any] | None:
    """One name: `МАЛЕНКОВУ`, `В.Молотов`, `Сталину И.В.`, `Мао Цзэдуну`."""
    item = _strip(re.sub(r"\([^)]*\)", " ", item))
    m = _ITEM.fullmatch(item)
    if not m:
        return None
    words = m.group("words").split()
    if len(words) > 1 and words[-1].isupper() and not any(w.isupper() for w in words[:-1]):
        return None  # `Предсовнаркома ЛЕНИН`: a title before a name in capitals
    if len(words) > 1 and not m.group("pre") and morph.is_surname(words[-1]) \
            and not any(morph.known(w) or w.isupper() for w in words[:-1]):
        return None  # `Комзапфронта Тухачевский`: an abbreviated title before a known surname
    initials = _initials(m.group("pre") or m.group("post"))
    # after `Товарищу`, in capitals or with initials, a word shaped like a surname is one
    signature_style = addressed or bool(initials) or all(w.isupper() for w in words)
    # inside a several-word name a short word is a name part (Ким Ир Сен), not an abbreviation
    if not _name_word(words[-1], signature_style) or \
            not all(_name_word(w, signature_style) or (len(w) == 2 and morph.is_name_like(w)) for w in words[:-1]):
        return None
    # earlier words that are first names or patronymics become initials:
    # 'Ивану Петровичу Сидорову' → Сидоров И.П.; 'Мао' (indeclinable) and the short
    # parts of Korean names ('Ким Ир Сен') stay part of the name
    keep: list[str] = []
    extra_initials = ""
    for w in words[:-1]:
        ps = morph.parses(w)
        first_name = any("Name" in p.tag.grammemes and "Fixd" not in p.tag.grammemes for p in ps) and len(w) > 3
        patronymic = any("Patr" in p.tag.grammemes for p in ps)
        if (first_name or patronymic) and not any("Surn" in p.tag.grammemes for p in ps):
            extra_initials += w[0].upper() + "."
        else:
            keep.append(morph.title(w))
    name = " ".join([*keep, morph.nominative(words[-1], case)])
    return _person(name, initials or extra_initials or None, None, item)


def read_names(text: str, case: str | None, addressed: bool = False) -> list[dict[str, Any]]:
    """A list of names separated by commas or `и`; stops at the first thing that is not a name."""
    people = []
    for item in re.split(r",|\s+и\s+", text):
        if not item.strip(_TRIM):
            continue
        # `СТАЛИНУ, тов. МОЛОТОВУ`: each name of a list may bring its own `тов.`
        person = _read_item(ADDRESS_RE.sub("", item.strip(), count=1), case, addressed)
        if person is None:
            break
        people.append(person)
    return people


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n")]


def _surname_of(raw: str) -> str:
    m = _ITEM.fullmatch(_strip(re.sub(r"\([^)]*\)", " ", raw)))
    if m is None:
        raise ValueError(f"{raw!r} is not a name as read_names reads one")
    return m.group("words").split()[-1]


def _dative_only(person_raw: str) -> bool:
    last = _surname_of(person_raw)
    return morph.has_case(last, "datv") and not morph.has_case(last, "nomn")


def addressees(text: str, layout: Layout | None = None) -> list[dict[str, Any]]:
    layout = layout or classify(text)
    found: list[dict[str, Any]] = []
    lines = _lines(text)
    for i, line in enumerate(lines):
        kind = layout.lines[i].kind
        if not line or kind in ("legend", "apparatus", "stamp", "item") or ATTENDANCE_RE.match(line):
            continue  # `Присутствовали: т.т. …`: who sat, not whom the document goes to
        if kind == "heading" and i < layout.body_start:
            found.extend(_title_parties(_title_names(title_text(line)))[0])
            continue
        address = ADDRESS_RE.match(line)
        if address and line.startswith("("):
            continue  # `(т.т. Кулагин, Пашков)`: who reported on an item, not whom it goes to
        if address:
            role = _role_above(lines, i, dative=True)
            for p in read_names(line[address.end():], "datv", addressed=True):
                if kind == "salutation" and not _surname_like(p):
                    continue  # `Дорогой Владимир Ильич!`: a first name says who, not a surname
                p["role"] = role
                found.append(p)
            continue
        mid = ADDRESS_WORD_RE.search(line) if i < layout.body_start and not is_prose(line) else None
        if mid:
            role = line[: mid.start()].strip(_TRIM)
            for p in read_names(line[mid.end():], "datv", addressed=True):
                if not _may_be_dative(p):
                    continue  # `О т. Кривошееве`: a subject, not an address
                p["role"] = morph.to_nominative_phrase(role) if ROLE_RE.match(role) or _dative_role(role) else None
                found.append(p)
            continue
        dash = re.search(r"\s[—–-]\s+", line) if i < layout.body_start and not is_prose(line) else None
        if dash:
            # `НКИД — СТОМОНЯКОВУ`: an institution, then the person in it the document goes to
            people = read_names(line[dash.end():], "datv")
            if people and _covers(line[dash.end():], people) and all(_dative_only(p["raw"]) for p in people):
                found.extend(people)
                continue
        people = read_names(line, "datv") if not _continues_list(layout, i) else []
        if people and _covers(line, people) and all(_dative_only(p["raw"]) for p in people):
            found.extend(people)
            continue
        # `Послу СССР в КНР РОЩИНУ Н.В.`: a dative role, then the name closing the line
        role, name = _role_then_name(line)
        if role is not None and name:  # _role_then_name gives both or neither
            person = _read_item(name, "datv", addressed=True)
            if person and _dative_only(person["raw"]):
                person["role"] = morph.to_nominative_phrase(role)
                found.append(person)
                continue
        if i < layout.body_start and kind in ("header", "address", "closing") and not is_prose(line):
            found.extend(_dative_surnames(line))
    return _unique(found)


def _dative_surnames(line: str) -> list[dict[str, Any]]:
    """`Москва ЦК ВКП(б) Сталину, СНК Молотову`, `Командующему войсками ПрибОВО генерал-полковнику
    Кузнецову`: in an address block, every surname in the dative is an addressee, whatever
    institutions and ranks stand between."""
    people = []
    for m in re.finditer(rf"(?<![\w.-])(?:(?P<pre>{_INITIALS})\s*)?(?P<word>[А-ЯЁ][а-яё]+|[А-ЯЁ]{{3,}})", line):
        word = m.group("word")
        # a man's surname, or anyone's after initials: `Казакской АССР` is a place
        wanted = {"Surn", "datv"} if m.group("pre") else {"Surn", "datv", "masc"}
        if any(wanted <= p.tag.grammemes and "Fixd" not in p.tag.grammemes for p in morph.parses(word)) \
                and not morph.has_case(word, "nomn"):
            people.append(_person(morph.nominative(word, "datv"), _initials(m.group("pre")), None, m.group(0)))
    return people


def _continues_list(layout: Layout, i: int) -> bool:
    """`Поручить тт. Иванову, Петрову,` / `Сидорову …`: a scan's line going on from the body."""
    prev = next((line for line in reversed(layout.lines[:i]) if line.kind != "blank"), None)
    return prev is not None and (prev.text.endswith(",") or prev.kind == "body" and bool(re.search(r"[а-яё]$", prev.text)))


def _may_be_dative(person: dict[str, Any]) -> bool:
    last = _surname_of(person["raw"])
    return morph.has_case(last, "datv") or any("datv" in p.tag.grammemes for p in morph.adjectival(last)) \
        or not morph.known(last) and not re.search(r"(?:е|ом|ым|ой)$", last.lower())


def _surname_like(person: dict[str, Any]) -> bool:
    last = person["name"].split()[-1]
    ps = morph.parses(last)
    return bool(person["initials"]) or len(person["name"].split()) > 1 or not morph.known(last) \
        or any("Surn" in p.tag.grammemes for p in ps)


def _dative_role(words: str) -> bool:
    """`НАЧАЛЬНИКУ ЦЕХА № 3`, `ПАРТОРГУ ЦК`: a line opening with a person's title in the dative."""
    first = re.match(r"[А-ЯЁа-яё]+", words)
    return first is not None and any({"datv", "anim"} <= p.tag.grammemes and p.tag.POS == "NOUN"
                               for p in morph.parses(first.group(0)))


def _title_names(title: str) -> str:
    """The part of a title that can name its parties: after the type word (or the whole
    title when it has none: `Молотов — Сталину`), before the subject."""
    m = type_word(title)
    rest = title[m.end():] if m else title
    return rest[: subject_start(rest)]


def _covers(line: str, people: list[dict[str, Any]]) -> bool:
    """True when the names are the whole line, not the start of a sentence."""
    rest = line
    for p in people:
        rest = rest.replace(p["raw"], "", 1)
    return not re.sub(r"[\s,.;:!?\"'“”«»()и]|\([^)]*\)", "", rest)


def _title_parties(rest: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(addressees, authors) a title names: `Молотова Мао Цзэдуну` after `Телеграмма`,
    `С.М. Кирова Г.К. Орджоникидзе` after `Из письма`, `Молотов — Сталину`. Names are
    grouped; a group in the dative is an addressee, one in the genitive (or before the dash)
    an author, and an indeclinable name after an author is the addressee."""
    tokens = re.findall(rf"{_INITIALS}|{_WORD}|\S+", rest)
    groups: list[tuple[list[str], str | None, str]] = []  # (words, initials, what follows)
    group: list[str] = []
    initials = None
    for tok in tokens + ["."]:
        if re.fullmatch(_INITIALS, tok):
            if group:
                groups.append((group, initials, ""))
                group = []
            initials = _initials(tok)
            continue
        word = _strip(tok).rstrip(".")
        if re.fullmatch(_WORD, word) and _name_word(word):
            group.append(word)
            inflected = any("Surn" in p.tag.grammemes and "Fixd" not in p.tag.grammemes
                            and ({"datv", "gent"} & p.tag.grammemes) for p in morph.parses(word))
            if not inflected and tok == word:
                continue
            tok = ""
        if group:
            groups.append((group, initials, tok))
            group, initials = [], None
    addressees: list[dict[str, Any]] = []
    authors: list[dict[str, Any]] = []
    for words, inits, after in groups:
        last = words[-1]
        datv, gent = morph.has_case(last, "datv"), morph.has_case(last, "gent")
        unknown = not morph.known(last)
        if datv and not gent or (datv and gent or unknown) and authors and not addressees:
            name = " ".join([*(morph.title(w) for w in words[:-1]), morph.nominative(last, "datv")])
            addressees.append(_person(name, inits, None, " ".join(words)))
        elif gent and not datv or after in ("—", "–", "-") and not addressees:
            case = "gent" if gent and not datv else "nomn"
            name = " ".join([*(morph.title(w) for w in words[:-1]), morph.nominative(last, case)])
            authors.append(_person(name, inits, None, " ".join(words)))
    return addressees, authors


_NOT_SIGNATURE = {"legend", "apparatus", "stamp", "heading", "address", "salutation", "marking", "number", "item"}


def signatories(text: str, layout: Layout | None = None) -> list[dict[str, Any]]:
    """Names standing alone on a line (or after a role) once the body has begun."""
    layout = layout or classify(text)
    found: list[dict[str, Any]] = []
    lines = _lines(text)
    for i in range(layout.body_start, len(lines)):
        line = lines[i]
        if not line or layout.lines[i].kind in _NOT_SIGNATURE or ADDRESS_RE.match(line):
            continue
        if layout.lines[i].kind == "body" and not _SIGNED.search(line):
            continue  # a sentence naming someone (`… вступил генерал-лейтенант Чуйков.`) is no signature
        if _continues_sentence(layout, i):
            continue
        bare = _signature_only(line)
        # `Записал: Н. Федоренко` under a record of conversation: the one who wrote it down
        recorded = re.match(r"(?i)записал[аи]?\s*:?\s*", bare)
        if recorded:
            bare = bare[recorded.end():]
        # below the body a name alone may be a common word too (Лыков, of bast)
        listed = re.match(r"[^:]{3,60}:\s*(?=(?:[А-ЯЁ]\.\s?)*[А-ЯЁ][а-яё]+,)", bare) if i >= layout.body_end else None
        if listed:
            # `Члены комиссии: А. Андреев, Г. Маленков`: a role over several signatures
            people = read_names(bare[listed.end():], "nomn", addressed=True)
            for p in people:
                p["role"], p["raw"] = bare[: listed.end()].strip(" :"), line
            found.extend(people)
            continue
        person = _read_item(bare, "nomn", addressed=i >= layout.body_end and len(bare.split()) <= 3)
        role = "Записал" if recorded and person else None
        if person is None:
            # `Секретарь ЦК ВКП(б) А. Жданов`, `комкор М. Фриновский`, `… (подпись) Ягода`:
            # the name closes the line; below the body any title may stand before it
            signed = _SIGNED.search(line) is not None
            role, name = _role_then_name(bare, any_role=i >= layout.body_end or signed, signed=signed)
            person = (_read_item(name, "nomn", addressed=True) or _placed_name(name)) if name else None
        below = i >= layout.body_end  # below the body a wrapped sentence's end is already ruled out
        if person is None or _dative_only(person["raw"]) or (_genitive_reading(person["raw"]) and not role and not below):
            continue
        if len(person["name"].split()) == 1 and not person["initials"] and not bare.isupper():
            # a lone title-case word is a signature only if it is a surname or unknown
            # (Громыко, Филиппов), never a common word a line happens to hold
            if morph.known(bare) and not morph.has_case(bare, "nomn") \
                    and not (i >= layout.body_end and _SURNAME_ENDING.search(bare)):
                continue
        person["role"] = role or _role_above(lines, i, dative=False)
        person["raw"] = line
        found.append(person)
    if not any(_surname_like(p) for p in found):
        # `Твой Сергей` under `Из письма С.М. Кирова …`: the title names who wrote it
        title = next((line for line in layout.head() if line.kind == "heading"), None)
        if title is not None:
            found.extend(_title_parties(_title_names(title_text(title.text)))[1])
    return _unique(found)


_ROLE_THEN_NAME = re.compile(rf"(?P<role>.+?)\s+(?P<name>(?:{_INITIALS}\s*)?[А-ЯЁ][А-ЯЁа-яё-]+(?:\s*{_INITIALS})?)\.?$")


_SIGNED = re.compile(r"[(/]\s*подпись\s*[)/]", re.IGNORECASE)


def _role_then_name(line: str, any_role: bool = False, signed: bool = False) -> tuple[str | None, str | None]:
    """(role, name) of a line that opens with a role (any short title when `any_role`) and
    closes with a name in capitals, with initials, that can only be a surname, or that
    follows `(подпись)` (`signed`)."""
    m = _ROLE_THEN_NAME.match(line)
    if not m or not (ROLE_RE.match(line) or any_role and len(m.group("role").split()) <= 8):
        return None, None
    name = m.group("name")
    # a title-case last word closes a role when it can only be a surname (`генерал армии Жуков`)
    if not (name.isupper() and _caps_name(name) or re.search(r"[А-ЯЁ]\.", name)
            or morph.is_surname(name.rstrip(".")) or signed
            or any_role and (_closing_name(name.rstrip(".")) or _SURNAME_ENDING.search(name.rstrip(".")))):
        return None, None
    return m.group("role").strip(), name


def _placed_name(name: str) -> dict[str, Any] | None:
    """A name its place proves (after a role, after `(подпись)`), whatever else the word
    means: `ГОРБАЧ`, `Ягода`, `Гайдук`."""
    m = _ITEM.fullmatch(_strip(name))
    if not m or len(m.group("words").split()) != 1:
        return None
    word = m.group("words")
    return _person(morph.nominative(word, "nomn"), _initials(m.group("pre") or m.group("post")), None, name)


def _caps_name(word: str) -> bool:
    """A word in capitals closing a role is a name unless it is an abbreviation or a common
    word in a case no signature takes (`… ПО ОМСКОЙ ОБЛАСТИ`)."""
    if _abbreviation(word) or not morph.known(word):
        return not _abbreviation(word)
    return any(morph.NAME_TAGS & p.tag.grammemes for p in morph.parses(word)) or _closing_name(word.title())


def _closing_name(word: str) -> bool:
    """Below the body, a title-case word closing a role line is a name unless it reads as
    the role's own genitive, a place or an institution (`… Красной Армии`, `… Украины`)."""
    if not re.fullmatch(r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?", word):
        return False
    if not morph.known(word):
        return True
    best = morph.parses(word)[0]
    # a person is animate: `Гайдук` may close a role, `Области` may not
    return {"nomn", "anim"} <= best.tag.grammemes and not {"Geox", "Orgn"} & best.tag.grammemes


# how a letter closes before the name: `Ваш Сталин.`, `С коммунистическим приветом И. Сталин`
_CLOSING_FORMULA = re.compile(
    r"^(?:(?:ваш|ваша|ваши|твой|твоя|преданный\s+вам|уважающий\s+вас|с\s+\w+\s+приветом|привет)[\s,!.]+)+",
    re.IGNORECASE)


def _signature_only(line: str) -> str:
    """The line without what often stands beside a signature: a letter's closing formula,
    `(подпись)`, `/подпись/`, and the date it was signed (`Мао Цзэдун 24.VI.52`); a name
    in brackets after a role (`МАЙОР … (ГОРБАЧ)`) loses its brackets. A place before the
    date (`Ростов, 17/III-1920 г.`) leaves nothing."""
    bracketed = re.match(r"^(.*\S)\s+\(((?:[А-ЯЁ]\.\s?){0,2}[А-ЯЁ][А-ЯЁа-яё-]+)\)\s*$", line)
    if bracketed:
        # `В. Молотов (Скрябин)`: after a name, the bracket holds another name of the same man
        after_name = re.search(rf"{_INITIALS}\s*[А-ЯЁ][а-яё]+$", bracketed.group(1))
        line = bracketed.group(1) if after_name else f"{bracketed.group(1)} {bracketed.group(2)}"
    dated = find_dates(line)
    if dated and re.search(r",\s*$", line[: dated[-1].start]) and not line[dated[-1].end:].strip(" .,"):
        return ""
    if dated and not line[: dated[0].start].strip():
        return ""  # `2.XI.30. Сорренто.`: the date and where it was written
    # `Жму руку. И. Сталин.`: a short closing sentence, then the name
    sentence_end = list(re.finditer(r"[а-яё]{2}[.!]\s+", line))
    if sentence_end:
        closing = re.findall(r"[а-яё]+", line[: sentence_end[-1].end()].lower())
        if len(closing) <= 4 and any(morph.parses(w)[0].tag.POS == "VERB" for w in closing):
            line = line[sentence_end[-1].end():]
    line = _CLOSING_FORMULA.sub("", line)
    line = re.sub(r"[(/]\s*подпись\s*[)/]|(?<!\w)подпись(?!\w)", " ", line, flags=re.IGNORECASE)
    for d in reversed(find_dates(line)):
        if not line[d.end:].strip(" .,"):
            line = line[: d.start]
    return _strip(line)


def _continues_sentence(layout: Layout, i: int) -> bool:
    """`...передал личное письмо для товарища` / `Сталина.`: the name ends a wrapped sentence."""
    prev = next((line for line in reversed(layout.lines[:i]) if line.kind != "blank"), None)
    line = layout.lines[i].text
    return prev is not None and prev.kind in ("body", "closing") and len(prev.text) >= 40 \
        and bool(re.search(r"[а-яё,]$", prev.text)) and not ROLE_RE.match(prev.text) \
        and not ROLE_RE.match(line) and not re.search(r"[А-ЯЁ]\.", line) and not line.isupper()


def _genitive_reading(raw: str) -> bool:
    """`Сталина` alone: a man's surname in the genitive, not a woman's signature."""
    ps = [p for p in morph.parses(_surname_of(raw)) if "Surn" in p.tag.grammemes]
    masc_gent = any("masc" in p.tag.grammemes and "gent" in p.tag.grammemes for p in ps)
    masc_nomn = any("masc" in p.tag.grammemes and "nomn" in p.tag.grammemes for p in ps)
    return masc_gent and not masc_nomn


def _role_above(lines: list[str], i: int, *, dative: bool) -> str | None:
    """The role on the line above (OCR may put one blank line between)."""
    above = [line for line in lines[max(0, i - 2): i] if line]
    # a role is a title, not a sentence that happens to open with `Посол`
    if not above or not ROLE_RE.match(above[-1]) or len(above[-1]) > 100 or re.search(r"[.!?](?:\s|$)", above[-1]):
        return None
    role = re.sub(r"\s+\(", "(", above[-1].strip(" ,"))  # `ВКП (б)` → `ВКП(б)`
    return morph.to_nominative_phrase(role) if dative else role


def _unique(people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen, out = set(), []
    for p in people:
        if p["name"] not in seen:
            seen.add(p["name"])
            out.append(p)
    return out
