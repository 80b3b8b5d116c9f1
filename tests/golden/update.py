"""Write or rewrite golden files from the parser's output, for review: never run by the tests.

    .venv/bin/python tests/golden/update.py                  diff of every case, nothing written
    .venv/bin/python tests/golden/update.py NAME…            diff of those cases
    .venv/bin/python tests/golden/update.py --write NAME…    write those cases' NAME.json
    .venv/bin/python tests/golden/update.py --write --all    write every case

A golden file states what is right, not what the parser says: read each field the diff
shows against NAME.txt and correct by hand what the parser got wrong (listing it in
KNOWN_WRONG in tests/unit/test_golden.py). Fields KNOWN_WRONG lists keep the golden
file's value when a case is written. Exit status 1 when a shown case differs.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.unit.test_golden import GOLDEN, KNOWN_WRONG  # noqa: E402
from workers.records import parse_record  # noqa: E402


def dump(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, indent=2) + "\n"


def proposed(name: str) -> tuple[str, str]:
    """(the golden file as it is, '' when missing; what would be written)."""
    path = GOLDEN / f"{name}.json"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    record = parse_record((GOLDEN / f"{name}.txt").read_text(encoding="utf-8"), with_entities=False)
    if old:
        kept = json.loads(old)
        for case, field in KNOWN_WRONG:
            if case == name and field in kept:
                record[field] = kept[field]  # corrected by hand: the parser's value is the wrong one
    return old, dump(record)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="cases (NAME of NAME.txt); all when none is given")
    ap.add_argument("--write", action="store_true", help="write the named cases' golden files")
    ap.add_argument("--all", action="store_true", help="with --write: every case")
    args = ap.parse_args(argv)
    known = sorted(p.stem for p in GOLDEN.glob("*.txt"))
    unknown = sorted(set(args.names) - set(known))
    if unknown:
        ap.error(f"no such case: {', '.join(unknown)} (cases: {', '.join(known)})")
    if args.write and not args.names and not args.all:
        ap.error("--write needs the cases to write, or --all")
    differs = False
    for name in args.names or known:
        old, new = proposed(name)
        if old == new:
            continue
        differs = True
        sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                   f"a/tests/golden/{name}.json", f"b/tests/golden/{name}.json"))
        if args.write:
            (GOLDEN / f"{name}.json").write_text(new, encoding="utf-8")
            print(f"wrote tests/golden/{name}.json: review it against {name}.txt", file=sys.stderr)
    return 1 if differs and not args.write else 0


if __name__ == "__main__":
    raise SystemExit(main())
