"""One thread per process for every numeric library and for tesseract: delo scales with
processes, and threads fighting over few cores cost more than they gave (tesseract's
OpenMP threads: 6.9 s for a page with them, 1.3 s without, on a 2-core machine; natasha's
tagger on numpy's OpenBLAS spent more CPU per page than it saved).

Each entry point calls `one_per_process()` before its first page: the `delo` CLI, a
Celery worker at start, the benchmarks. Importing delo's modules changes nothing."""

from __future__ import annotations

import os

LIMITS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_THREAD_LIMIT")


def one_per_process() -> None:
    # The environment for libraries loaded later and for child processes (the tesseract
    # engine); threadpoolctl for those already loaded, which read it only once. An
    # operator's own setting wins.
    for var in LIMITS:
        os.environ.setdefault(var, "1")
    from threadpoolctl import threadpool_limits

    threadpool_limits(int(os.environ["OPENBLAS_NUM_THREADS"]))
