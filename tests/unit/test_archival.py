import pytest

from workers.records.archival import citation, find_references
from workers.records.text import clean


def ref_of(text: str) -> dict:
    refs = find_references(clean(text))
    assert refs, text
    return refs[0]


@pytest.mark.parametrize("text, archive, fond, opis, delo, sheets", [
    ("Архив Президента Российской Федерации, Фонд N 3, Опись N 58, Дело 12, Лист N 4-5", "АП РФ", "3", "58", "12", "4-5"),
    ("Архив Президента РФ, Фонд М 3, Опись М 58, Дело 12, Лист М 4-5", "АП РФ", "3", "58", "12", "4-5"),
    ("АП РФ. Ф. 3. Оп. 65. Д. 364. Л. 12.", "АП РФ", "3", "65", "364", "12"),
    ("РГАСПИ. Ф. 17. Оп.163. Д. 1323. Л. 57", "РГАСПИ", "17", "163", "1323", "57"),
    ("// ЦАОДМ, ф. 3, оп. 52, д. 27, л. 18-32. Заверенная копия.", "ЦАОДМ", "3", "52", "27", "18-32"),
    ("РГАСПИ. Ф. 17. Oп. 3. Д. 1. Л. 5 об.", "РГАСПИ", "17", "3", "1", "5 об."),
    ("Ф. П. Оп. 2. Д. 71. Л. 9. Подлинник.", None, "П", "2", "71", "9"),
    ("APRF, F. 45, Op. 1, D. 332, ll. 47-48", "АП РФ", "45", "1", "332", "47-48"),
    ("RGASPI, f. 558, op. 11, d. 342, l. 92", "РГАСПИ", "558", "11", "342", "92"),
    ("AP RF, f. 45, op. 1, d. 334, l. 141", "АП РФ", "45", "1", "334", "141"),
    ("RGASPI, f. 558, op. 11, d. 333, ll.0046-0048", "РГАСПИ", "558", "11", "333", "46-48"),
    ("ГАРФ. Ф. Р-5446. Оп. 1. Д. 5. Л. 10–12.", "ГАРФ", "Р-5446", "1", "5", "10-12"),
    ("АП РФ. Ф. 3. Он. 65. Ц. 364. Л. 12-13.", "АП РФ", "3", "65", "364", "12-13"),  # tesseract's misreadings
    ("АП РФ. Ф. 3. Оп. 65. ДЦ. 364. Л. 12-13.", "АП РФ", "3", "65", "364", "12-13"),
])
def test_reference_forms(text, archive, fond, opis, delo, sheets) -> None:
    ref = ref_of(text)
    assert (ref["archive"], ref["fond"], ref["opis"], ref["delo"], ref["sheets"]) == (archive, fond, opis, delo, sheets)


def test_extra_levels_and_latin_abbreviation() -> None:
    ref = ref_of("AVPRF, f. 0100, op. 42, por. 19, pap. 288, ll. 28-31")
    assert ref["archive"] == "АВП РФ" and ref["archive_latin"] == "AVPRF"
    assert ref["fond"] == "0100" and ref["extra"] == {"porucheniye": "19", "papka": "288"}
    assert citation(ref) == "AVPRF, F. 0100, Op. 42, Por. 19, Pap. 288, ll. 28-31"


def test_several_archives_in_one_string() -> None:
    text = "Wilson Center, APRF, F. 45, Op. 1, D. 332, ll. 47-48, and RGASPI, f. 558, op. 11, d. 333, ll.0046-0048. Translated."
    refs = find_references(clean(text))
    assert [(r["archive_latin"], r["delo"], r["sheets"]) for r in refs] == [("APRF", "332", "47-48"), ("RGASPI", "333", "46-48")]


@pytest.mark.parametrize("text, note", [
    ("АП РФ. Ф. 3. Оп. 1. Д. 2. Л. 3. Подлинник. Машинопись.", "Подлинник. Машинопись."),
    ("Ф. П. Оп. 2. Д. 71. Л. 9. Подлинник.", "Подлинник."),
    ("ЦАОДМ, ф. 3, оп. 52, д. 27, л. 18-32. Заверенная копия.", "Заверенная копия."),
    ("РГАСПИ. Ф. 558. Оп. 1. Д. 2. Л. 3. Автограф", "Автограф"),
])
def test_authenticity_notes(text: str, note: str) -> None:
    assert ref_of(text)["authenticity"] == note


@pytest.mark.parametrize("text, expected", [
    ("Архив Президента Российской Федерации, Фонд N 3, Опись N 58, Дело 12, Лист N 4-5", "APRF, F. 3, Op. 58, D. 12, ll. 4-5"),
    ("АП РФ. Ф. 3. Оп. 65. Д. 364. Л. 12.", "APRF, F. 3, Op. 65, D. 364, l. 12"),
    ("Ф. П. Оп. 2. Д. 71. Л. 9.", "F. P, Op. 2, D. 71, l. 9"),
])
def test_citation(text: str, expected: str) -> None:
    assert citation(ref_of(text)) == expected


@pytest.mark.parametrize("text", [
    "Молотов В.М. Речи. – Т. 2. – М.: 1950. С. 118.",
    "Ф. И. О. заявителя",
    "Д. 5 без фонда",
])
def test_not_references(text: str) -> None:
    assert find_references(clean(text)) == []


@pytest.mark.parametrize("text, archive, latin_name", [
    ("ГАНО. Ф. 1. Оп. 2. Д. 3. Л. 4.", "ГАНО", "GANO"),                 # an archive not in the list
    ("ЦГА РСФСР, ф. 5, оп. 1, д. 2, л. 3", "ЦГА РСФСР", "TsGA RSFSR"),
    ("ЦА ФСБ РФ. Ф. 3. Оп. 4. Д. 5. Л. 6.", "ЦА ФСБ", "TsA FSB"),
    ("ЦХСД. Ф. 89. Оп. 2. Д. 7. Л. 1.", "ЦХСД", "TsKhSD"),
])
def test_archive_named_as_printed(text: str, archive: str, latin_name: str) -> None:
    ref = ref_of(text)
    assert (ref["archive"], ref["archive_latin"]) == (archive, latin_name)


def test_legend_with_only_the_sheets() -> None:
    """GIVEN a collection's legend that gives only the sheets WHEN read THEN the sheets and
    nothing else, with the note on the copy."""
    ref = ref_of("Текст документа.\nЛл. 12—14 об. Подлинник.\n")
    assert (ref["archive"], ref["fond"], ref["opis"], ref["delo"], ref["sheets"], ref["authenticity"]) == \
        (None, None, None, None, "12-14 об.", "Подлинник.")
    assert citation(ref) == "ll. 12-14 ob."


@pytest.mark.parametrize("text, opis, delo", [
    ("РГАСПИ. Ф. 17. Оп. 163- Д. 869. Л. 57.", "163", "869"),          # a hyphen printed for a period
    ("АПРФ, Фф. 45, оп. 1, д. 827, Л. 104.", "1", "827"),                # tesseract's doubled ф
])
def test_printing_and_ocr_slips_between_levels(text: str, opis: str, delo: str) -> None:
    ref = ref_of(text)
    assert (ref["opis"], ref["delo"]) == (opis, delo)


@pytest.mark.parametrize("text, archive, fond, opis, delo, sheets", [
    # Latin citations as tesseract's Cyrillic model reads them: levels by place, the archive
    # by the Latin letters its Cyrillic look-alikes stand for
    ("КСАЅРІ, #. 17, ор. 162, а. 23, 11. 54-55.", "РГАСПИ", "17", "162", "23", "54-55"),
    ("АРКЕ, Ё. 3, ор. 58, а. 210, 11. 31-33.", "АП РФ", "3", "58", "210", "31-33"),
    ("АУР КЕ, Ё. 059, ор. 1, р. 313, а. 2154, 11. 0046-0048.", "АВП РФ", "059", "1", "2154", "46-48"),
    # digits read as look-alike letters in a legend's values; a letter suffix stays
    ("ГАНО. Ф. П-4. Оп. 33. Д. біа. л. 40.", "ГАНО", "П-4", "33", "61а", "40"),
    ("РГВА, ф. 33987, оп. З, д. 1015, лл. 88—90", "РГВА", "33987", "3", "1015", "88-90"),
    ("РГАСПИ. Ф. 17. Оп. 1б. Д. 5. Л. 3.", "РГАСПИ", "17", "1б", "5", "3"),
    # the periods the Cyrillic model misreads, the sheets' Л. misread by its place
    ("АП РФ. Ф, 39. Опь 1. Дь 31. Ле 32.", "АП РФ", "39", "1", "31", "32"),
    ("АПРФ, Ф. 3, оп. 58, д. 178, лп. 24.", "АП РФ", "3", "58", "178", "24"),
    ("ЦА ФСБ. Ф. 1. Оп. 5. Д. 391. Л. 12 06.", "ЦА ФСБ", "1", "5", "391", "12 об."),
])
def test_legends_as_ocr_reads_them(text, archive, fond, opis, delo, sheets) -> None:
    ref = ref_of(text)
    assert (ref["archive"], ref["fond"], ref["opis"], ref["delo"], ref["sheets"]) == (archive, fond, opis, delo, sheets)


def test_garbled_text_is_no_citation() -> None:
    """A line shaped like a citation whose archive reads as none we know gives nothing."""
    assert find_references("ЖЖЖЖ, Ё. 3, ор. 58, а. 210, 11. 31-33.") == []


@pytest.mark.parametrize("text, archive, delo, tom, sheets", [
    ("ЦА ФСБ России. Арх. уг. д. Р-8123. Т. 2. Л. 41—44. Подлинник.", "ЦА ФСБ", "Р-8123", "2", "41-44"),
    ("Архив УФСБ по Курской обл. Арх. уг. д. 1702-с. Л. 5—9. Копия.", "Архив УФСБ по Курской обл.", "1702-с", None, "5-9"),
])
def test_case_file_legends(text, archive, delo, tom, sheets) -> None:
    """GIVEN a criminal case cited by its number WHEN read THEN no fond or opis, the case as the delo."""
    ref = ref_of(text)
    assert (ref["archive"], ref["fond"], ref["opis"], ref["delo"], ref["extra"].get("tom"), ref["sheets"]) == \
        (archive, None, None, delo, tom, sheets)
