"""format_score: two decimals, half away from zero on the decimal value, "—" for None."""

from __future__ import annotations

import math

import pytest

from scoring import format_score


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "—"),
        (0, "0.00"),
        (0.0, "0.00"),
        (4, "4.00"),
        (2.6666666666666665, "2.67"),
        (7 / 3, "2.33"),
        (0.125, "0.13"),  # half up (banker's rounding would give 0.12)
        (2.675, "2.68"),  # the float is 2.67499999..., its decimal repr 2.675 rounds up
        (1.005, "1.01"),
        (2.325, "2.33"),
        (1.4999999999999998, "1.50"),
        (3.994999, "3.99"),
        (3.995, "4.00"),
        (-0.125, "-0.13"),  # away from zero
        (-0.001, "0.00"),  # no "-0.00"
        (1e-12, "0.00"),
        (12345.678, "12345.68"),
    ],
)
def test_format_score(value: float | None, text: str) -> None:
    assert format_score(value) == text


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_format_score_rejects_non_finite(value: float) -> None:
    with pytest.raises(ValueError):
        format_score(value)
