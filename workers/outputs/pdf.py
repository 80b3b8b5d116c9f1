"""The searchable PDF of a document: each page as the source has it, the words tesseract
read laid over it as invisible text, where the page shows them, so a reader can select,
copy and search what it sees.

- A PDF source's page is that page itself (its content, fonts and images untouched), with
  the text added over it.
- An image's page is the image: a JPEG's bytes as they are, a PNG's compressed pixels as
  they are (a PDF reads both), any other image decoded and stored losslessly (Flate), so
  the PDF shows the very pixels scanned.
  An image whose EXIF orientation turns it is stored turned upright, as it was read.

The text is set in tesseract's own GlyphLessFont (tessdata/pdf.ttf: one invisible glyph
for every character) with render mode 3 (invisible), each word scaled to its box, as
tesseract's and OCRmyPDF's text layers are; its ToUnicode map gives the words back to
`pdftotext` and to a reader's search. Pages are added one at a time: only the current
page's image is decoded, and the PDF is written to disk, never held whole in memory.
"""

from __future__ import annotations

import glob
import os
import statistics
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from pathlib import Path

import pikepdf
from PIL import Image, ImageOps

from workers.errors import ConfigError, FailureCode
from workers.ocr.stage import PageResult

_ADVANCE = 500  # the glyphless glyph's width, in 1/1000 em (the font's /DW below)
FONT = "DeloOCRText"  # the font's name in a page's resources: not one a source PDF uses


@dataclass(frozen=True)
class SourcePage:
    """Where a page's image is: `path` (a PDF, or an image file), `kind` as detect.sniff
    names it, and its page (or frame) number in that file."""
    path: Path
    kind: str
    number: int


@lru_cache(maxsize=1)
def glyphless_font() -> bytes:
    """tesseract's pdf.ttf, from its tessdata (Debian: tesseract-ocr-eng's folder)."""
    prefix = os.environ.get("TESSDATA_PREFIX")
    candidates = ([os.path.join(prefix, "pdf.ttf")] if prefix else []) + \
        sorted(glob.glob("/usr/share/tesseract-ocr/*/tessdata/pdf.ttf"))
    for candidate in candidates:
        if os.path.isfile(candidate):
            return Path(candidate).read_bytes()
    raise ConfigError(FailureCode.TOOL_MISSING, "tesseract's pdf.ttf (GlyphLessFont) is not installed")


def _font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    to_unicode = pdf.make_stream(
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        b"1 beginbfrange <0000> <FFFF> <0000> endbfrange\n"
        b"endcmap CMapName currentdict /CMap defineresource pop end end\n")
    # every character code (its Unicode value, Identity-H) shows glyph 1, the invisible one
    cid_to_gid = pdf.make_stream(zlib.compress(b"\x00\x01" * 65536), Filter=pikepdf.Name.FlateDecode)
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name.GlyphLessFont, Flags=5,
        FontBBox=[0, 0, _ADVANCE, 1000], ItalicAngle=0, Ascent=1000, Descent=0, CapHeight=1000, StemV=80,
        FontFile2=pdf.make_stream(glyphless_font()))
    cid_font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.CIDFontType2, BaseFont=pikepdf.Name.GlyphLessFont,
        CIDSystemInfo=pikepdf.Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
        FontDescriptor=pdf.make_indirect(descriptor), DW=_ADVANCE, CIDToGIDMap=cid_to_gid)
    return pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0, BaseFont=pikepdf.Name.GlyphLessFont,
        Encoding=pikepdf.Name("/Identity-H"), DescendantFonts=[pdf.make_indirect(cid_font)],
        ToUnicode=to_unicode))


def text_layer(page: PageResult, width_pt: float, height_pt: float, origin: tuple[float, float] = (0, 0)) -> bytes:
    """The content stream that sets the page's words, invisible, over a page of
    width_pt × height_pt points whose lower left corner is `origin`. The words of a line
    share its baseline and size, a space between them, so that text extraction and a
    reader's search find the line as it reads."""
    sx, sy = width_pt / page.width, height_pt / page.height
    ops = [b"q BT 3 Tr"]
    for _, line in groupby(page.words, key=lambda w: (w[7], w[6])):
        words = [w for w in line if w[4] > 0 and w[5] > 0]
        if not words:
            continue
        size = statistics.median(w[5] for w in words) * sy
        baseline = origin[1] + height_pt - statistics.median(w[3] + w[5] for w in words) * sy
        for n, (text, _conf, left, _top, width, *_) in enumerate(words):
            chars = [c for c in text if ord(c) <= 0xFFFF] + ([" "] if n < len(words) - 1 else [])  # 16-bit codes
            stretch = 100 * (width * sx) / (len(chars) * size * _ADVANCE / 1000)
            code = "".join(f"{ord(c):04X}" for c in chars)
            ops.append(f"/{FONT} {size:.2f} Tf {stretch:.2f} Tz 1 0 0 1 {origin[0] + left * sx:.2f} {baseline:.2f} Tm "
                       f"<{code}> Tj".encode())
    ops.append(b"ET Q")
    return b"\n".join(ops)


def _png(pdf: pikepdf.Pdf, path: Path) -> pikepdf.Object | None:
    """A PNG's own compressed pixels (its IDAT data) as an image XObject, as PDF reads
    them (Flate with the PNG predictors): nothing decoded or compressed again. None for a
    PNG a PDF cannot take as it is (interlaced, or with an alpha channel)."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    chunks: dict[bytes, bytes] = {}
    idat: list[bytes] = []
    at = 8
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IDAT":
            idat.append(body)
        else:
            chunks.setdefault(kind, body)
        at += 12 + length
    header = chunks.get(b"IHDR")
    if not header or not idat:
        return None
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    colors = {0: 1, 2: 3, 3: 1}.get(color)
    if colors is None or interlace:
        return None
    if color == 3:
        palette = chunks.get(b"PLTE", b"")
        space: object = [pikepdf.Name.Indexed, pikepdf.Name.DeviceRGB, len(palette) // 3 - 1, pikepdf.String(palette)]
    else:
        space = pikepdf.Name.DeviceGray if color == 0 else pikepdf.Name.DeviceRGB
    return pdf.make_stream(b"".join(idat), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=width,
                           Height=height, ColorSpace=space, BitsPerComponent=depth, Filter=pikepdf.Name.FlateDecode,
                           DecodeParms=pikepdf.Dictionary(Predictor=15, Colors=colors, BitsPerComponent=depth,
                                                          Columns=width))


def _image(pdf: pikepdf.Pdf, source: SourcePage) -> pikepdf.Object:
    """The page's image as an image XObject: a PNG's or a JPEG's own bytes, any other
    image decoded and stored lossless."""
    if source.kind == "png" and (own := _png(pdf, source.path)) is not None:
        return own
    with Image.open(source.path) as im:
        im.seek(source.number - 1)
        turned = source.kind == "jpeg" and im.getexif().get(0x0112, 1) not in (0, 1)
        if source.kind == "jpeg" and not turned and im.mode in ("L", "RGB", "CMYK"):
            space = {"L": pikepdf.Name.DeviceGray, "RGB": pikepdf.Name.DeviceRGB, "CMYK": pikepdf.Name.DeviceCMYK}
            extra = {"Decode": [1, 0] * 4} if im.mode == "CMYK" and "adobe" in im.info else {}
            return pdf.make_stream(source.path.read_bytes(), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image,
                                   Width=im.width, Height=im.height, ColorSpace=space[im.mode], BitsPerComponent=8,
                                   Filter=pikepdf.Name.DCTDecode, **extra)
        frame = ImageOps.exif_transpose(im) if turned else im
        if frame.mode not in ("1", "L", "RGB"):
            frame = frame.convert("RGB" if frame.mode in ("P", "RGBA", "LA", "CMYK", "YCbCr") else "L")
        bits, space_name = (1, pikepdf.Name.DeviceGray) if frame.mode == "1" else \
            (8, pikepdf.Name.DeviceGray if frame.mode == "L" else pikepdf.Name.DeviceRGB)
        return pdf.make_stream(zlib.compress(frame.tobytes(), 6), Type=pikepdf.Name.XObject,
                               Subtype=pikepdf.Name.Image, Width=frame.width, Height=frame.height,
                               ColorSpace=space_name, BitsPerComponent=bits, Filter=pikepdf.Name.FlateDecode)


def write(pages: Iterable[tuple[SourcePage, PageResult]], out: Path) -> None:
    """The searchable PDF of these pages, in order, to `out`."""
    with pikepdf.new() as pdf:
        font = _font(pdf)
        sources: dict[Path, pikepdf.Pdf] = {}
        try:
            for source, page in pages:
                if source.kind == "pdf":
                    if source.path not in sources:
                        sources[source.path] = pikepdf.open(source.path)
                    pdf.pages.append(sources[source.path].pages[source.number - 1])
                    new = pdf.pages[-1]
                    x0, y0, x1, y1 = (float(v) for v in new.mediabox)
                    layer = text_layer(page, x1 - x0, y1 - y0, (x0, y0))
                    new.contents_add(pdf.make_stream(b"q\n"), prepend=True)
                    new.contents_add(pdf.make_stream(b"Q\n" + layer))
                else:
                    w_pt, h_pt = page.width * 72 / page.dpi, page.height * 72 / page.dpi
                    image = _image(pdf, source)
                    draw = f"q {w_pt:.2f} 0 0 {h_pt:.2f} 0 0 cm /Im0 Do Q\n".encode()
                    new = pikepdf.Page(pdf.make_indirect(pikepdf.Dictionary(
                        Type=pikepdf.Name.Page, MediaBox=[0, 0, w_pt, h_pt],
                        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
                        Contents=pdf.make_stream(draw + text_layer(page, w_pt, h_pt)))))
                    pdf.pages.append(new)
                    new = pdf.pages[-1]
                new.add_resource(font, pikepdf.Name.Font, pikepdf.Name("/" + FONT), replace_existing=True)
            pdf.save(out)
        finally:
            for opened in sources.values():
                opened.close()
