"""scoring.formatting: scores, deltas, money, percentages, durations and counts, one rounding rule
(half up on the decimal repr) and one minus sign (U+2212)."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import format_score
from scoring.formatting import (
    MINUS,
    format_count,
    format_duration,
    format_gap,
    format_money,
    format_number,
    format_percent,
    format_signed,
    plural,
    rounded,
    shown_delta,
)


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
        (-0.125, "\u22120.13"),  # away from zero, with the minus sign U+2212
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


# --- the other helpers of scoring.formatting: one rounding rule, one minus sign, plurals ----------

SCORES = st.floats(0, 5, allow_nan=False)


@pytest.mark.parametrize(
    ("value", "places", "result"),
    [(0.125, 2, "0.13"), (2.675, 2, "2.68"), (-0.125, 2, "-0.13"), (-0.001, 2, "0.00"), (0.5, 0, "1"), (2.5, 0, "3")],
)
def test_rounded_is_half_up_on_the_decimal_repr(value: float, places: int, result: str) -> None:
    assert rounded(value, places) == Decimal(result)
    assert str(rounded(value, places)) == result  # "0.00", never "-0.00"


@pytest.mark.parametrize(
    ("before", "after", "delta"),
    [(0.0, 1.625, "1.63"), (1.004, 1.006, "0.01"), (2.0, 1.995, "0.00"), (1.625, 0.0, "-1.63"), (None, 1.0, None)],
)
def test_shown_delta_is_the_difference_of_the_rounded_scores(
    before: float | None, after: float | None, delta: str | None
) -> None:
    assert shown_delta(before, after) == (None if delta is None else Decimal(delta))


@given(SCORES, SCORES)
def test_shown_delta_matches_the_scores_as_printed(before: float, after: float) -> None:
    delta = shown_delta(before, after)
    assert delta == Decimal(format_score(after)) - Decimal(format_score(before))
    # and printed beside them it reads as that difference, with the sign convention
    text = format_signed(delta)
    assert Decimal(text.replace(MINUS, "-")) == delta
    assert text == "0.00" or text[0] in "+" + MINUS


@pytest.mark.parametrize(
    ("score", "gap", "text"),
    [
        (1.845, 3.5 - 1.845, "1.65"),  # shown 1.85: 3.50 - 1.85, not round(1.655) = 1.66
        (1.625, 2.5 - 1.625, "0.87"),  # shown 1.63: 2.50 - 1.63, not 0.88 (0.875 half up)
        (0.25, 1.25, "1.25"),
        (1.4166666666666667, 1.5 - 1.4166666666666667, "0.08"),
        (2.0, 0.0, "0.00"),
        (None, None, "—"),
        (1.0, None, "—"),
    ],
)
def test_a_gap_beside_a_score_is_the_bound_minus_the_score_as_shown(
    score: float | None, gap: float | None, text: str
) -> None:
    assert format_gap(gap, score) == text


@given(SCORES, st.sampled_from([0.5, 1.5, 2.5, 3.5, 4.5]))
def test_a_gap_reads_as_the_difference_of_the_bound_and_the_score_printed(score: float, bound: float) -> None:
    if score >= bound:
        return
    shown = Decimal(format_gap(bound - score, score))
    assert shown == Decimal(format_score(bound)) - Decimal(format_score(score))


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.625, "+1.63"), (-0.25, f"{MINUS}0.25"), (0.004, "0.00"), (-0.004, "0.00"), (0, "0.00"), (None, "—")],
)
def test_format_signed(value: float | None, text: str) -> None:
    assert format_signed(value) == text
    assert "-" not in format_signed(value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (-1909090.9, f"{MINUS}1,909,091"),
        (250000, "250,000"),
        (999.999, "1,000"),
        (12.5, "12.50"),
        (12, "12"),
        (-0.004, "0"),
        (0, "0"),
        (None, "—"),
    ],
)
def test_format_money(value: float | None, text: str) -> None:
    assert format_money(value) == text


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (-0.95, 0, f"{MINUS}95%"),
        (0.4298, 2, "42.98%"),
        (0.1, 2, "10%"),
        (0.125, 0, "13%"),
        (0.3, 0, "30%"),
        (0.1234, 1, "12.3%"),
        (None, 0, "—"),
    ],
)
def test_format_percent(value: float | None, places: int, text: str) -> None:
    assert format_percent(value, places) == text


def test_format_percent_signed_and_number() -> None:
    assert format_percent(0.05, signed=True) == "+5%"
    assert format_number(-1234.5, 1, grouping=True) == f"{MINUS}1,234.5"
    assert format_number(-0.004, 2) == "0.00"


@pytest.mark.parametrize(
    ("amount", "unit", "places", "text"),
    [
        (0.96, "month", 0, "about 1 month"),
        (1.0, "month", 0, "about 1 month"),
        (1.5, "month", 0, "about 2 months"),
        (0.2, "month", 0, "about 0 months"),
        (15.26, "month", 1, "about 15.3 months"),
        (1.0, "year", 2, "about 1 year"),
        (1.7142857, "year", 2, "about 1.71 years"),
    ],
)
def test_format_duration_agrees_in_number(amount: float, unit: str, places: int, text: str) -> None:
    assert "about " + format_duration(amount, unit, places) == text


@pytest.mark.parametrize(
    ("count", "text"), [(0, "0 members"), (1, "1 member"), (2, "2 members"), (1000, "1,000 members")]
)
def test_format_count(count: int, text: str) -> None:
    assert format_count(count, "member") == text
    assert format_count(1, "person", "people") == "1 person" and format_count(3, "person", "people") == "3 people"


@given(st.floats(-1e6, 1e6, allow_nan=False), st.integers(0, 3))
def test_negatives_always_use_the_minus_sign(x: float, places: int) -> None:
    money_places = 0 if abs(rounded(x, 2)) >= 1000 else 2
    cases = [
        (format_number(x, places), rounded(x, places)),
        (format_signed(x, places), rounded(x, places)),
        (format_money(x), rounded(x, money_places)),
        (format_percent(x, places), rounded(Decimal(repr(x)) * 100, places)),
    ]
    for text, shown in cases:
        assert "-" not in text
        assert text.startswith(MINUS) == (shown < 0), (text, shown)


@given(st.floats(0, 1000, allow_nan=False), st.integers(0, 2))
def test_duration_unit_is_singular_only_for_one(amount: float, places: int) -> None:
    text = format_duration(amount, "month", places)
    number, unit = text.split(" ")
    assert unit == ("month" if number == "1" else "months")
    assert plural(number, "month") == unit
