"""Dates in Russian archival texts: `26 октября 1949 г.`, `13.6.51`, `24.III.50`,
`16.XII.1947`, `октябрь 1949 г.`, and year-less `от 21 февраля`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = {
    "январ": 1, "янв": 1, "феврал": 2, "фев": 2, "февр": 2, "март": 3, "мар": 3, "апрел": 4, "апр": 4,
    "ма": 5, "июн": 6, "июл": 7, "август": 8, "авг": 8, "сентябр": 9, "сен": 9, "сент": 9,
    "октябр": 10, "окт": 10, "ноябр": 11, "ноя": 11, "нояб": 11, "декабр": 12, "дек": 12,
}
# full month words in any case form (genitive in dates, nominative/prepositional alone)
MONTH_WORD = (r"(?:январ[ьяюе]|феврал[ьяюе]|марта?|марте|апрел[ьяюе]|ма[йяюе]|июн[ьяюе]|июл[ьяюе]"
               r"|августа?|августе|сентябр[ьяюе]|октябр[ьяюе]|ноябр[ьяюе]|декабр[ьяюе]"
               r"|янв\.|февр?\.|апр\.|авг\.|сент?\.|окт\.|нояб?\.|дек\.)(?![а-яё])")
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10, "XI": 11, "XII": 12}
# tesseract reads a typewritten Roman month in Cyrillic: III as ТТТ or Ш, II as П, IX as 1Х
_ROMAN_LOOKALIKES = str.maketrans({"І": "I", "Т": "I", "Х": "X", "У": "V", "Ү": "V", "П": "II", "Ш": "III"})
_YEAR_TAIL = r"(?:\s*(?:г\.|гг\.|года|год|г)(?![а-яё]))?"

_TEXTUAL = re.compile(
    rf"(?<![\d.])«?(\d{{1,2}})»?\s*(?:-?го\s+)?({MONTH_WORD})(?:\s+(\d{{4}}){_YEAR_TAIL})?",
    re.IGNORECASE,
)
_NUMERIC = re.compile(
    rf"(?<![\d.])(\d{{1,2}})\s?[./]\s?(\d{{1,2}})\s?[./]\s?(\d{{4}}|\d{{2}})(?![\d])(?:\.(?=\s|$))?{_YEAR_TAIL}")
_ROMAN_DATE = re.compile(
    rf"(?<![\d.])(\d{{1,2}})\s?[.\-/]\s?([IVXІХхТПШУҮ1]{{1,4}})\s?[.\-/]\s?(\d{{4}}|\d{{2}})(?!\d){_YEAR_TAIL}"
)
_MONTH_YEAR = re.compile(rf"(?<![\d\w])({MONTH_WORD})\s+(\d{{4}}){_YEAR_TAIL}", re.IGNORECASE)


@dataclass
class DateMatch:
    start: int
    end: int
    raw: str
    year: int | None
    month: int
    day: int | None

    def iso(self, default_year: int | None = None) -> str | None:
        year = self.year or default_year
        if year is None:
            return None
        if self.day is None:
            return f"{year:04d}-{self.month:02d}"
        return f"{year:04d}-{self.month:02d}-{self.day:02d}"


def _month_number(word: str) -> int | None:
    w = word.lower().rstrip(".")
    for stem in sorted(_MONTHS, key=len, reverse=True):
        if w.startswith(stem):
            return _MONTHS[stem]
    return None


def _year(text: str) -> int:
    y = int(text)
    return 1900 + y if y < 100 else y


def _valid(year: int | None, month: int, day: int | None) -> bool:
    if not 1 <= month <= 12 or (year is not None and not 1800 <= year <= 2100):
        return False
    try:
        dt.date(year or 2000, month, day or 1)  # 2000: a leap year, so 29 февраля stays valid
    except ValueError:
        return False
    return True


def find_dates(text: str) -> list[DateMatch]:
    found: list[DateMatch] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], year: int | None, month: int | None, day: int | None) -> None:
        if month is None or not _valid(year, month, day):
            return
        if any(s < m.end() and m.start() < e for s, e in taken):
            return
        taken.append((m.start(), m.end()))
        found.append(DateMatch(m.start(), m.end(), m.group(0).strip(), year, month, day))

    for m in _TEXTUAL.finditer(text):
        add(m, _year(m.group(3)) if m.group(3) else None, _month_number(m.group(2)), int(m.group(1)))
    for m in _ROMAN_DATE.finditer(text):
        if m.group(2).isdigit():
            continue  # `12.11.38` is numeric; `1` stands for I only beside a letter (`1Х`, `У11`, `І11`)
        roman = m.group(2).upper().translate(_ROMAN_LOOKALIKES).replace("1", "I")
        add(m, _year(m.group(3)), _ROMAN.get(roman), int(m.group(1)))
    for m in _NUMERIC.finditer(text):
        month = int(m.group(2))
        if month > 12 and set(m.group(2)) <= {"1", "7"}:
            # `16.71.49`: a Roman VI read as 7 and 1; no month is numbered past 12
            month = _ROMAN.get(m.group(2).replace("7", "V").replace("1", "I"), month)
        add(m, _year(m.group(3)), month, int(m.group(1)))
    for m in _MONTH_YEAR.finditer(text):
        add(m, int(m.group(2)), _month_number(m.group(1)), None)
    return sorted(found, key=lambda d: d.start)
