"""What a machine needs to read pages, checked at once: tesseract, its languages,
poppler, and the searchable PDF's font when PDFs are asked for. A worker runs this
before taking its first task (workers/tasks/startup.py), so that a machine without them
refuses to start instead of failing every job with TOOL_MISSING."""

from __future__ import annotations

from workers import outputs
from workers.config import Settings
from workers.ocr import poppler, tesseract
from workers.outputs import pdf


def check(settings: Settings) -> str:
    """`tesseract 5.3.0 (Cyrillic), poppler 22.12.0`, or ConfigError (TOOL_MISSING) with
    one line naming what is missing and how to install it."""
    found = tesseract.version()
    tesseract.check_languages(settings.ocr_languages)
    if "pdf" in outputs.kinds(settings.outputs):
        pdf.glyphless_font()
    return f"{found} ({settings.ocr_languages}), {poppler.version()}"
