"""The error tree: each failure code has one class, the class decides retry and exit
status, and every raise site in the code uses its code's class."""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pytest

from workers.errors import (
    MOST_SERIOUS_FIRST,
    ConfigError,
    DeloError,
    FailureCode,
    InputError,
    InternalError,
    LimitError,
    OcrError,
    UnavailableError,
    error_class,
    exit_status,
)

ROOT = Path(__file__).resolve().parents[2]
CLASSES = {cls.__name__: cls for cls in MOST_SERIOUS_FIRST}

# Written out, not derived: what each code means is a decision, and a change to it
# should show in this test's diff.
EXPECTED = {
    InputError: {"EMPTY_FILE", "UNSUPPORTED_FORMAT", "CORRUPT_FILE", "PDF_ENCRYPTED", "NO_TEXT", "NOT_FOUND",
                 "INVALID_KEY"},
    LimitError: {"FILE_TOO_LARGE", "TOO_MANY_PAGES", "IMAGE_TOO_LARGE"},
    OcrError: {"RENDER_TIMEOUT", "OCR_TIMEOUT", "OCR_FAILED"},
    ConfigError: {"TOOL_MISSING"},
    UnavailableError: {"STORE_UNAVAILABLE"},
    InternalError: {"INTERNAL"},
}


def test_every_code_has_exactly_the_class_decided() -> None:
    assert {code.value: error_class(code) for code in FailureCode} == \
        {code: cls for cls, codes in EXPECTED.items() for code in codes}


def test_retryable_is_the_classs() -> None:
    assert {c.value for c in FailureCode if c.retryable} == \
        {"RENDER_TIMEOUT", "OCR_TIMEOUT", "OCR_FAILED", "STORE_UNAVAILABLE"}
    assert all(code.retryable is error_class(code).retryable for code in FailureCode)


def test_exit_statuses_are_distinct_and_leave_0_and_2_alone() -> None:
    statuses = {cls: cls.exit_status for cls in MOST_SERIOUS_FIRST}
    assert statuses == {InternalError: 1, InputError: 3, LimitError: 4, OcrError: 5, ConfigError: 6,
                        UnavailableError: 7}


@pytest.mark.parametrize("met, status", [
    ([], 0),
    (["CORRUPT_FILE", "EMPTY_FILE"], 3),
    (["CORRUPT_FILE", "TOO_MANY_PAGES"], 4),
    (["TOO_MANY_PAGES", "OCR_TIMEOUT", "NO_TEXT"], 5),
    (["OCR_FAILED", "STORE_UNAVAILABLE"], 7),
    (["STORE_UNAVAILABLE", "TOOL_MISSING"], 6),
    (["TOOL_MISSING", "INTERNAL", "CORRUPT_FILE"], 1),
])
def test_a_run_exits_with_its_most_serious_class(met, status) -> None:
    assert exit_status(DeloError(FailureCode[code], "x") for code in met) == status


def test_an_exception_that_is_no_delo_error_is_internal() -> None:
    assert exit_status([InputError(FailureCode.CORRUPT_FILE, "x"), KeyError("bug")]) == 1


def test_delo_error_gives_the_codes_class_and_a_wrong_class_is_refused() -> None:
    timeout = DeloError(FailureCode.RENDER_TIMEOUT, "page 3 took longer than 60 s to render")
    assert type(timeout) is OcrError and str(timeout) == "RENDER_TIMEOUT: page 3 took longer than 60 s to render"
    assert type(DeloError(FailureCode.STORE_UNAVAILABLE, "db away")) is UnavailableError
    assert UnavailableError("db away").code is FailureCode.STORE_UNAVAILABLE
    with pytest.raises(TypeError, match="RENDER_TIMEOUT is raised as OcrError, not InputError"):
        InputError(FailureCode.RENDER_TIMEOUT, "x")


@pytest.mark.parametrize("error", [InputError(FailureCode.CORRUPT_FILE, "bad"), UnavailableError("db away")])
def test_errors_survive_pickling(error) -> None:
    """Celery and multiprocessing rebuild an exception from its args."""
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), again.code, again.message) == (type(error), error.code, error.message)


def _constructions():
    """Every `SomeError(FailureCode.X, …)` in workers/ and services/."""
    for path in [*ROOT.glob("workers/**/*.py"), *ROOT.glob("services/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CLASSES
                    and node.args and isinstance(node.args[0], ast.Attribute)
                    and isinstance(node.args[0].value, ast.Name) and node.args[0].value.id == "FailureCode"):
                yield f"{path.relative_to(ROOT)}:{node.lineno}", node.func.id, node.args[0].attr


def test_every_raise_site_uses_its_codes_class() -> None:
    sites = list(_constructions())
    assert len(sites) > 20  # the scan finds them: pages, poppler, detect, stage, tesseract, engine, …
    wrong = [(where, cls, code) for where, cls, code in sites if error_class(FailureCode[code]).__name__ != cls]
    assert wrong == []
