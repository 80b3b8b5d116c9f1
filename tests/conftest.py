"""Shared fixtures: the record schema (a contract kept in ../shared) and scan makers.

../shared (or DELO_SHARED) is always there in CI, which sets CI (`.ci/run` exports CI=1):
there a test that needs it fails, naming the path it looked for; a developer's run
without it skips those tests (../shared/DESIGN.md asks for both)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("DELO_SHARED", ROOT.parent / "shared"))
SCHEMA_PATH = SHARED / "schema" / "record.schema.json"


def shared_missing(path: Path, what: str) -> None:
    """Fail in CI, skip elsewhere, saying which path was missing."""
    message = f"{what} not found at {path} (set DELO_SHARED to the folder holding schema/ and corpus/)"
    if os.environ.get("CI"):
        pytest.fail(f"CI is set and {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def record_schema() -> dict:
    if not SCHEMA_PATH.exists():
        shared_missing(SCHEMA_PATH, "the record schema")
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def validate_record(record_schema):
    """Validate a whole delo.record/1 document; raises jsonschema.ValidationError."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(record_schema)

    def check(record: dict) -> None:
        validator.validate(record)

    return check


@pytest.fixture(scope="session")
def validate_record_object(record_schema):
    """Validate the `record` object alone (what `delo parse` prints)."""
    from jsonschema import Draft202012Validator

    sub = dict(record_schema["properties"]["record"])
    sub["$defs"] = record_schema["$defs"]
    validator = Draft202012Validator(sub)
    return validator.validate
