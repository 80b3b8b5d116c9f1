"""Failure codes and the exception tree: one source of truth for what a failure means.

Every failure a job can end in has a FailureCode, and every code belongs to exactly one
class below. The class decides what the failure means for everyone who meets it:
whether trying again can help (`retryable`: what an operator may expect of a replay,
and what the dashboard calls mendless when false) and the exit status of `delo`. Of
the retryable, the tasks retry on their own only UnavailableError, whose cause passes
without anyone's help; an OcrError waits for a replay (a page that timed out once would
hold a worker as long again).

    DeloError                  base: carries .code and a one-line message
    ├── InputError        3    the source itself is bad: never retried
    ├── LimitError        4    the source is over a configured limit: never retried
    ├── OcrError          5    poppler/tesseract timed out or crashed on a page: may pass
    ├── ConfigError       6    the machine lacks a binary or a language model
    ├── UnavailableError  7    a store, database or broker did not answer: retried
    └── InternalError     1    a bug in delo, not in the input: reported, never hidden

`DeloError(code, message)` gives the code's own class, as `OSError(errno.ENOENT, …)`
gives FileNotFoundError: a site that only knows the code still raises the right class.
A class given a code that is not its own is a bug, refused with TypeError.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from enum import StrEnum
from typing import ClassVar, Self, cast


class FailureCode(StrEnum):
    EMPTY_FILE = "EMPTY_FILE"
    UNSUPPORTED_FORMAT = "UNSUPPORTED_FORMAT"
    CORRUPT_FILE = "CORRUPT_FILE"
    PDF_ENCRYPTED = "PDF_ENCRYPTED"
    NO_TEXT = "NO_TEXT"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    TOO_MANY_PAGES = "TOO_MANY_PAGES"
    IMAGE_TOO_LARGE = "IMAGE_TOO_LARGE"
    RENDER_TIMEOUT = "RENDER_TIMEOUT"
    OCR_TIMEOUT = "OCR_TIMEOUT"
    OCR_FAILED = "OCR_FAILED"
    TOOL_MISSING = "TOOL_MISSING"
    NOT_FOUND = "NOT_FOUND"
    INVALID_KEY = "INVALID_KEY"  # a key S3 clients cannot ask for (a `.` or `..` segment)
    INTERNAL = "INTERNAL"  # a bug in delo, not in the input: reported, never hidden
    STORE_UNAVAILABLE = "STORE_UNAVAILABLE"  # object store, database or broker unreachable

    @property
    def retryable(self) -> bool:
        return error_class(self).retryable


class DeloError(Exception):
    codes: ClassVar[frozenset[FailureCode]] = frozenset()
    retryable: ClassVar[bool] = False  # can the same source succeed if tried again?
    exit_status: ClassVar[int] = 1
    meaning: ClassVar[str] = ""  # for `delo --help`
    code: FailureCode

    def __new__(cls, code: FailureCode | str, message: str) -> Self:
        own = error_class(FailureCode(code))
        if cls is not DeloError and cls is not own:
            raise TypeError(f"{FailureCode(code).value} is raised as {own.__name__}, not {cls.__name__}")
        # own is cls itself or, raised as DeloError, the subclass that owns the code
        return cast(Self, super().__new__(own))

    def __init__(self, code: FailureCode | str, message: str):
        # args as given, so that the error pickles and Celery rebuilds it from its args
        super().__init__(FailureCode(code), message)
        self.code = FailureCode(code)
        self.message = message

    def __str__(self) -> str:
        return f"{self.code.value}: {self.message}"


class InputError(DeloError):
    codes = frozenset({FailureCode.EMPTY_FILE, FailureCode.UNSUPPORTED_FORMAT, FailureCode.CORRUPT_FILE,
                       FailureCode.PDF_ENCRYPTED, FailureCode.NO_TEXT, FailureCode.NOT_FOUND,
                       FailureCode.INVALID_KEY})
    exit_status = 3
    meaning = "a bad file (empty, corrupt, encrypted, no text, not found)"


class LimitError(DeloError):
    codes = frozenset({FailureCode.FILE_TOO_LARGE, FailureCode.TOO_MANY_PAGES, FailureCode.IMAGE_TOO_LARGE})
    exit_status = 4
    meaning = "a file over a limit (DELO_MAX_*)"


class OcrError(DeloError):
    # a timeout may pass on a less loaded machine, a crash of the engine on a fresh one
    codes = frozenset({FailureCode.RENDER_TIMEOUT, FailureCode.OCR_TIMEOUT, FailureCode.OCR_FAILED})
    retryable = True
    exit_status = 5
    meaning = "poppler or tesseract timed out or failed on a page (may pass)"


class ConfigError(DeloError):
    # not retried: on the same machine it fails the same way; workers refuse to start
    # without their tools (workers/ocr/tools.py), so a job rarely meets it
    codes = frozenset({FailureCode.TOOL_MISSING})
    exit_status = 6
    meaning = "a tool or tesseract language is missing"


class UnavailableError(DeloError):
    codes = frozenset({FailureCode.STORE_UNAVAILABLE})
    retryable = True
    exit_status = 7
    meaning = "a store (database, object store, broker) did not answer"

    # raised as UnavailableError(message): its class has one code
    def __new__(cls, *args: str) -> Self:
        return super().__new__(cls, *_with_store_code(args))

    def __init__(self, *args: str):
        super().__init__(*_with_store_code(args))


class InternalError(DeloError):
    codes = frozenset({FailureCode.INTERNAL})
    exit_status = 1
    meaning = "a bug in delo"


def _with_store_code(args: tuple) -> tuple:
    return args if len(args) == 2 else (FailureCode.STORE_UNAVAILABLE, *args)


# `delo ingest` with failures of several classes exits with the status of the first
# class here that it met. The order is what to see to first: a bug or a machine without
# its tools fails every file until fixed, and a store away fails the run until it is
# back; the rest concern single files, and among them the failure that may pass when
# tried again, then the one a setting could admit, before a file that can only fail.
MOST_SERIOUS_FIRST: tuple[type[DeloError], ...] = (
    InternalError, ConfigError, UnavailableError, OcrError, LimitError, InputError)
_CLASS_OF = {code: cls for cls in MOST_SERIOUS_FIRST for code in cls.codes}
# a code added without a class (or given two) would fail at import, not in a job
assert len(_CLASS_OF) == sum(len(cls.codes) for cls in MOST_SERIOUS_FIRST) == len(FailureCode)


def error_class(code: FailureCode) -> type[DeloError]:
    return _CLASS_OF[code]


def exit_status(failures: Iterable[BaseException]) -> int:
    """0 with no failure, else the status of the most serious class met; an exception
    that is not a DeloError is a bug in delo (INTERNAL)."""
    met = {type(f) if isinstance(f, DeloError) else InternalError for f in failures}
    return next((cls.exit_status for cls in MOST_SERIOUS_FIRST if cls in met), 0)


def exit_status_help() -> str:
    """The exit statuses in one paragraph, for `delo --help`."""
    statuses = {0: "success", 2: "a bad option or argument"} | {c.exit_status: c.meaning for c in MOST_SERIOUS_FIRST}
    return ("Exit status: " + "; ".join(f"{n} {meaning}" for n, meaning in sorted(statuses.items())) +
            ". `delo ingest` with failures of several kinds exits with the most serious, in this order: " +
            ", ".join(str(c.exit_status) for c in MOST_SERIOUS_FIRST) + ".")


def retry_delay(retries: int, cap: float) -> float:
    """How long a task waits before its retry number `retries` + 1: 1, 2, 4, 8 s … then
    `cap`, each 50–100% of its step. Never 0 s (a retry that fires at once burns an
    attempt on the same outage), never longer than `cap`, so work resumes within `cap` of
    an outage's end; the spread keeps retries from arriving in step."""
    return min(cap, 2.0 ** retries) * random.uniform(0.5, 1.0)
