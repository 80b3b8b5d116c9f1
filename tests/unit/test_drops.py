"""A drop's manifest: the sheets flag and the order of a drop read as one file."""

from __future__ import annotations

import json

from workers.drops import read_manifest, sheet_order


def test_sheets_only_when_the_manifest_says_true() -> None:
    def sheets(raw: dict) -> bool:
        return read_manifest("manifest.json", json.dumps(raw).encode())["sheets"]

    assert sheets({"files": ["a.jpg"], "sheets": True})
    assert not sheets({"files": ["a.jpg"]}) and not sheets({"sheets": "yes"})
    assert read_manifest("manifest.csv", b"file,fond\na.jpg,3\n")["sheets"] is False


def test_sheet_order_follows_the_manifest_then_names() -> None:
    manifest = {"files": ["0048.jpg", "0047.jpg"]}
    assert sheet_order(["0047.jpg", "0049.jpg", "0048.jpg", "0046.jpg"], manifest) == \
        ["0048.jpg", "0047.jpg", "0046.jpg", "0049.jpg"]
    assert sheet_order(["0049.jpg", "0047.jpg"], None) == ["0047.jpg", "0049.jpg"]
