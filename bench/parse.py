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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DELO = ROOT / ".venv" / "bin" / "delo"
sys.path.insert(0, str(ROOT))


def score(record: dict, expected: dict) -> dict[str, bool]:
    got = {
        "type": record["document_type"] == expected["document_type"],
        "date": record["date"] == expected["date"],
        "dates_mentioned": sorted(d["date"] for d in record["dates_mentioned"] if d["date"])
        == sorted(expected.get("dates_mentioned", [])),
        "classification": record["classification"] == expected["classification"]
        and record["declassified"] == expected["declassified"],
        "registration_number": record["registration_number"] == expected["registration_number"],
    }
    for field in ("addressees", "signatories"):
        names = {p["name"] for p in record[field]}
        required, allowed = set(expected[field]["required"]), set(expected[field]["allowed"])
        got[field] = required <= names <= required | allowed
    want = expected.get("archival_reference")
    first = record["archival_references"][0] if record["archival_references"] else None
    got["archival_reference"] = (first is None) if want is None else (
        first is not None and all(first.get(k) == v for k, v in want.items()))
    if "citation" in expected:
        got["citation"] = record["citation"] == expected["citation"]
    for ref in expected.get("references", []):
        got["references"] = any(all(r.get(k) == v for k, v in ref.items()) for r in record["references"])
    return got


def parse_texts(corpus: Path) -> dict[str, dict]:
    out = {}
    for text in sorted(corpus.glob("*.txt")):
        proc = subprocess.run([str(DELO), "parse", str(text)], capture_output=True, text=True, check=True)
        out[text.stem] = json.loads(proc.stdout)
    return out


def ingest_scans(corpus: Path, noisy: bool) -> dict[str, dict]:
    from workers.synthetic import paginate, render_page, save_pdf

    with tempfile.TemporaryDirectory(prefix="delo-bench-") as tmp:
        tmp = Path(tmp)
        for i, text in enumerate(sorted(corpus.glob("*.txt"))):
            pages = [render_page(p, noisy=noisy, seed=i) for p in paginate(text.read_text(encoding="utf-8"))]
            save_pdf(pages, tmp / f"{text.stem}.pdf")
        subprocess.run([str(DELO), "ingest", str(tmp), "--out", str(tmp / "out"), "--quiet"], capture_output=True)
        return {p.name.removesuffix(".pdf.json"): json.loads(p.read_text(encoding="utf-8"))["record"]
                for p in (tmp / "out").glob("*.pdf.json")}


def report(title: str, records: dict[str, dict], corpus: Path) -> None:
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
    passed = sum(sum(v) for v in totals.values())
    checked = sum(len(v) for v in totals.values())
    print("  " + "  ".join(f"{f} {sum(v)}/{len(v)}" for f, v in totals.items()))
    print(f"  all fields: {passed}/{checked}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "dev")
    ap.add_argument("--scans", action="store_true", help="also score OCR'd clean and noisy scans of the texts")
    args = ap.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"no corpus at {args.corpus}")
    report("delo parse on the texts", parse_texts(args.corpus), args.corpus)
    if args.scans:
        report("delo ingest on clean scans", ingest_scans(args.corpus, noisy=False), args.corpus)
        report("delo ingest on noisy scans", ingest_scans(args.corpus, noisy=True), args.corpus)


if __name__ == "__main__":
    main()
