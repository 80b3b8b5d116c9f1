"""The typed record (workers/records/model.py) against the contract it types,
../shared/schema/record.schema.json: the same fields, required where the contract
requires them, nullable exactly where it allows null; and the two agree on records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from workers.records.model import Fields, Record

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def _deref(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[-1]]
    return node


def _nullable(node: dict[str, Any], defs: dict[str, Any]) -> bool:
    node = _deref(node, defs)
    kinds = node.get("type", [])
    return ("null" in kinds if isinstance(kinds, list) else kinds == "null") \
        or None in node.get("enum", []) or any(_nullable(n, defs) for n in node.get("anyOf", []))


def _inner(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """The non-null branch of a pydantic `X | None` (its anyOf), dereferenced."""
    node = _deref(node, defs)
    branches = [b for b in node.get("anyOf", []) if b.get("type") != "null"]
    return _deref(branches[0], defs) if len(branches) == 1 else node


def _compare(theirs: dict[str, Any], their_defs: dict[str, Any], ours: dict[str, Any], our_defs: dict[str, Any],
             path: str, problems: list[str]) -> None:
    theirs, ours = _inner(theirs, their_defs), _inner(ours, our_defs)
    if "items" in theirs:
        _compare(theirs["items"], their_defs, ours.get("items", {}), our_defs, path + "[]", problems)
    if "properties" not in theirs:
        return
    mine = ours.get("properties", {})
    problems += [f"{path}.{name}: in the contract, not in the model" for name in theirs["properties"] if name not in mine]
    problems += [f"{path}.{name}: required by the contract, optional in the model"
                 for name in theirs.get("required", []) if name not in ours.get("required", [])]
    for name, node in theirs["properties"].items():
        if name in mine:
            if _nullable(node, their_defs) != _nullable(mine[name], our_defs):
                problems.append(f"{path}.{name}: nullable in one and not the other")
            _compare(node, their_defs, mine[name], our_defs, f"{path}.{name}", problems)


def test_the_model_has_the_contracts_fields_required_and_nullable_alike(record_schema) -> None:
    ours = Record.model_json_schema(by_alias=True)
    problems: list[str] = []
    _compare(record_schema, record_schema.get("$defs", {}), ours, ours.get("$defs", {}), "record", problems)
    assert problems == []


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.json")), ids=lambda p: p.stem)
def test_the_model_and_the_schema_agree_on_each_golden_record(path: Path, validate_record_object) -> None:
    fields = json.loads(path.read_text(encoding="utf-8"))
    validate_record_object(fields)
    Fields.model_validate(fields)


def test_a_record_that_breaks_the_contract_is_refused(validate_record) -> None:
    record: dict[str, Any] = {"schema": "delo.record/1", "id": "0123456789abcdef", "text": "Текст", "warnings": [],
              "source": {"uri": "file:///a.png", "version": None, "sha256": "0" * 64, "content_type": "image/png",
                         "page_count": 1, "drop": None},
              "ocr": {"engine": "tesseract 5", "languages": "Cyrillic", "mean_confidence": 90.0,
                      "pages": [{"number": 1, "text": "Текст", "confidence": 90.0}]},
              "record": {"document_type": "telegram", "date": "1949-05-05", "date_raw": "5 мая 1949 г.",
                         "classification": [], "addressees": [], "signatories": [], "archival_references": [],
                         "registration_number": None, "references": [], "citation": None,
                         "entities": {"persons": [], "locations": [], "organizations": []}}}
    validate_record(record)
    Record.check(record)
    for broken in ({**record, "record": {**record["record"], "date": "5 May 1949"}},
                   {**record, "record": {**record["record"], "document_type": "poem"}},
                   {**record, "source": {**record["source"], "page_count": 0}}):
        with pytest.raises(ValidationError):
            Record.check(broken)
