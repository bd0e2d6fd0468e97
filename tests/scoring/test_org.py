"""Comparisons across a workspace's teams (scoring/org.py): percentile ranks, medians, quarters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.org import median, percentile_rank, percentile_ranks, quarter_of


def test_percentile_ranks_count_ties_as_half_and_leave_missing_out() -> None:
    assert percentile_ranks([1.0, 2.0, 3.0, 4.0]) == [12.5, 37.5, 62.5, 87.5]
    assert percentile_ranks([2.0, None, 2.0]) == [50.0, None, 50.0]
    assert percentile_ranks([3.0]) == [50.0]
    assert percentile_ranks([None]) == [None]
    with pytest.raises(ValueError):
        percentile_rank(1.0, [])


@given(st.lists(st.floats(min_value=0, max_value=5, allow_nan=False), min_size=1, max_size=40))
def test_the_sorted_ranks_agree_with_the_plain_definition(values: list[float]) -> None:
    assert percentile_ranks(values) == pytest.approx([percentile_rank(v, values) for v in values])


def test_median_and_quarter() -> None:
    assert median([]) is None
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([1.0, 2.0, 3.0, 4.0]) == 2.5
    assert quarter_of(datetime(2026, 3, 31, 23, 59, tzinfo=UTC)) == "2026-Q1"
    assert quarter_of(datetime(2026, 4, 1, tzinfo=UTC)) == "2026-Q2"
    assert quarter_of(datetime(2026, 12, 3, tzinfo=UTC)) == "2026-Q4"
