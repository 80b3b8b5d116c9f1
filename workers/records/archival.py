"""Archival references: where a document sits (archive, fond, opis, delo, sheets).

Russian footers (`АП РФ. Ф. 3. Оп. 65. Д. 364. Л. 12.`, `Архив Президента Российской
Федерации, Фонд N 3, Опись N 58, Дело 12, Лист N 4-5`, `// ЦАОДМ, ф. 3, оп. 52, д. 27,
л. 18-32. Заверенная копия.`, `Ф. П. Оп. 2. Д. 71. Л. 9. Подлинник.`) and Latin citations
(`APRF, F. 45, Op. 1, D. 332, ll. 47-48`, `AVPRF, f. 0100, op. 42, por. 19, pap. 288,
ll. 28-31`), several to a string.
"""

from __future__ import annotations

import re
from typing import Any

from workers.records.translit import latin

# canonical Russian abbreviation → (Latin abbreviation, ways texts name it)
ARCHIVES: dict[str, tuple[str, list[str]]] = {
    "АП РФ": ("APRF", ["Архив Президента Российской Федерации", "Архив Президента РФ", "АП РФ", "АПРФ", "AP RF", "APRF"]),
    "РГАСПИ": ("RGASPI", ["Российский государственный архив социально-политической истории", "РГАСПИ", "RGASPI"]),
    "АВП РФ": ("AVPRF", ["Архив внешней политики Российской Федерации", "АВП РФ", "АВПРФ", "AVP RF", "AVPRF"]),
    "АВП СССР": ("AVP SSSR", ["Архив внешней политики СССР", "АВП СССР", "AVP SSSR"]),
    "ГАРФ": ("GARF", ["Государственный архив Российской Федерации", "ГАРФ", "GARF"]),
    "РГАНИ": ("RGANI", ["Российский государственный архив новейшей истории", "РГАНИ", "RGANI"]),
    "ЦАМО": ("TsAMO", ["Центральный архив Министерства обороны", "ЦАМО РФ", "ЦАМО", "TsAMO RF", "TsAMO"]),
    "ЦАОДМ": ("TsAODM", ["Центральный архив общественных движений Москвы", "ЦАОДМ", "TsAODM"]),
    "РГВА": ("RGVA", ["Российский государственный военный архив", "РГВА", "RGVA"]),
    "РГАЭ": ("RGAE", ["Российский государственный архив экономики", "РГАЭ", "RGAE"]),
    "РГАЛИ": ("RGALI", ["Российский государственный архив литературы и искусства", "РГАЛИ", "RGALI"]),
    "РГВИА": ("RGVIA", ["Российский государственный военно-исторический архив", "РГВИА", "RGVIA"]),
    "РЦХИДНИ": ("RTsKhIDNI", ["РЦХИДНИ", "RTsKhIDNI"]),
    "ЦХСД": ("TsKhSD", ["ЦХСД", "TsKhSD"]),
    "ЦА ФСБ": ("TsA FSB", ["Центральный архив ФСБ", "ЦА ФСБ РФ", "ЦА ФСБ", "TsA FSB"]),
    "ЦГАОР": ("TsGAOR", ["ЦГАОР СССР", "ЦГАОР", "TsGAOR"]),
    "ЦГАНХ": ("TsGANKh", ["ЦГАНХ", "TsGANKh"]),
    "ЦГАИПД СПб": ("TsGAIPD SPb", ["ЦГАИПД СПб", "ЦГАИПД", "TsGAIPD SPb", "TsGAIPD"]),
    "АМИД КНР": ("AMFA PRC", ["Архив МИД КНР", "АМИД КНР", "AMFA PRC"]),
}
# archive abbreviations, and their two-letter parts (`АП`, `РФ` of `АП РФ`), which a tagger
# takes for places and organisations; `СССР` or `МИД` inside one stay what they are
ABBREVIATIONS = frozenset(part for _, (_, names) in ARCHIVES.items() for name in names
                          for part in [name, *name.split()] if part.isupper() and (part == name or len(part) <= 2))
_ALIASES = sorted(((alias, canon) for canon, (_, names) in ARCHIVES.items() for alias in names),
                  key=lambda a: len(a[0]), reverse=True)
_ARCHIVE_RE = re.compile("|".join(
    r"(?<![\w])" + re.escape(alias).replace(r"\ ", r"\s*") + r"(?![\w])" for alias, _ in _ALIASES
), re.IGNORECASE)

_NUM = r"(?:№\s*)?"
_VALUE = r"([0-9]+[А-Яа-яA-Za-z]?(?:[-/][0-9А-Яа-яA-Za-z]+)?|[А-ЯA-Z]{1,2}-?[0-9]*(?=[.,;\s]|$))"
# `об.` (the back of a sheet), also as OCR reads it: `06.`, `о6.`
_BACK = r"(?:(?:\s*об|\s+(?:06|о6|0б))\.?)"
_SHEET = rf"\d+{_BACK}?(?:\s*(?:-|–|—)\s*\d+{_BACK}?)?"
_SHEETS = rf"({_SHEET}(?:\s*,\s*{_SHEET})*)"
_SEP = r"(?:[\s,.;:]|-(?=\s))*"  # `Оп. 163- Д. 869`: a hyphen printed for a period

# `Фф.`: tesseract doubling the letter of a lower-case `ф.`
_FOND = re.compile(rf"(?<![\w])(?:Фонд|Фф?[.,]|F\.|Fond|f\.)\s*{_NUM}{_VALUE}", re.IGNORECASE)
# after a fond, the period of `Оп.`, `Д.`, `Л.` may come out of tesseract as `,`, `ь` or `е`
_DOT = r"[.,ье]"
_LEVELS = {
    # after a fond the order of levels is fixed, so tesseract's usual misreadings of the
    # typewriter's Д (Ц) and п (н) can be read back: `Он. 1. Ц. 364` is `Оп. 1. Д. 364`
    "opis": re.compile(rf"{_SEP}(?<![\w])(?:Опись|Оп{_DOT}?|Он\.|Op\.?|Opis)\s*{_NUM}{_VALUE}", re.IGNORECASE),
    "porucheniye": re.compile(rf"{_SEP}(?<![\w])(?:пор\.|por\.|поручение)\s*{_NUM}{_VALUE}", re.IGNORECASE),
    "papka": re.compile(rf"{_SEP}(?<![\w])(?:пап\.|pap\.|папка|papka|п\.|p\.)\s*{_NUM}{_VALUE}", re.IGNORECASE),
    "delo": re.compile(rf"{_SEP}(?<![\w])(?:Дело|Д{_DOT}|Цело|Ц\.|D\.|Delo|d\.)\s*{_NUM}{_VALUE}", re.IGNORECASE),
    "tom": re.compile(rf"{_SEP}(?<![\w])(?:Том|Т\.|vol\.)\s*{_NUM}{_VALUE}", re.IGNORECASE),
    "sheets": re.compile(rf"{_SEP}(?<![\w])(?:Листы|Лист|Лл\.?|Л{_DOT}|ll\.|l\.|pp\.|p\.|Listy|List)\s*{_NUM}{_SHEETS}",
                         re.IGNORECASE),
}
# Between an opis and the sheets only the delo can stand, whatever tesseract made of
# its `Д.` (`ДЦ.`, `Л.`): read it by position when the sheets follow.
_MISREAD_DELO = re.compile(
    rf"{_SEP}(?<![\w])[А-ЯЁ]{{1,2}}\.\s*{_NUM}{_VALUE}(?={_SEP}(?:Листы|Лист|Лл?\.|ll?\.))", re.IGNORECASE)
# The sheets close a legend: after the delo, a short word with a period before a number
# that ends the line or the legend (`п. 3-4.`, `лп. 24.`, `пл. 17. Подлинник.`) is the
# `Л.`/`Лл.` as tesseract misread it.
_MISREAD_SHEETS = re.compile(
    rf"{_SEP}(?<![\w])[ЛлПп][ЛлПпе]?\.\s*{_NUM}{_SHEETS}(?=\.?[ \t]*(?:$|[А-ЯЁ«\"]))", re.M)
# `ЦА ФСБ России. Арх. уг. д. Р-8214. Т. 1. Л. 35—38.`: an archived criminal or
# investigation case, cited by its number with no fond or opis
_CASE_FILE = re.compile(rf"(?<![\w])(?:Арх\.\s*)?(?:уг\.|угол\.|следств\.|сл\.|арх\.-сл\.)\s*[дц](?:ело|\.)\s*{_NUM}{_VALUE}",
                        re.IGNORECASE)
_ORDER = ["opis", "porucheniye", "papka", "delo", "tom", "sheets"]
_NOTES = re.compile(
    r"[\s.,;]*((?:(?:Подлинник|Заверенная\s+копия|Незаверенная\s+копия|Копия|Машинопись|Рукопись|Автограф"
    r"|Отпуск|Черновик|Типографский\s+экземпляр|Ксерокопия)(?:\s+[а-яё]+)?\s*[.,;]?\s*)+)",
    re.IGNORECASE,
)


# `Л. 17.` or `Лл. 12—14 об. Подлинник.` alone on a line: a legend that gives only the
# sheets, the rest being the file the collection cites once for all its documents
_SHEETS_ONLY = re.compile(rf"^[ \t/]*(?:Там\s+же[.,]?\s*)?(?:Листы|Лист|Лл?\.|лл?\.|ll?\.)\s*{_SHEETS}\.?[ \t]*(?=$|[А-ЯЁ])",
                          re.M)


def _clean_sheets(sheets: str) -> str:
    sheets = re.sub(r"\s+(?:06|о6|0б)\.?(?=$|[-,\s])", " об.", sheets.strip())
    sheets = re.sub(r"\s*[–—]\s*", "-", sheets)
    sheets = re.sub(r"\s*-\s*", "-", sheets)
    return re.sub(r"(?<!\d)0+(?=\d)", "", sheets)  # ll. 0046-0048 → 46-48


# tesseract's Cyrillic model reads digits of a legend as look-alike letters (`Д. біа`, `оп. З`)
_DIGIT_LOOKALIKES = str.maketrans({"б": "6", "З": "3", "з": "3", "О": "0", "о": "0", "і": "1", "І": "1", "l": "1"})
_LEVEL_VALUE = re.compile(r"(?<![\w])((?:Оп|оп|Д|д|Л|л|Лл|лл)[.,]\s*)([бЗзОоіІl\d]{1,5}[а-я]?)(?=[\s.,;]|$)")


def _digits_in_legends(text: str) -> str:
    """In a line that is a legend, a level's value read as letters that look like digits;
    a letter after digits stays the suffix it is (`1б`, `61а`)."""
    def value(m: re.Match[str]) -> str:
        token = m.group(2)
        head = token[:-1].translate(_DIGIT_LOOKALIKES)
        if len(token) > 1 and token[-1].islower() and head.isdigit():
            return m.group(1) + head + token[-1]
        return m.group(1) + token.translate(_DIGIT_LOOKALIKES)
    return "\n".join(_LEVEL_VALUE.sub(value, line) if _FOND.search(line) else line for line in text.split("\n"))


# A Latin citation as the Cyrillic model reads it: `КСАЅРІ, #. 17, ор. 162, а. 23, 11. 54-55.`
# (RGASPI, f. 17, op. 162, d. 23, ll. 54-55): its levels stand in a fixed order, so they are
# read by place, and the archive by the Latin letters its Cyrillic readings can stand for.
_GARBLED_LATIN = re.compile(
    r"^[^\w\n]*(?P<archive>[А-ЯЁA-ZЅІ][А-ЯЁA-ZЅІ ]{1,9}),[ \t]*\S{1,2}\.[ \t]*(?P<fond>[\dA-ZА-Я-]+),[ \t]*"
    r"(?:ор|op|оп)\.[ \t]*(?P<opis>\w+),(?:[ \t]*[рp]\.[ \t]*(?P<papka>\d+),)?[ \t]*\S{1,2}\.[ \t]*(?P<delo>\w+),[ \t]*"
    r"(?:11|1|ll|l|лл|л)\.[ \t]*(?P<sheets>[\d \t,–—-]+?)\.?[ \t]*$",
    re.M)
# what a Cyrillic letter read off a Latin citation may stand for: its look-alike, and the
# Latin letter the model was seen to take it for (С for G, Е for F, К for R, У for V)
_READ_AS = {"А": "A", "В": "B", "С": "CG", "Е": "EF", "Ё": "EF", "К": "KR", "М": "M", "Н": "H", "О": "O",
            "Р": "P", "Т": "T", "У": "YV", "Х": "X", "Ѕ": "S", "І": "I"}
_LATIN_NAMES = {re.sub(r"\s", "", alias).upper(): canon for alias, canon in _ALIASES if alias.isascii()}


def _archive_read_as(garbled: str) -> str | None:
    """The archive whose Latin name the garbled letters can spell, if exactly one can."""
    letters = re.sub(r"\s", "", garbled).upper()
    pattern = re.compile("".join(f"[{_READ_AS.get(c, c)}]" for c in letters))
    found = {canon for name, canon in _LATIN_NAMES.items() if pattern.fullmatch(name)}
    return found.pop() if len(found) == 1 else None


def _garbled_latin(text: str) -> list[dict[str, Any]]:
    refs = []
    for m in _GARBLED_LATIN.finditer(text):
        archive = _archive_read_as(m.group("archive"))
        if archive is None:
            continue  # not a citation we can vouch for
        refs.append({
            "archive": archive, "archive_latin": ARCHIVES[archive][0], "fond": m.group("fond"),
            "opis": m.group("opis").translate(_DIGIT_LOOKALIKES), "delo": m.group("delo").translate(_DIGIT_LOOKALIKES),
            "sheets": _clean_sheets(m.group("sheets")), "extra": {"papka": m.group("papka")} if m.group("papka") else {},
            "authenticity": None, "raw": m.group(0).strip(),
        })
    return refs


def find_references(text: str) -> list[dict[str, Any]]:
    text = _digits_in_legends(text)
    refs: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    last_end = 0
    # a legend opens with its fond, or (a case file of the security services) with its delo
    starts = sorted([*_FOND.finditer(text), *_CASE_FILE.finditer(text)], key=lambda m: m.start())
    for fond in starts:
        if fond.start() < last_end:
            continue
        case_file = fond.re is _CASE_FILE
        levels: dict[str, str] = {"delo": fond.group(1)} if case_file else {}
        pos = fond.end()
        for name in _ORDER[_ORDER.index("tom"):] if case_file else _ORDER:
            m = _LEVELS[name].match(text, pos)
            if m is None and name == "delo" and "opis" in levels:
                m = _MISREAD_DELO.match(text, pos)
            if m is None and name == "sheets" and "delo" in levels:
                m = _MISREAD_SHEETS.match(text, pos)
            if m:
                levels[name] = m.group(1)
                pos = m.end()
        if "opis" not in levels and "delo" not in levels or case_file and "sheets" not in levels:
            continue  # `Ф.` alone is an initial or a page, not a fond
        archive, start = _archive_before(text, fond.start(), last_end)
        note = _NOTES.match(text, pos)
        authenticity = re.sub(r"\s+", " ", note.group(1)).strip() if note else None
        ref = {
            "archive": archive,
            "archive_latin": _latin_name(archive),
            "fond": None if case_file else fond.group(1),
            "opis": levels.get("opis"),
            "delo": levels.get("delo"),
            "sheets": _clean_sheets(levels["sheets"]) if "sheets" in levels else None,
            "extra": {k: levels[k] for k in ("porucheniye", "papka", "tom") if k in levels},
            "authenticity": authenticity,
            "raw": re.sub(r"\s+", " ", text[start:pos]).strip(" ,;"),
        }
        last_end = pos
        key = (ref["archive"], ref["fond"], ref["opis"], ref["delo"], ref["sheets"])
        if key not in seen:
            seen.add(key)
            refs.append(ref)
    if not refs:
        refs.extend(_garbled_latin(text) or _sheets_only(text))
    return refs


def _sheets_only(text: str) -> list[dict[str, Any]]:
    m = _SHEETS_ONLY.search(text)
    if m is None:
        return []
    note = _NOTES.match(text, m.end())
    return [{
        "archive": None, "archive_latin": None, "fond": None, "opis": None, "delo": None,
        "sheets": _clean_sheets(m.group(1)), "extra": {},
        "authenticity": re.sub(r"\s+", " ", note.group(1)).strip() if note else None,
        "raw": m.group(0).strip(),
    }]


# an abbreviation in capitals and what qualifies it (`ЦДАГО Украины`, `ЦДНИ Воронежской обл.`,
# `ЦГА СПб`), or a name with the word archive in it (`Особый архив Литвы`)
_OTHER_ARCHIVE = re.compile(
    r"^[\s/\-–—]*(?!(?i:там\s+же))((?:[А-ЯЁ]{2,8}(?:\s+(?:[А-ЯЁ]{2,6}|СПб|РФ|[А-ЯЁ][а-яё]+|обл\.|края|АССР)){0,3}"
    r"|(?:[А-ЯЁ][а-яё]+\s+){0,2}[Аа]рхив(?:\s+[А-ЯЁа-яё]+\.?){0,4}))[\s.,:]*$")


def _archive_before(text: str, fond_start: int, floor: int) -> tuple[str | None, int]:
    """The archive named just before a fond: on the same line, after the previous reference."""
    line_start = text.rfind("\n", 0, fond_start) + 1
    lo = max(line_start, floor, fond_start - 120)
    window = text[lo:fond_start]
    best = None
    for m in _ARCHIVE_RE.finditer(window):
        best = m  # the nearest one before the fond wins
    if best is None:
        # an archive not in the list (`ГАНО`, `ЦГА РСФСР`): an abbreviation in capitals
        # opening the legend, kept as printed
        other = _OTHER_ARCHIVE.search(window)
        if other is None:
            return None, fond_start
        name = re.sub(r"(?<!обл)\.$", "", re.sub(r"\s+", " ", other.group(1)).rstrip(" ,"))  # keep `обл.`
        return name, lo + other.start(1)
    canon = next(c for alias, c in _ALIASES if re.fullmatch(re.escape(alias).replace(r"\ ", r"\s*"), best.group(0), re.I))
    return canon, lo + best.start()


def _latin_name(archive: str | None) -> str | None:
    """The Latin abbreviation of a known archive; one printed otherwise is transliterated."""
    if archive is None:
        return None
    return ARCHIVES[archive][0] if archive in ARCHIVES else latin(archive)


def citation(ref: dict[str, Any] | None) -> str | None:
    """English-style citation: 'APRF, F. 45, Op. 1, D. 332, ll. 47-48'."""
    if not ref:
        return None
    parts = [ref["archive_latin"]] if ref.get("archive_latin") else []
    if ref.get("fond"):
        parts.append(f"F. {latin(ref['fond'])}")
    if ref.get("opis"):
        parts.append(f"Op. {latin(ref['opis'])}")
    extra = ref.get("extra") or {}
    if "porucheniye" in extra:
        parts.append(f"Por. {extra['porucheniye']}")
    if "papka" in extra:
        parts.append(f"Pap. {extra['papka']}")
    if ref.get("delo"):
        parts.append(f"D. {latin(ref['delo'])}")
    if "tom" in extra:
        parts.append(f"Vol. {extra['tom']}")
    if ref.get("sheets"):
        sheets = ref["sheets"].replace("об.", "ob.").replace("об", "ob.")
        plural = bool(re.search(r"[-,]", sheets))
        parts.append(f"{'ll.' if plural else 'l.'} {sheets}")
    return ", ".join(parts)
