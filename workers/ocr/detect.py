"""What a source file is, from its content: extensions lie (a text file named .pdf)."""

from __future__ import annotations

from pathlib import Path

from workers.errors import FailureCode, InputError

# magic bytes → (kind, content type)
_MAGIC = [
    (b"%PDF-", ("pdf", "application/pdf")),
    (b"II*\x00", ("tiff", "image/tiff")),
    (b"MM\x00*", ("tiff", "image/tiff")),
    (b"\x89PNG\r\n\x1a\n", ("png", "image/png")),
    (b"\xff\xd8\xff", ("jpeg", "image/jpeg")),
]


def sniff(path: Path, name: str | None = None) -> tuple[str, str]:
    """Return (kind, content_type) or raise InputError with EMPTY_FILE / UNSUPPORTED_FORMAT,
    naming the file `name` (an upload's key) when the path is only a cache file's."""
    name = name or path.name
    with open(path, "rb") as f:
        head = f.read(1024)
    if not head:
        raise InputError(FailureCode.EMPTY_FILE, f"{name} is empty (0 bytes)")
    # Some PDF writers put junk before the header; readers accept it within the first 1 KiB.
    if b"%PDF-" in head:
        return _MAGIC[0][1]
    for magic, found in _MAGIC[1:]:
        if head.startswith(magic):
            return found
    raise InputError(
        FailureCode.UNSUPPORTED_FORMAT,
        f"{name} is not a PDF, TIFF, PNG or JPEG (starts with {head[:8]!r})",
    )
