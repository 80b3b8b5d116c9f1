"""A person's correction of a published record: the text corrected (parsed again, as the
machine's reading was) and some fields set by hand. What needs review is decided where
records are stored (infra/migrations/documents/003_review.sql, `delo_review`): a page
under the confidence threshold, no date, no type, no archival reference."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from workers.records import parse_record
from workers.records.model import Record

# how a page break (\f in a record's text) reads in an editor: a line of its own
PAGE_BREAK = "\n⸻\n"
# the fields a person may set by hand, besides correcting the text
FIELDS = ("document_type", "date", "registration_number")
# warnings about what the machine read, which a person's reading answers
_ANSWERED = ("no_document_date", "uncertain_field:")


def editable(text: str) -> str:
    return text.replace("\f", PAGE_BREAK)


def from_editable(text: str) -> str:
    """What a person saved, as a record's text: Windows line ends and page-break lines undone."""
    return text.replace("\r\n", "\n").replace(PAGE_BREAK, "\f")


def correct(record: dict[str, Any], *, text: str | None, fields: dict[str, str | None], by: str,
            at: datetime) -> dict[str, Any]:
    """The record as corrected: with a new `text` (as edited, see `editable`), its fields
    parsed from it again (a reference the drop's manifest gave is kept when the text still
    gives none); then each of `fields` set ('' or None clears it). Raises
    pydantic.ValidationError when the result breaks delo.record/1 (a date not in ISO
    form, a type delo does not know)."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"a person may not set {', '.join(sorted(unknown))} by hand")
    new = copy.deepcopy(record)
    if text is not None and from_editable(text) != record["text"]:
        new["text"] = from_editable(text)
        new["record"] = parse_record(new["text"])
        given = record["record"]["archival_references"]
        if not new["record"]["archival_references"] and given and given[0].get("raw") == "drop manifest":
            new["record"]["archival_references"], new["record"]["citation"] = given, record["record"]["citation"]
    for name, value in fields.items():
        new["record"][name] = (value or "").strip() or None
    new["warnings"] = [w for w in record["warnings"] if not w.startswith(_ANSWERED)]
    if new["record"]["date"] is None:
        new["warnings"].append("no_document_date")
    new["revision"] = {"number": ((record.get("revision") or {}).get("number") or 0) + 1, "by": by,
                       "at": at.isoformat(timespec="seconds")}
    Record.check(new)
    return new
