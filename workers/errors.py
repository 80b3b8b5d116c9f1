"""Failure codes and the exception tree.

Every failure a job can end in has a FailureCode. A code knows whether trying again
can help (a store that was unreachable, a timeout) or not (a corrupt file stays
corrupt): what an operator may expect of a replay. The Celery tasks retry on their own
only UnavailableError, whose cause passes without anyone's help.

    DeloError                  base: carries .code and a one-line message
    ├── InputError             the source itself is bad: never retried
    ├── LimitError             the source is over a configured limit: never retried
    ├── OcrError               tesseract/poppler failed or timed out on a page
    ├── ConfigError            the machine lacks a binary or a language model
    └── UnavailableError       an object store, database or broker did not answer: retried
"""

from __future__ import annotations

import random
from enum import Enum


class FailureCode(str, Enum):
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
        # A timeout may pass on a less loaded machine; everything about the input
        # itself will fail the same way again.
        return self in {FailureCode.RENDER_TIMEOUT, FailureCode.OCR_TIMEOUT, FailureCode.OCR_FAILED,
                        FailureCode.STORE_UNAVAILABLE}


class DeloError(Exception):
    code: FailureCode

    def __init__(self, code: FailureCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code.value}: {self.message}"


class InputError(DeloError):
    pass


class LimitError(DeloError):
    pass


class OcrError(DeloError):
    pass


class ConfigError(DeloError):
    pass


class UnavailableError(DeloError):
    def __init__(self, message: str):
        super().__init__(FailureCode.STORE_UNAVAILABLE, message)


def retry_delay(retries: int, cap: float) -> float:
    """How long a task waits before its retry number `retries` + 1: 1, 2, 4, 8 s … then
    `cap`, each 50–100% of its step. Never 0 s (a retry that fires at once burns an
    attempt on the same outage), never longer than `cap`, so work resumes within `cap` of
    an outage's end; the spread keeps retries from arriving in step."""
    return min(cap, 2.0 ** retries) * random.uniform(0.5, 1.0)
