"""The fault suite's own stack (tests/chaos/stack.py), one for the module of scenarios
(stopped when it ends, so the rest of the suite does not share the machine with it), and the rule that
keeps the slow scenarios out of a plain `pytest`: tests marked `chaos` run only when the
-m expression names that marker (`pytest -m chaos`, `make chaos`)."""

from __future__ import annotations

import pytest

from tests.chaos import scenarios
from tests.chaos.stack import Stack


def pytest_collection_modifyitems(config, items):
    if "chaos" in (config.option.markexpr or ""):
        return
    slow = [item for item in items if item.get_closest_marker("chaos")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("chaos")]


@pytest.fixture(scope="module")
def chaos_stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("chaos")
    stack = Stack(folder)
    try:
        stack.start()
        scenarios.warm_up(stack, folder)
        yield stack
    finally:
        stack.stop()


OUTCOMES: list = []  # what the scenarios measured, printed at the end of the session


@pytest.fixture
def chaos_run(chaos_stack, tmp_path):
    def run(name: str):
        outcome = scenarios.run(chaos_stack, name, tmp_path)
        OUTCOMES.append(outcome)
        return outcome
    return run


def pytest_terminal_summary(terminalreporter):
    if OUTCOMES:
        terminalreporter.section("fault scenarios (issue 8)")
        terminalreporter.write_line(scenarios.table(OUTCOMES))
