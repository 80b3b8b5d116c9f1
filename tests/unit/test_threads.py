"""The entry points' thread limits (workers/threads.py) reach libraries loaded before and
after the call, and the tesseract engine's environment; an operator's setting wins."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = r"""
import json, os
import numpy  # loaded before the call: only threadpoolctl can still limit it
from threadpoolctl import threadpool_info
from workers.threads import one_per_process
one_per_process()
print(json.dumps({"pools": [p["num_threads"] for p in threadpool_info()],
                  "env": {k: os.environ.get(k) for k in ("OMP_THREAD_LIMIT", "OPENBLAS_NUM_THREADS")}}))
"""


def probe(**env: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", **env})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def test_one_thread_for_numpy_already_loaded_and_for_tesseract_children() -> None:
    seen = probe()
    assert seen["pools"] and set(seen["pools"]) == {1}
    assert seen["env"] == {"OMP_THREAD_LIMIT": "1", "OPENBLAS_NUM_THREADS": "1"}


def test_an_operators_setting_wins() -> None:
    seen = probe(OPENBLAS_NUM_THREADS="2")
    assert set(seen["pools"]) == {2}
    assert seen["env"]["OPENBLAS_NUM_THREADS"] == "2"
