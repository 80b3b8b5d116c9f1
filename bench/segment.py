"""Segmentation benchmark: files that hold several documents, cut into one record each.

    .venv/bin/python bench/segment.py [--shared ../shared] [--files 12] [--seed 1] [--text] [--noisy]
    .venv/bin/python bench/segment.py --stack 60 300

Files are assembled from ../shared/corpus/dev texts: two to six documents each, one after
another as a delo holds them, a new document starting mid-page (after a gap of one to
three lines) or, one time in three, on a new page; rendered as scans (samples/synthetic.py,
as many lines as a page holds) and read by delo's OCR stage, or with --text taken as the lines are.

Scores, over every document that does not open its file:
- boundaries: its start found at exactly its page and line; found within a line;
- split: a start found inside a document (cutting it in two), per document;
- fields of each document (scored as bench/parse.py scores them), three ways on the same
  text: cut where delo cuts (found), cut where the documents really start (truth: the
  documents as if ingested one per file), and not cut at all (one record per file:
  what delo gave before, each document scored against the file's one record).
With --stack: one long file (the dev documents made longer by saying their bodies again)
through the event-driven stack; its pages are read in parallel, and the run prints the
records published and the workers' peak memory. Exits non-zero when the corpus is missing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import threading
import time
from dataclasses import astuple, dataclass
from pathlib import Path

from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from samples.synthetic import LINES_PER_PAGE, render_page, wrap  # noqa: E402
from tests.scoring import score  # noqa: E402
from workers.records import parse_record  # noqa: E402
from workers.records.segment import Place, Span, cut, segment  # noqa: E402

CACHE = Path.home() / ".cache" / "delo-bench" / "segment"


@dataclass
class Assembled:
    pages: list[str]
    truth: list[tuple[str, Span]]  # each document's name and where it is


def assemble(docs: dict[str, str], rng: random.Random, count: int) -> Assembled:
    lines: list[str] = []
    where: list[tuple[str, int, int]] = []
    for name in rng.sample(sorted(docs), count):
        if lines:
            if rng.random() < 1 / 3:
                lines += [""] * (-len(lines) % LINES_PER_PAGE)  # the next page
            else:
                lines += [""] * rng.randint(1, 3)
        body = [ln for ln in wrap(docs[name])]
        while body and not body[-1].strip():
            body.pop()
        first = len(lines) + next(i for i, ln in enumerate(body) if ln.strip())
        lines += body
        where.append((name, first, len(lines) - 1))
    pages = ["\n".join(lines[i:i + LINES_PER_PAGE]) for i in range(0, len(lines), LINES_PER_PAGE)]

    def place(n: int) -> Place:
        return Place(n // LINES_PER_PAGE + 1, n % LINES_PER_PAGE)

    return Assembled(pages, [(name, Span(place(a), place(b))) for name, a, b in where])


def read_as_scans(files: list[Assembled], noisy: bool) -> list[Assembled]:
    """Each file rendered and OCR'd; each truth place moved to the OCR line that best
    matches the line that was there."""
    from workers.config import Settings
    from workers.ocr import ocr_file

    out = []
    with tempfile.TemporaryDirectory(prefix="delo-segment-") as tmp:
        for k, f in enumerate(files):
            path = Path(tmp) / f"file{k}.pdf"
            images = [render_page(p, noisy=noisy, seed=k * 100 + i) for i, p in enumerate(f.pages)]
            images[0].save(path, "PDF", resolution=300, save_all=True, append_images=images[1:])
            read = [p.text for p in ocr_file(path, Settings()).pages]
            truth = [(name, Span(_nearest(f.pages, read, s.first), _nearest(f.pages, read, s.last)))
                     for name, s in f.truth]
            out.append(Assembled(read, truth))
            print(f"  read file {k + 1}/{len(files)}: {len(read)} pages", file=sys.stderr)
    return out


def _nearest(typed: list[str], read: list[str], place: Place) -> Place:
    want = typed[place.page - 1].split("\n")[place.line].strip()
    lines = read[place.page - 1].split("\n")
    best = min(range(len(lines)), key=lambda i: (Levenshtein.normalized_distance(want, lines[i].strip()),
                                                  abs(i - place.line)))
    return Place(place.page, best)


def _digest(docs: dict[str, str]) -> str:
    from workers.config import Settings

    data = json.dumps([docs, Settings().ocr_languages, LINES_PER_PAGE], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()[:12]


def text(pages: list[str], span: Span) -> str:
    return "\f".join(t for _, t in cut(pages, span))


def lengthen(text: str, lines: int) -> str:
    """The document with its body said again until it runs to about `lines` lines: a
    long document of the same form (the head and the closing stay where they were)."""
    from workers.records.layout import classify

    layout = classify(text)
    body = [ln.text for ln in layout.lines if ln.kind == "body"]
    if not body:
        return text
    split = layout.lines[layout.body_end - 1].end
    extra: list[str] = []
    while len(wrap("\n".join(extra))) < lines:
        extra += body
    return text[:split] + "\n" + "\n".join(extra) + text[split:]


def through_stack(docs: dict[str, str], documents: int, pages: int) -> None:
    """One file of `documents` documents and about `pages` pages through the stack (as
    bench/pipeline.py starts it, 2 worker processes): seconds, records published, and the
    peak RSS of each worker process and of its tesseract engine."""
    import psutil
    import psycopg

    from bench.pipeline import start_stack, start_workers, stop
    from bench.pipeline import through_stack as run_keys
    from samples.synthetic import save_pdf

    rng = random.Random(7)
    names = [sorted(docs)[i % len(docs)] for i in range(documents)]
    long = {n: lengthen(docs[n], pages * LINES_PER_PAGE // documents - 8) for n in set(names)}
    lines: list[str] = []
    for name in names:
        if lines and rng.random() < 0.5:
            lines += [""] * (-len(lines) % LINES_PER_PAGE)
        elif lines:
            lines += ["", ""]
        lines += wrap(long[name])
    texts = ["\n".join(lines[i:i + LINES_PER_PAGE]) for i in range(0, len(lines), LINES_PER_PAGE)]
    with tempfile.TemporaryDirectory(prefix="delo-segment-stack-") as tmp:
        folder = Path(tmp)
        pdf = folder / "file.pdf"
        save_pdf([render_page(t, seed=i) for i, t in enumerate(texts)], pdf)
        env, procs, intake = start_stack(folder)
        try:
            worker = start_workers(env, folder)
            procs.append(worker)
            peak: dict[str, int] = {}
            done = threading.Event()

            def watch() -> None:
                while not done.is_set() and psutil.pid_exists(worker.pid):
                    for p in psutil.Process(worker.pid).children(recursive=True):
                        try:
                            kind = "engine" if "workers.ocr.engine" in " ".join(p.cmdline()) else "worker"
                            peak[kind] = max(peak.get(kind, 0), p.memory_info().rss)
                        except psutil.Error:
                            pass
                    time.sleep(0.2)

            threading.Thread(target=watch, daemon=True).start()
            seconds = run_keys([pdf], intake, env["DELO_DATABASE_URL"], "segment")
            done.set()
            with psycopg.connect(env["DELO_DATABASE_URL"]) as conn:
                published = conn.execute("SELECT count(*) FROM documents WHERE source_uri LIKE %s",
                                         ("%/segment/file.pdf",)).fetchone()[0]
            print(f"stack: a {len(texts)}-page file of {documents} documents in {seconds:.0f} s "
                  f"({len(texts) / seconds:.2f} pages/s, 2 worker processes): {published} records published; "
                  f"peak RSS {peak.get('worker', 0) / 2**20:.0f} MB per worker process, "
                  f"{peak.get('engine', 0) / 2**20:.0f} MB per tesseract engine")
        finally:
            for p in reversed(procs):
                stop(p)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--files", type=int, default=12)
    ap.add_argument("--corpus", type=Path, action="append",
                    help="folder of texts (NAME.txt, with NAME.expected.json where fields are scored); "
                         "repeatable [default: SHARED/corpus/dev]")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--text", action="store_true", help="the typed lines, no rendering or OCR")
    ap.add_argument("--noisy", action="store_true", help="noisy scans instead of clean ones")
    ap.add_argument("--lines", type=int, default=0,
                    help="make each document about this many lines long, saying its body again")
    ap.add_argument("--verbose", action="store_true", help="print each miss")
    ap.add_argument("--stack", type=int, nargs=2, metavar=("DOCUMENTS", "PAGES"),
                    help="instead: one file of DOCUMENTS documents, PAGES pages, through the stack (e.g. 60 300)")
    args = ap.parse_args()
    corpora = args.corpus or [args.shared / "corpus" / "dev"]
    docs, expected = {}, {}
    for corpus in corpora:
        if not corpus.is_dir():
            raise SystemExit(f"no corpus at {corpus}")
        for path in sorted(corpus.glob("*.txt")):
            docs[path.stem] = path.read_text(encoding="utf-8")
            if (corpus / f"{path.stem}.expected.json").exists():
                expected[path.stem] = json.loads((corpus / f"{path.stem}.expected.json").read_text(encoding="utf-8"))
    if args.stack:
        through_stack(docs, *args.stack)
        return
    if args.lines:
        docs = {name: lengthen(text, args.lines) for name, text in docs.items()}
    rng = random.Random(args.seed)
    files = [assemble(docs, rng, rng.randint(2, 6)) for _ in range(args.files)]
    if not args.text:
        # OCR is most of the run: its reading is kept, so that changing the segmenter and
        # running again takes seconds (the key holds everything that changes the pages)
        cache = CACHE / f"{'noisy' if args.noisy else 'clean'}-{args.files}-{args.seed}-{args.lines}-{_digest(docs)}.json"
        if cache.exists():
            files = [Assembled(f["pages"], [(n, Span(Place(*a), Place(*b))) for n, a, b in f["truth"]])
                     for f in json.loads(cache.read_text(encoding="utf-8"))]
        else:
            files = read_as_scans(files, args.noisy)
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps([{"pages": f.pages, "truth": [(n, astuple(s.first), astuple(s.last))
                                                                      for n, s in f.truth]} for f in files],
                                        ensure_ascii=False), encoding="utf-8")

    starts = exact = near = split = 0
    fields = {"found": [0, 0], "truth": [0, 0], "one per file": [0, 0]}
    for f in files:
        found = segment(f.pages)
        found_starts = {s.first for s in found}
        whole = parse_record("\f".join(f.pages))
        for k, (name, span) in enumerate(f.truth):
            if k:
                starts += 1
                exact += span.first in found_starts
                near += any(p.page == span.first.page and abs(p.line - span.first.line) <= 1 for p in found_starts)
                if args.verbose and span.first not in found_starts:
                    print(f"  missed start of {name} at {span.first}; found {sorted(found_starts)}")
            inside = [p for p in found_starts if span.first < p <= span.last]
            split += bool(inside)
            if args.verbose and inside:
                print(f"  {name} cut at {inside}")
            mine = max(found, key=lambda s: _overlap(s, span))
            for way, record in (("found", parse_record(text(f.pages, mine), with_entities=False)),
                                ("truth", parse_record(text(f.pages, span), with_entities=False)),
                                ("one per file", whole)):
                got = score(record, expected[name]) if name in expected else {}
                fields[way][0] += sum(got.values())
                fields[way][1] += len(got)
    documents = sum(len(f.truth) for f in files)
    kind = "typed text" if args.text else ("noisy" if args.noisy else "clean") + " scans"
    print(f"{len(files)} files, {documents} documents, {sum(len(f.pages) for f in files)} pages ({kind})")
    print(f"boundaries found exactly   {exact}/{starts} = {exact / starts:.1%}   (within a line: {near / starts:.1%})")
    print(f"documents split in two     {split}/{documents} = {split / documents:.1%}")
    if fields["truth"][1]:  # texts with expected fields
        share = {way: p / n for way, (p, n) in fields.items()}
        print("fields of each document    " + "   ".join(f"{way} {p}/{n} = {p / n:.1%}" for way, (p, n) in fields.items()))
        print(f"found vs truth: {100 * (share['found'] - share['truth']):+.1f} points; "
              f"one record per file vs truth: {100 * (share['one per file'] - share['truth']):+.1f}")


def _overlap(a: Span, b: Span) -> int:
    """How many pages-and-lines two spans share, roughly: lines on a page count 1/1000 of a page."""
    lo, hi = max(a.first, b.first), min(a.last, b.last)
    return 0 if hi < lo else (hi.page - lo.page) * 1000 + hi.line - lo.line + 1


if __name__ == "__main__":
    main()
