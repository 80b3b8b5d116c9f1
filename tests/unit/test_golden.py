"""Golden files: tests/golden/NAME.txt parses to tests/golden/NAME.json.

A golden file states what is right for its text, as an archivist reads it: each was
reviewed field by field against its text, and where the parser was wrong the field was
corrected by hand. This test never writes one: a text without its golden file fails.
To write or rewrite them, run `python tests/golden/update.py` (it prints the diff; with
`--write NAME…` it writes those files) and review the diff before committing it.

A field the parser still gets wrong is listed in KNOWN_WRONG with why: the rest of its
case is checked as usual, and the field alone is an xfail(strict=True) test that turns
red once the parser is fixed (then remove its entry).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workers.records import parse_record

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
CASES = sorted(GOLDEN.glob("*.txt"))
# every text the golden set has; a file added or lost shows here
NAMES = ["cipher_from_beijing", "cipher_header", "cover_note", "latin_citations", "letter_to_stalin",
         "no_heading_letter", "ocr_noise", "plain_prose", "politburo_extract"]

# (case, field) → why the parser's value is not the golden one
KNOWN_WRONG: dict[tuple[str, str], str] = {
    ("cover_note", "references"):
        "`донесение тов. Круглова от 28 октября 1949 г.`: the report's date (and the words giving it) "
        "are dropped when the author stands between the kind and `от`",
    ("latin_citations", "title"):
        "the heading `ЗАПИСЬ БЕСЕДЫ` / `с послом КНР` is one title; the parser keeps only its first line",
}


def parsed(name: str) -> dict:
    return parse_record((GOLDEN / f"{name}.txt").read_text(encoding="utf-8"), with_entities=False)


def golden(name: str, folder: Path = GOLDEN) -> dict:
    path = folder / f"{name}.json"
    if not path.exists():
        pytest.fail(f"{path} is missing: write it with `python tests/golden/update.py --write {name}`, "
                    "then review every field against the text")
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_golden_set_is_complete() -> None:
    """GIVEN tests/golden WHEN listed THEN exactly the known texts, each with its golden file."""
    assert [c.stem for c in CASES] == NAMES
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == NAMES


@pytest.mark.parametrize("name", [c.stem for c in CASES])
def test_golden(name: str, validate_record_object) -> None:
    """GIVEN a text written for delo WHEN parsed THEN the record equals its golden file (but
    for the fields KNOWN_WRONG lists) and fits the schema."""
    expected = golden(name)
    validate_record_object(expected)  # the golden file itself keeps to the contract
    record = parsed(name)
    validate_record_object(record)
    assert sorted(record) == sorted(expected)
    skip = {field for case, field in KNOWN_WRONG if case == name}
    assert {k: v for k, v in record.items() if k not in skip} == {k: v for k, v in expected.items() if k not in skip}


@pytest.mark.parametrize("name, field", [
    pytest.param(name, field, marks=pytest.mark.xfail(strict=True, reason=reason), id=f"{name}-{field}")
    for (name, field), reason in KNOWN_WRONG.items()
])
def test_golden_known_wrong(name: str, field: str) -> None:
    assert parsed(name)[field] == golden(name)[field]


def test_a_missing_golden_file_fails_and_writes_nothing(tmp_path) -> None:
    """GIVEN a text whose golden file is missing WHEN its case runs THEN it fails, naming the
    way to write one, and no file has been written."""
    (tmp_path / "new_case.txt").write_text("ТЕЛЕГРАММА\n\nТекст.\n", encoding="utf-8")
    with pytest.raises(pytest.fail.Exception, match="update.py --write new_case"):
        golden("new_case", tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["new_case.txt"]
