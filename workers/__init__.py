"""delo's core: OCR stage, record parser, stores and the drivers that run them."""

import os

# One thread per process for every numeric library (natasha's tagger runs on numpy):
# delo scales with processes, and threads fighting over 2 cores made a worker spend
# more CPU per page than it saved. Set before numpy is imported anywhere.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
