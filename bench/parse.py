"""Score the record parser against ../shared/corpus/*/NAME.expected.json.

    .venv/bin/python bench/parse.py [--corpus DIR] [--scans]

Without --scans: `delo parse` on each text. With --scans: each text is rendered as a
clean and a noisy scan and goes through `delo ingest` (OCR included), scored the same
way. A field passes when it equals what the archivist wrote; addressees and signatories
pass when every required name is found and nothing outside required + allowed is.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DELO = ROOT / ".venv" / "bin" / "delo"
sys.path.insert(0, str(ROOT))

from tests.scoring import score  # noqa: E402  (the scorer the tests use too)


def parse_texts(corpus: Path) -> dict[str, dict]:
    """What `delo parse` prints for each text (the same function, in one process), and how
    many texts a second it parses with entities once its models are loaded."""
    from workers.records import parse_record

    texts = {text.stem: text.read_text(encoding="utf-8") for text in sorted(corpus.glob("*.txt"))}
    records = {name: parse_record(text) for name, text in texts.items()}  # the first pass loads the models
    start = time.perf_counter()
    for text in texts.values():
        parse_record(text)
    print(f"\nparsing: {len(texts) / (time.perf_counter() - start):.0f} texts/s with entities (one process)")
    return records


def ingest_scans(corpus: Path, noisy: bool) -> dict[str, dict]:
    from samples.synthetic import paginate, render_page, save_pdf

    with tempfile.TemporaryDirectory(prefix="delo-bench-") as tmp:
        tmp = Path(tmp)
        for i, text in enumerate(sorted(corpus.glob("*.txt"))):
            pages = [render_page(p, noisy=noisy, seed=i) for p in paginate(text.read_text(encoding="utf-8"))]
            save_pdf(pages, tmp / f"{text.stem}.pdf")
        subprocess.run([str(DELO), "ingest", str(tmp), "--out", str(tmp / "out"), "--quiet"], capture_output=True)
        return {p.name.removesuffix(".pdf.json"): json.loads(p.read_text(encoding="utf-8"))["record"]
                for p in (tmp / "out").glob("*.pdf.json")}


_RECORD_KEY = {"type": "document_type", "archival_reference": "archival_references"}


def _shown(record: dict, field: str) -> str:
    value = record.get(_RECORD_KEY.get(field, field))
    if field in ("addressees", "signatories"):
        value = [p["name"] for p in value]
    elif field == "archival_reference":
        value = [{k: r[k] for k in ("archive", "fond", "opis", "delo", "sheets")} for r in value[:1]]
    return json.dumps(value, ensure_ascii=False)


def _wanted(expected: dict, field: str) -> str:
    key = {"type": "document_type"}.get(field, field)
    accept = expected.get(f"{key}_accept")
    return json.dumps(accept or expected.get(key), ensure_ascii=False)


def report(title: str, records: dict[str, dict], corpus: Path, verbose: bool = True) -> None:
    print(f"\n{title}")
    totals: dict[str, list[bool]] = {}
    for expected_file in sorted(corpus.glob("*.expected.json")):
        name = expected_file.name.removesuffix(".expected.json")
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        if name not in records:
            print(f"  {name:10} NO RECORD")
            continue
        result = score(records[name], expected)
        for field, ok in result.items():
            totals.setdefault(field, []).append(ok)
        misses = [f for f, ok in result.items() if not ok]
        print(f"  {name:10} {sum(result.values())}/{len(result)} fields" + (f"  missed: {', '.join(misses)}" if misses else ""))
        if verbose:
            for field in misses:
                print(f"      {field}: got {_shown(records[name], field)}  want {_wanted(expected, field)}")
    passed = sum(sum(v) for v in totals.values())
    checked = sum(len(v) for v in totals.values())
    print("  " + "  ".join(f"{f} {sum(v)}/{len(v)}" for f, v in totals.items()))
    print(f"  all fields: {passed}/{checked}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "dev")
    ap.add_argument("--scans", action="store_true", help="also score OCR'd clean and noisy scans of the texts")
    ap.add_argument("--quiet", action="store_true", help="do not print what each miss got")
    args = ap.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"no corpus at {args.corpus}")
    report("delo parse on the texts", parse_texts(args.corpus), args.corpus, not args.quiet)
    if args.scans:
        report("delo ingest on clean scans", ingest_scans(args.corpus, noisy=False), args.corpus, not args.quiet)
        report("delo ingest on noisy scans", ingest_scans(args.corpus, noisy=True), args.corpus, not args.quiet)


if __name__ == "__main__":
    main()
