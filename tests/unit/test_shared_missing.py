"""Without ../shared the schema-dependent tests fail in CI and skip elsewhere, naming the path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# one test that needs the record schema (and nothing else of ../shared)
NEEDS_SCHEMA = "tests/unit/test_golden.py::test_golden[plain_prose]"


def run_without_shared(tmp_path: Path, ci: bool) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "DELO_SHARED")}
    env["DELO_SHARED"] = str(tmp_path / "no-shared")
    if ci:
        env["CI"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", NEEDS_SCHEMA],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("ci", [True, False], ids=["CI", "no CI"])
def test_a_missing_schema_fails_in_ci_and_skips_elsewhere(tmp_path: Path, ci: bool) -> None:
    """GIVEN DELO_SHARED naming a folder that is not there WHEN a test needs the record
    schema THEN with CI set it errors (exit 1), else it is skipped (exit 0); both name the path."""
    proc = run_without_shared(tmp_path, ci)
    missing = str(tmp_path / "no-shared" / "schema" / "record.schema.json")
    assert missing in proc.stdout, proc.stdout
    if ci:
        assert proc.returncode == 1 and "1 error" in proc.stdout, proc.stdout
    else:
        assert proc.returncode == 0 and "1 skipped" in proc.stdout, proc.stdout
