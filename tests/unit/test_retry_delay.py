"""Retries sized for outages: never at once, never longer than the cap."""

from hypothesis import given
from hypothesis import strategies as st

from workers.errors import retry_delay


@given(st.integers(min_value=0, max_value=60), st.floats(min_value=1, max_value=60))
def test_a_retry_waits_half_to_all_of_its_step_and_never_past_the_cap(retries, cap) -> None:
    step = min(cap, 2.0 ** retries)
    assert 0.5 * step <= retry_delay(retries, cap) <= step


def test_forty_retries_span_three_minutes_at_least_and_none_waits_past_ten_seconds() -> None:
    waits = [retry_delay(n, 10.0) for n in range(40)]
    assert sum(waits) >= 180 and max(waits) <= 10.0  # at least half of 1+2+4+8+36×10 s
    assert max(retry_delay(n, 10.0) for n in range(40) for _ in range(20)) <= 10.0
    assert min(retry_delay(0, 10.0) for _ in range(200)) >= 0.5
