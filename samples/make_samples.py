"""Make the sample scans in samples/scans/ from the texts in samples/texts/.

    python samples/make_samples.py

The texts are archival-style documents written for delo; the scans imitate what a
digitisation team uploads: a clean PNG, a bilevel CCITT G4 TIFF, a two-page PDF, a
two-frame TIFF and a noisy JPEG of a poor carbon copy.
"""

from __future__ import annotations

import sys
from pathlib import Path

from synthetic import render_page, save_pdf, save_tiff  # beside this script

HERE = Path(__file__).resolve().parent


def halves(text: str) -> list[str]:
    """Two pages, split at the paragraph nearest the middle."""
    paragraphs = text.split("\n\n")
    mid = max(1, len(paragraphs) // 2)
    return ["\n\n".join(paragraphs[:mid]), "\n\n".join(paragraphs[mid:])]


def main(out: Path = HERE / "scans") -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted((HERE / "texts").glob("*.txt"))}
    made = []

    path = out / "01-telegram.png"
    render_page(texts["01-telegram"]).save(path, dpi=(300, 300))
    made.append(path)

    path = out / "02-cipher.tif"
    save_tiff([render_page(texts["02-cipher"])], path, bilevel=True)
    made.append(path)

    path = out / "03-conversation.pdf"
    save_pdf([render_page(t) for t in halves(texts["03-conversation"])], path)
    made.append(path)

    path = out / "04-protocol.tif"
    save_tiff([render_page(t, skew=1.5) for t in halves(texts["04-protocol"])], path)
    made.append(path)

    path = out / "05-report-noisy.jpg"
    render_page(texts["05-report"], noisy=True, seed=5).convert("RGB").save(path, quality=85, dpi=(300, 300))
    made.append(path)
    return made


if __name__ == "__main__":
    for p in main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "scans"):
        print(p.relative_to(Path.cwd()) if p.is_relative_to(Path.cwd()) else p)
