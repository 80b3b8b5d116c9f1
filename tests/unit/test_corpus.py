"""tests/corpus: 45 documents written here in the forms of the real population (none of
them seen while the parser was built), each with an archivist's expected fields.

GIVEN documents the parser was not written against WHEN parsed THEN at least the share of
fields measured when they were added is right, and every record fits the schema. A drop
below it is a regression in how the parser generalises; raise the floor as it improves.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.scoring import score
from workers.records import parse_record

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
FLOOR = 0.93  # measured 337/360 = 0.936 when the corpus was added


def test_corpus_fields(validate_record_object) -> None:
    results: dict[str, list[str]] = {}
    passed = checked = 0
    for expected_file in sorted(CORPUS.glob("*.expected.json")):
        name = expected_file.name.removesuffix(".expected.json")
        record = parse_record((CORPUS / f"{name}.txt").read_text(encoding="utf-8"), with_entities=False)
        validate_record_object(record)
        fields = score(record, json.loads(expected_file.read_text(encoding="utf-8")))
        passed += sum(fields.values())
        checked += len(fields)
        results[name] = [f for f, ok in fields.items() if not ok]
    assert checked >= 45 * 8
    misses = {n: m for n, m in results.items() if m}
    assert passed / checked >= FLOOR, f"{passed}/{checked}; missed: {misses}"
