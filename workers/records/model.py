"""delo.record/1 as types: what every driver publishes, checked in one place.

The contract itself is ../shared/schema/record.schema.json; tests/unit/test_model.py
holds these classes to it (the same fields, the same required ones, the same nullable
ones). `Record.check(record)` runs before a record leaves the pipeline, so a parser bug
that breaks the contract fails its job as INTERNAL instead of reaching downstream.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    # every field delo writes is named here: a field added to the record is added here too
    model_config = ConfigDict(extra="forbid")


DocumentType = Literal["telegram", "ciphered_telegram", "letter", "memorandum", "note", "report", "resolution",
                       "decision", "protocol", "order", "directive", "record_of_conversation", "certificate", "other"]
IsoDate = Field(pattern=r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")


class Person(_Strict):
    name: str
    initials: str | None = None
    role: str | None = None
    raw: str


class ArchivalReference(_Strict):
    archive: str | None
    archive_latin: str | None = None
    fond: str | None
    opis: str | None
    delo: str | None
    sheets: str | None
    extra: dict[str, Any] = {}
    authenticity: str | None = None
    raw: str


class Reference(_Strict):
    kind: str | None = None
    number: str | None = None
    author: str | None = None
    date: str | None = None
    raw: str


class DateMentioned(_Strict):
    date: str | None = None
    raw: str


class Entities(_Strict):
    persons: list[str]
    locations: list[str]
    organizations: list[str]


class Fields(_Strict):
    """The record's `record` object: what an archivist indexes."""

    document_type: DocumentType | None
    document_type_raw: str | None = None
    title: str | None = None
    date: str | None = IsoDate
    date_raw: str | None
    dates_mentioned: list[DateMentioned] = []
    classification: list[str]
    declassified: bool = False
    registration_number: str | None
    addressees: list[Person]
    signatories: list[Person]
    archival_references: list[ArchivalReference]
    references: list[Reference]
    entities: Entities
    citation: str | None


class Source(_Strict):
    uri: str
    version: str | None = None
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    content_type: str
    page_count: int = Field(ge=1)
    drop: str | None = None
    images: list[str] | None = None  # a drop read as one file: the image each page came from


class Page(_Strict):
    number: int = Field(ge=1)
    text: str
    confidence: float | None = Field(ge=0, le=100)
    dpi: int | None = None
    width: int | None = None
    height: int | None = None
    skew_degrees: float | None = None
    preprocessing: list[str] = []
    seconds: float | None = None
    uncertain_words: list[str] = []


class Ocr(_Strict):
    engine: str
    languages: str
    preprocess: str | None = None  # the page treatment it was read with (workers/ocr/options.py)
    mean_confidence: float | None = Field(ge=0, le=100)
    pages: list[Page]


class Line(_Strict):
    page: int = Field(ge=1)
    line: int = Field(ge=0)  # in that page's text, from 0


class Document(_Strict):
    """Where a record's document lies in a source that holds several (absent when the
    source holds one: its record is the source's, as before)."""
    index: int = Field(ge=1)
    count: int = Field(ge=2)
    first: Line
    last: Line
    pages: list[int]
    images: list[str] | None = None  # a drop read as one file: the images it lies on


class Outputs(_Strict):
    """What the same reading gave beside the record (workers/outputs): file names,
    relative to where the record itself is (the records bucket, `delo ingest`'s folder)."""
    alto: str | None = None  # ALTO 4 XML: every word with its box and confidence
    pdf: str | None = None   # the searchable PDF: the source's pages with an invisible text layer


class Revision(_Strict):
    """A person's correction (workers/review.py): the record as they saved it; the
    machine's reading stays in the record_revisions table (revision 0) and in `ocr`."""
    number: int = Field(ge=1)
    by: str = Field(min_length=1)
    at: str


class Record(_Strict):
    schema_: Literal["delo.record/1"] = Field(alias="schema")
    id: str = Field(min_length=8)
    source: Source
    ocr: Ocr
    text: str
    record: Fields
    warnings: list[str]
    document: Document | None = None
    outputs: Outputs | None = None
    revision: Revision | None = None

    @classmethod
    def check(cls, record: dict[str, Any]) -> None:
        """Raises pydantic.ValidationError when `record` breaks delo.record/1."""
        cls.model_validate(record)
