"""Settings from the environment (prefix DELO_), one Settings object for every driver."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DELO_", env_file=".env", extra="ignore")

    # OCR. Measured with bench/ocr.py on this machine: `Cyrillic` (the script model)
    # halves the CER of `rus` on clean pages (0.49% vs 0.97%) but costs 1.17× the time
    # of bare tesseract against `rus`'s 1.06×; `rus` is the default that keeps within
    # 1.15×, `Cyrillic` the choice when accuracy matters more than time.
    ocr_languages: str = "rus"
    pdf_dpi: int = 300
    # Images that carry no resolution are assumed to be scanned at this one.
    default_image_dpi: int = 300
    page_timeout_seconds: int = 120
    render_timeout_seconds: int = 60
    low_confidence: float = 60.0

    # Limits: each gives its own failure code when exceeded.
    max_file_bytes: int = 512 * 1024 * 1024
    max_pages: int = 2000
    # 80 Mpx is an A0 sheet at 300 dpi; a decompression bomb declares far more.
    max_page_pixels: int = 80_000_000

    # Embedded mode
    sqlite_path: Path = Path("delo.sqlite3")


@lru_cache
def get_settings() -> Settings:
    return Settings()
