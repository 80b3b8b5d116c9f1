"""How an expected file (`NAME.expected.json`) scores a record, as ../shared/DESIGN.md
describes it: per field, only the keys the file has. Used by bench/parse.py and the tests."""

from __future__ import annotations


def _archive_key(name: str | None) -> str | None:
    # `АПРФ` and `АП РФ` name the same archive: compare without spaces or case
    return name.replace(" ", "").upper() if name else None


def score(record: dict, expected: dict) -> dict[str, bool]:
    """Per field, as ../shared/DESIGN.md scores an expected file: only the keys it has."""
    got: dict[str, bool] = {}
    if "document_type" in expected:
        accept = expected.get("document_type_accept") or [expected["document_type"]]
        got["type"] = record["document_type"] in accept or record["document_type"] == expected["document_type"]
    if "date" in expected:
        accept = expected.get("date_accept") or [expected["date"]]
        got["date"] = record["date"] in accept or record["date"] == expected["date"]
    if "classification" in expected:
        got["classification"] = set(record["classification"]) == set(expected["classification"])
    if "declassified" in expected:
        got["declassified"] = record["declassified"] == expected["declassified"]
    if "registration_number" in expected:
        got["registration_number"] = record["registration_number"] == expected["registration_number"]
    for field in ("addressees", "signatories"):
        if field in expected:
            names = {p["name"] for p in record[field]}
            required, allowed = set(expected[field]["required"]), set(expected[field]["allowed"])
            got[field] = required <= names <= required | allowed
    if "archival_reference" in expected:
        want = expected["archival_reference"]
        first = record["archival_references"][0] if record["archival_references"] else None
        if want is None or first is None:
            got["archival_reference"] = want is None and first is None
        else:
            got["archival_reference"] = _archive_key(first["archive"]) == _archive_key(want.get("archive")) and all(
                first.get(k) == want.get(k) for k in ("fond", "opis", "delo", "sheets"))
    if "dates_mentioned" in expected:
        got["dates_mentioned"] = sorted(d["date"] for d in record["dates_mentioned"] if d["date"]) \
            == sorted(expected["dates_mentioned"])
    if "citation" in expected:
        got["citation"] = record["citation"] == expected["citation"]
    if expected.get("references"):
        got["references"] = all(any(all(r.get(k) == v for k, v in ref.items()) for r in record["references"])
                                for ref in expected["references"])
    return got
