"""How a collection, or a replay, asks its pages to be read: the OCR languages
(`rus`, `Cyrillic`, `rus+eng`) and the page treatment (`auto`: delo's measured
preprocessing, workers/ocr/preprocess.py; `none`: the page goes to tesseract as scanned).

A drop's manifest may name them (`"ocr": {"languages": "rus+eng", "preprocess": "none"}`);
an operator may replay jobs with others (`delo replay … --languages Cyrillic`, or the
dashboard), which the ledger keeps on the job; the replay's win over the manifest's, the
manifest's over the settings. The record says which produced it (`ocr.languages`,
`ocr.preprocess`)."""

from __future__ import annotations

import re
from typing import Any

from workers.config import Settings

PREPROCESS = ("auto", "none")
_LANGUAGES = re.compile(r"[A-Za-z_]+(?:\+[A-Za-z_]+)*")


def parse(raw: Any) -> dict[str, str]:
    """The options a manifest or a replay gives, checked: ValueError naming what is wrong."""
    if raw in (None, {}):
        return {}
    if not isinstance(raw, dict) or set(raw) - {"languages", "preprocess"}:
        raise ValueError(f"OCR options are languages and preprocess, not {raw!r}")
    out = {}
    if raw.get("languages"):
        if not _LANGUAGES.fullmatch(str(raw["languages"])):
            raise ValueError(f"languages {raw['languages']!r}: tesseract's names joined by + (rus+eng, Cyrillic)")
        out["languages"] = str(raw["languages"])
    if raw.get("preprocess"):
        if raw["preprocess"] not in PREPROCESS:
            raise ValueError(f"preprocess {raw['preprocess']!r}: one of {', '.join(PREPROCESS)}")
        out["preprocess"] = str(raw["preprocess"])
    return out


def effective(replayed: dict[str, Any] | None, manifest: dict[str, Any] | None) -> dict[str, str]:
    """What a job is read with beside the settings: its replay's options over its drop's."""
    asked = {k: v for k, v in (replayed or {}).items() if k in ("languages", "preprocess")}
    return {**((manifest or {}).get("ocr") or {}), **asked}


def apply(settings: Settings, options: dict[str, str] | None) -> Settings:
    if not options:
        return settings
    update = {"ocr_languages": options.get("languages", settings.ocr_languages),
              "preprocess": options.get("preprocess", settings.preprocess)}
    return settings.model_copy(update=update)
