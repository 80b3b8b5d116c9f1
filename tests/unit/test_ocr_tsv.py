"""Text, uncertain words and word boxes rebuilt from one tesseract TSV (no tesseract run here)."""

from __future__ import annotations

from workers.ocr.tesseract import _from_tsv


def tsv(rows: list[tuple[int, int, int, str, float]]) -> dict[str, list]:
    """(block, paragraph, line, word, confidence) rows as pytesseract's image_to_data gives them."""
    return {
        "page_num": [1] * len(rows), "block_num": [r[0] for r in rows], "par_num": [r[1] for r in rows],
        "line_num": [r[2] for r in rows], "text": [r[3] for r in rows], "conf": [r[4] for r in rows],
        # each word 100 px wide, one after another along its line, lines 50 px apart
        "left": [str(100 * n) for n in range(len(rows))], "top": [str(50 * r[2]) for r in rows],
        "width": ["100"] * len(rows), "height": ["40"] * len(rows),
    }


def test_uncertain_words_come_from_the_same_run_as_the_text() -> None:
    """GIVEN words with confidences WHEN rebuilt THEN the text keeps every word and the ones below
    the threshold are listed in reading order; layout rows (conf -1) and blanks are skipped."""
    found = _from_tsv(tsv([
        (1, 1, 1, "", -1), (1, 1, 1, "Ф.", 96.0), (1, 1, 1, "8.", 93.5), (1, 1, 1, "Оп.", 91.0),
        (1, 1, 1, "2%.", 41.2), (1, 1, 2, "Д.", 79.9), (1, 1, 2, "517.", 95.0), (2, 1, 1, " ", 95.0),
    ]), uncertain_below=80)
    assert found.text == "Ф. 8. Оп. 2%.\nД. 517."
    assert found.uncertain == ("2%.", "Д.")
    assert found.words == 6
    # each word's box, and the line of the text it is on: what ALTO and the PDF place it by
    assert [(w.text, w.left, w.top, w.line, w.block) for w in found.boxes] == [
        ("Ф.", 100, 50, 0, 1), ("8.", 200, 50, 0, 1), ("Оп.", 300, 50, 0, 1), ("2%.", 400, 50, 0, 1),
        ("Д.", 500, 100, 1, 1), ("517.", 600, 100, 1, 1)]


def test_a_new_paragraph_puts_a_blank_line_between_and_counts_it() -> None:
    found = _from_tsv(tsv([(1, 1, 1, "Секретно", 95.0), (2, 1, 1, "Товарищу", 95.0), (2, 1, 1, "Кирову", 95.0)]))
    assert found.text == "Секретно\n\nТоварищу Кирову"
    assert [(w.text, w.line) for w in found.boxes] == [("Секретно", 0), ("Товарищу", 2), ("Кирову", 2)]


def test_no_threshold_no_uncertain_words() -> None:
    found = _from_tsv(tsv([(1, 1, 1, "слово", 12.0)]))
    assert found.uncertain == () and found.text == "слово"
