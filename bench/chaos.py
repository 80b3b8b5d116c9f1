"""The fault scenarios of issue 8 against a stack of their own (tests/chaos/stack.py:
its own Redis servers, PostgreSQL and S3 behind TCP proxies, two workers, beat, intake),
one after another, and a table: uploaded → published, lost, duplicated, seconds to recover.

    .venv/bin/python bench/chaos.py [SCENARIO...] [--wait S]

Exits 1 if any scenario lost, duplicated or recovered late; the logs are then kept.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.chaos import scenarios  # noqa: E402
from tests.chaos.stack import Stack  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="SCENARIO", help=f"default: all of {', '.join(scenarios.SCENARIOS)}")
    parser.add_argument("--wait", type=float, default=15,
                        help="seconds to keep waiting past a scenario's limit, to measure a late recovery (default 15)")
    args = parser.parse_args()
    unknown = set(args.names) - set(scenarios.SCENARIOS)
    if unknown:
        parser.error(f"no such scenario: {', '.join(sorted(unknown))}")
    folder = Path(tempfile.mkdtemp(prefix="delo-chaos-"))
    print(f"stack logs in {folder}", file=sys.stderr)
    started = time.monotonic()
    stack = Stack(folder)
    outcomes = []
    try:
        stack.start()
        scenarios.warm_up(stack, folder)
        for name in args.names or scenarios.SCENARIOS:
            began = time.monotonic()
            outcomes.append(scenarios.run(stack, name, folder, extra_wait=args.wait))
            print(f"{name}: {'ok' if not outcomes[-1].problems() else 'FAIL'} ({time.monotonic() - began:.0f} s)",
                  file=sys.stderr)
    finally:
        stack.stop()
    print(scenarios.table(outcomes))
    print(f"\n{len(outcomes)} scenario(s) in {time.monotonic() - started:.0f} s")
    if any(o.problems() for o in outcomes):
        print(f"logs kept in {folder}", file=sys.stderr)
        sys.exit(1)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
