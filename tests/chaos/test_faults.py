"""Issue 8's fault scenarios against a real stack of their own: after each fault every
upload is published once (ledger, documents, records bucket, stream), poison fails with
its own code, and all of it within 60 s of the fault's end. The slow ones (the database's
30 s outage, much like the object store's, and the 200-upload burst) are marked `chaos`
and run with `pytest -m chaos` / `make chaos`; `bench/chaos.py` prints the same as a table."""

from __future__ import annotations

import pytest

from tests.chaos.scenarios import SCENARIOS

pytestmark = pytest.mark.stack


@pytest.mark.parametrize("name", [pytest.param(name, marks=[pytest.mark.chaos] if s.slow else [])
                                  for name, s in SCENARIOS.items()])
def test_the_stack_heals(chaos_run, name) -> None:
    outcome = chaos_run(name)
    assert not outcome.problems(), "\n".join(outcome.problems() + outcome.notes)
