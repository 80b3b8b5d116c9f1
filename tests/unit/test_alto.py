"""ALTO 4 from a page's words (workers/outputs/alto.py): valid against the vendored
ALTO 4.4 schema, blocks and lines as tesseract grouped them, boxes and confidences kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from workers.ocr.stage import PageResult
from workers.outputs.alto import NS, alto

SCHEMA = Path(__file__).resolve().parents[2] / "infra" / "schemas" / "alto" / "alto-4-4.xsd"


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def page(number: int, words: list[tuple]) -> PageResult:
    return PageResult(number=number, text="", confidence=91.5, dpi=300, width=2480, height=3508, skew_degrees=0.0,
                      steps=(), seconds=0.1, words=tuple(words))


WORDS = [("ТЕЛЕГРАММА", 96.1, 200, 230, 250, 24, 0, 1),
         ("Товарищу", 93.0, 200, 360, 190, 30, 2, 2), ("ПАНЮШКИНУ", 88.4, 410, 360, 260, 30, 2, 2),
         ("Ваша", 45.0, 200, 420, 100, 30, 3, 2)]


def test_a_page_gives_valid_alto_with_its_blocks_lines_and_words(schema) -> None:
    root = etree.fromstring(alto([page(1, WORDS), page(2, [])], source="t.png", software="1",
                                 engine="tesseract 5"))
    assert schema.validate(root), schema.error_log
    pages = root.findall(f".//{{{NS}}}Page")
    assert [p.get("PHYSICAL_IMG_NR") for p in pages] == ["1", "2"]
    blocks = pages[0].findall(f".//{{{NS}}}TextBlock")
    assert [len(b.findall(f"{{{NS}}}TextLine")) for b in blocks] == [1, 2]
    strings = pages[0].findall(f".//{{{NS}}}String")
    assert [s.get("CONTENT") for s in strings] == [w[0] for w in WORDS]
    assert strings[3].get("WC") == "0.45" and strings[1].get("HPOS") == "200" and strings[2].get("WIDTH") == "260"
    second_line = blocks[1].findall(f"{{{NS}}}TextLine")[0]  # its box spans its two words
    assert (second_line.get("HPOS"), second_line.get("WIDTH")) == ("200", "470")
    assert root.findtext(f".//{{{NS}}}fileName") == "t.png"


_word = st.tuples(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12),
                  st.floats(0, 100), st.integers(0, 2000), st.integers(0, 3000), st.integers(1, 400),
                  st.integers(1, 200))


@settings(max_examples=40, deadline=None)
@given(st.lists(_word, max_size=30))
def test_any_words_give_valid_alto(schema, words) -> None:
    """Whatever tesseract reads (quotes, ampersands, odd scripts), the file stays valid."""
    placed = [(*w, n // 4, n // 8) for n, w in enumerate(words)]
    root = etree.fromstring(alto([page(1, placed)], source="x.tif", software="1", engine="tesseract 5"))
    assert schema.validate(root), schema.error_log
    assert [s.get("CONTENT") for s in root.iter(f"{{{NS}}}String")] == [w[0] for w in words]
