"""Scans made for the tests: good pages from texts written here, and bad files of
every kind the OCR stage must refuse with its own failure code."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from samples.synthetic import render_page, save_pdf, save_tiff

TELEGRAM = """ТЕЛЕГРАММА

Совершенно секретно

Товарищу ПАНЮШКИНУ

Ваша телеграмма получена. Предлагаем ускорить отправку оборудования и сообщить о сроках прибытия специалистов.

А.ВЫШИНСКИЙ

5 марта 1950 г.

АП РФ. Ф. 3. Оп. 65. Д. 364. Л. 12-13.
"""

PAGE_TWO = """Продолжение записи беседы.

Министр выразил благодарность за помощь советских специалистов и попросил продлить их командировку.

Посол СССР в Китае
Н.РОЩИН
"""


def png(path: Path, text: str = TELEGRAM, **kw) -> Path:
    render_page(text, **kw).save(path, dpi=(300, 300))
    return path


def pdf(path: Path, texts: list[str]) -> Path:
    save_pdf([render_page(t) for t in texts], path)
    return path


def tiff(path: Path, texts: list[str], bilevel: bool = False) -> Path:
    save_tiff([render_page(t) for t in texts], path, bilevel=bilevel)
    return path


def encrypted_pdf(path: Path) -> Path:
    import pikepdf

    plain = pdf(path.with_suffix(".plain.pdf"), [TELEGRAM])
    with pikepdf.open(plain) as doc:
        doc.save(path, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    plain.unlink()
    return path


def corrupt_pdf(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" + bytes(range(256)) * 4)
    return path


def text_named_pdf(path: Path) -> Path:
    path.write_text("Это текстовый файл, а не PDF.\n", encoding="utf-8")
    return path


def empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def png_bomb(path: Path, width: int = 30000, height: int = 30000) -> Path:
    """A PNG whose header declares width×height pixels; its data is a few bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    idat = zlib.compress(b"\x00" * 64)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


def blank_png(path: Path) -> Path:
    render_page("").save(path, dpi=(300, 300))
    return path
