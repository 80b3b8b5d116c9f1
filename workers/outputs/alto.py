"""ALTO 4 XML of a document's pages: each word where the page shows it, with its
confidence, as METS/ALTO archives and library viewers read it.

Made from the words tesseract gave when it read the page (PageResult.words: one reading,
no second pass), in the page's own pixels (the crop and the rotation delo applied before
reading undone, workers/ocr/preprocess.py), so a viewer draws the boxes on the page image
as scanned. Blocks and lines are tesseract's; a line's box spans its words. Validated
against the ALTO 4.4 schema (infra/schemas/alto/, tests/unit/test_alto.py).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from itertools import groupby
from pathlib import Path

from lxml import etree

from workers.ocr.stage import PageResult

NS = "http://www.loc.gov/standards/alto/ns-v4#"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
LOCATION = f"{NS} http://www.loc.gov/standards/alto/v4/alto-4-4.xsd"


def _e(parent: etree._Element, tag: str, text: str | None = None, /, **attrs: object) -> etree._Element:
    node = etree.SubElement(parent, f"{{{NS}}}{tag}", {k: str(v) for k, v in attrs.items()})
    if text is not None:
        node.text = text
    return node


def _box(words: Sequence[tuple]) -> dict[str, int]:
    """HPOS, VPOS, WIDTH, HEIGHT of the box around these words."""
    x0, y0 = min(w[2] for w in words), min(w[3] for w in words)
    x1, y1 = max(w[2] + w[4] for w in words), max(w[3] + w[5] for w in words)
    return {"HPOS": x0, "VPOS": y0, "WIDTH": x1 - x0, "HEIGHT": y1 - y0}


def write(out: Path, pages: Iterable[PageResult], *, source: str, software: str, engine: str) -> None:
    """The ALTO file of these pages to `out` (one `Page` each, in order, its PHYSICAL_IMG_NR
    the page's number in `source`, the file they come from), a page at a time: a long
    document's words are never all in memory (340 pages held whole took 257 MB)."""
    with etree.xmlfile(str(out), encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{NS}}}alto", {f"{{{XSI}}}schemaLocation": LOCATION},
                        nsmap={None: NS, "xsi": XSI}):  # None: the default namespace
            xf.write(_description(source, software, engine), pretty_print=True)
            with xf.element(f"{{{NS}}}Layout"):
                for n, page in enumerate(pages, start=1):
                    xf.write(_page(n, page), pretty_print=True)


def alto(pages: Iterable[PageResult], *, source: str, software: str, engine: str) -> bytes:
    """The ALTO file of these pages, whole (for a few pages; `write` for a document)."""
    with tempfile.TemporaryDirectory(prefix="delo-alto-") as tmp:
        path = Path(tmp) / "alto.xml"
        write(path, pages, source=source, software=software, engine=engine)
        return path.read_bytes()


def _description(source: str, software: str, engine: str) -> etree._Element:
    description = etree.Element(f"{{{NS}}}Description", nsmap={None: NS})  # type: ignore[dict-item]
    _e(description, "MeasurementUnit", "pixel")
    _e(_e(description, "sourceImageInformation"), "fileName", source)
    step = _e(description, "Processing", ID="ocr")
    _e(step, "processingStepDescription", f"OCR by {engine}")
    tool = _e(step, "processingSoftware")
    _e(tool, "softwareName", "delo")
    _e(tool, "softwareVersion", software)
    return description


def _page(n: int, page: PageResult) -> etree._Element:
    """Page `n` of the file: its blocks and lines as tesseract grouped its words."""
    attrs: dict[str, object] = {"ID": f"p{n}", "PHYSICAL_IMG_NR": page.number, "WIDTH": page.width,
                                "HEIGHT": page.height}
    if page.confidence is not None:
        attrs["PC"] = round(page.confidence / 100, 4)
    node = etree.Element(f"{{{NS}}}Page", {k: str(v) for k, v in attrs.items()}, nsmap={None: NS})  # type: ignore[dict-item]
    space = _e(node, "PrintSpace", HPOS=0, VPOS=0, WIDTH=page.width, HEIGHT=page.height)
    for b, (_, block) in enumerate(groupby(page.words, key=lambda w: w[7]), start=1):
        block_words = list(block)
        text_block = _e(space, "TextBlock", ID=f"p{n}_b{b}", **_box(block_words))
        for li, (_, line) in enumerate(groupby(block_words, key=lambda w: w[6]), start=1):
            line_words = list(line)
            text_line = _e(text_block, "TextLine", ID=f"p{n}_b{b}_l{li}", **_box(line_words))
            for wi, w in enumerate(line_words):
                if wi:
                    _e(text_line, "SP")
                _e(text_line, "String", ID=f"p{n}_b{b}_l{li}_w{wi + 1}", CONTENT=w[0], HPOS=w[2], VPOS=w[3],
                   WIDTH=w[4], HEIGHT=w[5], WC=round(max(min(w[1], 100), 0) / 100, 4))
    return node
