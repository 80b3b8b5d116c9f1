"""Golden files: tests/golden/NAME.txt parses to tests/golden/NAME.json.

Regenerate after an intended change with `UPDATE_GOLDEN=1 pytest tests/unit/test_golden.py`
and review the diff: the golden files are the parser's specification by example.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from workers.records import parse_record

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
CASES = sorted(GOLDEN.glob("*.txt"))


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_golden(case: Path, validate_record_object) -> None:
    """GIVEN a text written for delo WHEN parsed THEN the record equals its golden file and fits the schema."""
    record = parse_record(case.read_text(encoding="utf-8"), with_entities=False)
    validate_record_object(record)
    expected_path = case.with_suffix(".json")
    if os.environ.get("UPDATE_GOLDEN") or not expected_path.exists():
        expected_path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if not os.environ.get("UPDATE_GOLDEN"):
            pytest.fail(f"{expected_path.name} was missing and has been written: review it and commit")
    assert record == json.loads(expected_path.read_text(encoding="utf-8"))


def test_golden_cases_exist() -> None:
    assert len(CASES) >= 8
