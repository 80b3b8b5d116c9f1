"""OCR benchmark: delo's OCR stage against bare `tesseract IMG - -l rus`, same pages, one run.

    .venv/bin/python bench/ocr.py [--corpus ../shared/corpus/dev] [--languages L ...] [--rss-pages 100]

Pages are rendered from the corpus texts three ways: clean (anti-aliased print),
bilevel (already-binarised clean print, as archive scanners store it) and noisy
(grey uneven paper, speckle, spread ink, skew). Both sides run with OMP_THREAD_LIMIT=1,
one page at a time, on the same PNG files. Prints CER and seconds per page of each and
their ratios; then the peak RSS of `delo ingest` on a generated 100-page PDF.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workers.config import Settings  # noqa: E402
from workers.ocr import ocr_file  # noqa: E402
from workers.synthetic import paginate, render_page, save_pdf  # noqa: E402

os.environ["OMP_THREAD_LIMIT"] = "1"
KINDS = ("clean", "bilevel", "noisy")


def norm(s: str) -> str:
    return " ".join(s.split())


def cer(hyp: str, ref: str) -> float:
    ref = norm(ref)
    return Levenshtein.distance(norm(hyp), ref) / max(len(ref), 1)


def make_pages(corpus: Path, out: Path) -> list[tuple[str, Path, str]]:
    pages = []
    for text_file in sorted(corpus.glob("*.txt")):
        for n, page_text in enumerate(paginate(text_file.read_text(encoding="utf-8")), start=1):
            for kind in KINDS:
                if kind == "clean":
                    img = render_page(page_text)
                elif kind == "bilevel":
                    img = render_page(page_text).convert("1")
                else:
                    img = render_page(page_text, noisy=True, seed=n + len(pages))
                path = out / f"{text_file.stem}-p{n}-{kind}.png"
                img.save(path, dpi=(300, 300))
                pages.append((kind, path, page_text))
    return pages


def bare_tesseract(path: Path) -> tuple[str, float]:
    started = time.perf_counter()
    text = subprocess.run(["tesseract", str(path), "-", "-l", "rus"], capture_output=True, text=True, check=True).stdout
    return text, time.perf_counter() - started


def delo(path: Path, settings: Settings) -> tuple[str, float]:
    started = time.perf_counter()
    text = ocr_file(path, settings).text
    return text, time.perf_counter() - started


def peak_rss_of(cmd: list[str]) -> tuple[float, float, float]:
    """(seconds, peak RSS of the delo process, peak RSS of its whole process tree) in MB."""
    proc = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    own = tree = 0
    started = time.perf_counter()
    while proc.poll() is None:
        try:
            rss = proc.memory_info().rss
            kids = sum(c.memory_info().rss for c in proc.children(recursive=True))
        except psutil.Error:
            continue
        own, tree = max(own, rss), max(tree, rss + kids)
        time.sleep(0.05)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}")
    return time.perf_counter() - started, own / 2**20, tree / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "dev")
    ap.add_argument("--languages", nargs="*", default=[Settings().ocr_languages])
    ap.add_argument("--rss-pages", type=int, default=100, help="pages in the generated PDF (0: skip)")
    args = ap.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"no corpus at {args.corpus}")

    with tempfile.TemporaryDirectory(prefix="delo-bench-") as tmp:
        tmp = Path(tmp)
        pages = make_pages(args.corpus, tmp)
        print(f"{len(pages)} pages from {args.corpus} ({len(pages) // len(KINDS)} per kind), OMP_THREAD_LIMIT=1\n")
        bare = {p: bare_tesseract(p) for _, p, _ in pages}
        for languages in args.languages:
            settings = Settings(ocr_languages=languages)
            ours = {p: delo(p, settings) for _, p, _ in pages}
            print(f"delo languages={languages} vs bare tesseract -l rus")
            print(f"{'pages':8} {'CER bare':>9} {'CER delo':>9} {'ratio':>6}   {'s/p bare':>8} {'s/p delo':>8} {'ratio':>6}")
            for kind in (*KINDS, "all"):
                sel = [(p, ref) for k, p, ref in pages if kind in (k, "all")]
                cb = statistics.mean(cer(bare[p][0], ref) for p, ref in sel)
                cd = statistics.mean(cer(ours[p][0], ref) for p, ref in sel)
                tb = statistics.mean(bare[p][1] for p, _ in sel)
                td = statistics.mean(ours[p][1] for p, _ in sel)
                print(f"{kind:8} {cb:9.2%} {cd:9.2%} {cd / cb if cb else float('nan'):6.2f}   "
                      f"{tb:8.2f} {td:8.2f} {td / tb:6.2f}")
            print()

        if args.rss_pages:
            texts = [t for f in sorted(args.corpus.glob("*.txt")) for t in paginate(f.read_text(encoding="utf-8"))]
            pdf = tmp / "hundred.pdf"
            save_pdf([render_page(texts[i % len(texts)]) for i in range(args.rss_pages)], pdf)
            seconds, own, tree = peak_rss_of([str(ROOT / ".venv" / "bin" / "delo"), "ingest", str(pdf),
                                              "--out", str(tmp / "out"), "--quiet"])
            print(f"delo ingest of a {args.rss_pages}-page PDF ({pdf.stat().st_size / 2**20:.1f} MiB): "
                  f"{seconds:.0f} s ({seconds / args.rss_pages:.2f} s/page), "
                  f"peak RSS {own:.0f} MB (delo process), {tree:.0f} MB (with tesseract/poppler children)")


if __name__ == "__main__":
    main()
