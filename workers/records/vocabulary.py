"""Words the parser recognises, in one place: document types, kinds of cited
documents, and the words that open an official's role."""

from __future__ import annotations

import re

# Type words in the nominative, as they open a line that heads a document (`ТЕЛЕГРАММА`,
# `Выписка из протокола № 106`); longer phrases first. What each one means is decided once,
# by `heading_type_of` below.
DOC_TYPE_WORDS = (
    r"шифртелеграмма|шифрованная\s+телеграмма|шифровка|шифрограмма|телеграмма|телефонограмма|радиограмма"
    r"|запись\s+(?:беседы|разговора|переговоров)|беседа|из\s+дневника|дневник|протокол\s+допроса|акт"
    r"|(?:докладная|служебная|памятная|объяснительная)\s+записка|меморандум|записка|нота"
    r"|письмо|обращение|послание|доклад|донесение|спецсообщение|сообщение|отч[её]т|рапорт|информация"
    r"|спецсводка|сводка|(?:проект\s+)?постановление|резолюция|решение|указ"
    r"|выписка\s+из\s+протокола|из\s+протокола|протокол|приказ|распоряжение"
    r"|директива|указание|инструкция|циркуляр|справка|заявление|речь|выступление|тезисы"
)
DOC_TYPE_RE = re.compile(
    r"^\W*(?:проект\s+|копия\s+|выписка\s+из\s+)?(" + DOC_TYPE_WORDS + r")(?![а-яё])",
    re.IGNORECASE | re.MULTILINE,  # MULTILINE: `match(text, line_start)` anchors at that line
)


# The same types in any case form, for a title that names its document anywhere among
# its first words (`Из письма …`, `Записка Н.И. Ежова И.В. Сталину`, `Текст телеграммы`).
HEADING_TYPES: list[tuple[str, str]] = [
    (r"шифртелеграмм|шифрованн\w*\s+телеграмм|шифровк|шифрограмм", "ciphered_telegram"),
    (r"телеграмм|телефонограмм|радиограмм", "telegram"),
    (r"запис[ьи]\s+(?:бесед|разговор|переговор)|бесед[аы]|дневник", "record_of_conversation"),
    (r"протокол\w*\s+допрос|акт(?![а-яё])|заявлени|реч[ьи](?![а-яё])|выступлени|тезис", "other"),
    (r"(?:докладн|служебн|памятн|объяснительн)\w*\s+записк|меморандум", "memorandum"),
    (r"записк|нот[аыуе](?![а-яё])", "note"),
    (r"письм|обращени|послани", "letter"),
    (r"доклад(?!н)|(?:спец)?(?:донесени|сообщени|сводк)|отч[её]т|рапорт|информаци", "report"),
    (r"постановлени|резолюци", "resolution"),
    (r"решени|указ(?:а|у|ом|е)?(?![а-яё])", "decision"),
    (r"протокол", "protocol"),
    (r"приказ|распоряжени", "order"),
    (r"директив|указани|инструкци|циркуляр", "directive"),
    (r"справк", "certificate"),
]
HEADING_TYPE_RE = re.compile(
    r"(?<![а-яёА-ЯЁ])(" + "|".join(f"(?:{p})" for p, _ in HEADING_TYPES) + r")[а-яё]*", re.IGNORECASE)


def heading_type_of(words: str) -> str | None:
    for pattern, kind in HEADING_TYPES:
        if re.match(pattern, words, re.IGNORECASE):
            return kind
    return None


# Markings and the formulas of handling that stand beside them in a document's header.
MARKING_RE = re.compile(
    r"секретно|особ(?:ая|ой|ую|\.)\s*папк|особой\s+важности|для\s+служебного|конфиденциально"
    r"|^\W*лично\W*$|^\W*экз(?:\.|емпляр)|^\W*хранить|^\W*снятие\s+копий|^\W*подлежит\s+возврату"
    r"|^\W*рассекречен|^\W*вне\s+очереди|^\W*копия\s+№|^\(?\s*ОП\s*\)?$|(?<![А-Яа-яЁё])ДСП(?![А-Яа-яЁё])",
    re.IGNORECASE)


# Kinds of documents a text cites ("на телеграмму тов. Рощина № 518"), any case form.
REFERENCE_KINDS: list[tuple[str, str]] = [
    (r"шифртелеграмм|шифровк", "ciphered_telegram"),
    (r"телеграмм|телефонограмм|радиограмм", "telegram"),
    (r"докладн\w*\s+записк|записк", "note"),
    (r"письм|писем", "letter"),
    (r"постановлени", "resolution"),
    (r"решени", "decision"),
    (r"директив|указани", "directive"),
    (r"приказ|распоряжени", "order"),
    (r"донесени|доклад|сообщени|информаци", "report"),
    (r"протокол", "protocol"),
    (r"справк", "certificate"),
]
REFERENCE_KIND_RE = re.compile(
    r"(?<![а-яё])(" + "|".join(p for p, _ in REFERENCE_KINDS) + r")[а-яё]*", re.IGNORECASE
)


def reference_kind_of(word: str) -> str | None:
    for pattern, kind in REFERENCE_KINDS:
        if re.match(pattern, word, re.IGNORECASE):
            return kind
    return None


# Words that open an official's role, as written above or before a signature, and in
# the dative on an address line ("Послу СССР в Китае тов. Рощину").
ROLE_STEMS = (
    r"секретар|председател|заместител|зам\.|министр|посол|посл[ау]|посланник|нарком|народн\w+\s+комиссар"
    r"|начальник|командующ|член|директор|заведующ|зав\.|уполномоченн|представител|советник|поверенн"
    r"|генерал|маршал|адмирал|полковник|первом|первый|главнокомандующ|руководител|консул|атташе"
    r"|резидент|военн\w+\s+атташе|чрезвычайн|генеральн|ответственн|помощник|референт"
    r"|управляющ|исполняющ|и\.\s?о\.|врид|главн|старш|командир|комиссар|прокурор|редактор|переводчик"
    r"|записал|полномочн|полпред|инспектор|следовател|допросил|комдив|комкор|комбриг|командарм|комиссар"
    r"|капитан|майор|лейтенант|подполковник|генерал|парторг|нач\.|пред\.|верно"
)
ROLE_RE = re.compile(r"^\W*(?:" + ROLE_STEMS + r")", re.IGNORECASE)

# Salutation and address words that put a list of names after them.
ADDRESS_RE = re.compile(
    r"^[\W\d]*(?:(?:дорог(?:ой|ие)|уважаем(?:ый|ые))\s+)?"
    r"(?:товарищ(?:у|ам|и)?(?![а-яё])|тов\.|т\.\s?т\.|тт\.|(?-i:т\.)|т-щу|г-ну|господину|госпоже)\s*",
    re.IGNORECASE,
)

# `ЛЕНИНГРАД, СМОЛЬНЫЙ, тов. ЖДАНОВУ`, `ПАРТОРГУ ЦК ВКП(б) тов. СИДОРЕНКО`: an address
# block names its addressee after `тов.` wherever the line puts it
ADDRESS_WORD_RE = re.compile(r"(?:^|[\s,.(])(?:товарищу|товарищам|тов\.|т\.\s?т\.|тт\.|т\.)\s*(?=[А-ЯЁ])")

# How Russian (and Ukrainian, Georgian, Armenian) surnames end in the nominative, a man's
# or a woman's; a word ending so, in capitals or after a role, is a surname even where it
# is a common word too
SURNAME_ENDINGS = r"(?:ов|ев|ёв|ин|ын|ова|ева|ёва|ина|ына|ский|цкий|ской|ская|цкая|енко|ко|ич|ук|юк|ян|швили|дзе|их|ых)"

# Where a title's subject begins (`… о …`, `«…»`, a sentence's end but not an initial's
# period): words after it say what the document is about, not what it is or who wrote it
TITLE_SUBJECT_RE = re.compile(r"(?:^|\s)(?:о|об|обо|по|про)\s|[«\"“]|(?<![А-ЯЁ])\.\s", re.IGNORECASE)

# A protocol's list of who sat or spoke: names that are neither addressees nor signatories
ATTENDANCE_RE = re.compile(r"^\W*(?:присутствовали|присутствуют|приглашены|докладчик|слушали)\b", re.IGNORECASE)
