"""What the fault scenarios upload: good pages rendered from short texts written here
(small, so a page is OCR'd in well under a second), and poison files, each with the
failure code its job must end in."""

from __future__ import annotations

import io
from functools import lru_cache

import pikepdf
from PIL import Image

from samples.synthetic import render_page
from tests import scans

# A page a worker reads in ~0.6 s: long enough for a kill to land mid-OCR
PROTOCOL = """ПРОТОКОЛ № {n}

заседания комиссии по учёту архивных дел

Слушали: доклад о состоянии описи и о сроках передачи дел в архив.
Постановили: принять к сведению, дела передать до конца квартала.

Слушали: о проверке наличия дел фонда {n}.
Постановили: проверку провести силами отдела.

Председатель Сидоров

12 июня 1952 г.
"""

# A strip of a page read in ~0.15 s: for the bursts, where only the count matters
NOTE = """ТЕЛЕГРАММА

Товарищу Петрову

Прошу сообщить о ходе работ по описи {n}.

Иванов

3 мая 1951 г.
"""


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(300, 300))
    return out.getvalue()


@lru_cache(maxsize=64)
def page(n: int = 1) -> bytes:
    """A whole A4 page (PNG): the protocol, numbered n."""
    return _png(render_page(PROTOCOL.format(n=n)))


@lru_cache(maxsize=64)
def note(n: int = 1) -> bytes:
    """A strip of a page (PNG): a short telegram, numbered n."""
    return _png(render_page(NOTE.format(n=n)).crop((0, 0, 2480, 1100)))


# The pages after a protocol's first: the same document going on (one record per file, so
# that every extra document row is a duplicate)
MORE = """Продолжение протокола, лист {n}

Слушали: о проверке наличия дел фонда {n} и о сроках их передачи в архив.
Постановили: проверку провести силами отдела, о результатах доложить комиссии.
"""


@lru_cache(maxsize=8)
def pdf(pages: int = 3) -> bytes:
    """A scanned-looking PDF of whole pages, one document: a job fanned out one task per page."""
    out = io.BytesIO()
    first, *rest = [render_page((MORE if n > 1 else PROTOCOL).format(n=n)) for n in range(1, pages + 1)]
    first.save(out, "PDF", resolution=300, save_all=True, append_images=rest, quality=80)
    return out.getvalue()


def _blank_pdf(pages: int, size: float = 595) -> bytes:
    doc = pikepdf.new()
    for _ in range(pages):
        doc.add_blank_page(page_size=(size, size))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _tiff(frames: int) -> bytes:
    out = io.BytesIO()
    first, *rest = [Image.new("L", (64, 64), 255) for _ in range(frames)]
    first.save(out, "TIFF", save_all=True, append_images=rest)
    return out.getvalue()


def poison(tmp, max_file_bytes: int, max_pages: int) -> dict[str, tuple[bytes, str]]:
    """name → (content, the failure code its job must end in). The limits are the
    stack's (DELO_MAX_FILE_BYTES, DELO_MAX_PAGES), set low so the files stay small."""
    encrypted = scans.encrypted_pdf(tmp / "encrypted.pdf").read_bytes()
    good_pdf, good_png = pdf(2), page(99)
    jpeg = io.BytesIO()
    render_page(PROTOCOL.format(n=98)).save(jpeg, "JPEG", quality=80)
    return {
        "empty.png": (b"", "EMPTY_FILE"),
        "text-named.pdf": ("Это текстовый файл, а не PDF.\n".encode(), "UNSUPPORTED_FORMAT"),
        "html-named.jpg": (b"<!DOCTYPE html><html><body>403 Forbidden</body></html>", "UNSUPPORTED_FORMAT"),
        "zip-named.tiff": (b"PK\x03\x04" + bytes(200), "UNSUPPORTED_FORMAT"),
        "corrupt.pdf": (scans.corrupt_pdf(tmp / "corrupt.pdf").read_bytes(), "CORRUPT_FILE"),
        "truncated.pdf": (good_pdf[: len(good_pdf) // 3], "CORRUPT_FILE"),
        "no-pages.pdf": (_blank_pdf(0), "CORRUPT_FILE"),
        "encrypted.pdf": (encrypted, "PDF_ENCRYPTED"),
        "too-many-pages.pdf": (_blank_pdf(max_pages + 1), "TOO_MANY_PAGES"),
        "huge-page.pdf": (_blank_pdf(1, size=14400), "IMAGE_TOO_LARGE"),  # 200 in square at 300 dpi
        "truncated.png": (good_png[: len(good_png) // 2], "CORRUPT_FILE"),
        "header-only.png": (b"\x89PNG\r\n\x1a\n", "CORRUPT_FILE"),
        "bomb.png": (scans.png_bomb(tmp / "bomb.png").read_bytes(), "IMAGE_TOO_LARGE"),
        # the header and no scan data: libjpeg decodes it as a blank page, which has no text
        "truncated.jpg": (jpeg.getvalue()[:400], "NO_TEXT"),
        "garbage.tiff": (b"II*\x00" + bytes(range(256)) * 8, "CORRUPT_FILE"),
        "too-many-frames.tiff": (_tiff(max_pages + 1), "TOO_MANY_PAGES"),
        "blank.png": (scans.blank_png(tmp / "blank.png").read_bytes(), "NO_TEXT"),
        "oversized.png": (b"\x89PNG\r\n\x1a\n" + bytes(max_file_bytes + 1), "FILE_TOO_LARGE"),
    }
