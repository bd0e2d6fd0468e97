"""scoring.finance: NPV, IRR and payback, against hand-worked examples, numpy-financial's
definitions and documented values, and properties (hypothesis)."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scoring.finance import BENCHMARKS, benchmark_position, cash_flows, irr, npv, payback_period, roi_summary

FAST = settings(max_examples=150, deadline=None)

# The worked business case used here and in the ROI integration test:
# investment 100,000; benefits 60k, 80k, 100k in years 1-3; running cost 10k a year -> net 50k, 70k, 90k.
CASE = [-100_000, 50_000, 70_000, 90_000]


# --- NPV -------------------------------------------------------------------------------------------


def test_npv_worked_example_at_ten_percent() -> None:
    # By hand: 50,000/1.1 = 45,454.545; 70,000/1.21 = 57,851.240; 90,000/1.331 = 67,618.332
    # -> 170,924.117 of discounted benefits - 100,000 = 70,924.117
    assert npv(0.10, CASE) == pytest.approx(70_924.117, abs=0.001)


def test_npv_follows_numpy_financial_convention() -> None:
    # numpy-financial's docstring: npv(0.08, [-40_000, 5_000, 8_000, 12_000, 30_000]) = 3065.22...
    # By hand: 4,629.63 + 6,858.71 + 9,525.98 + 22,050.90 = 43,065.22 - 40,000
    assert npv(0.08, [-40_000, 5_000, 8_000, 12_000, 30_000]) == pytest.approx(3065.2226681795, rel=1e-12)
    # cash_flows[0] is at t = 0: never discounted
    assert npv(0.5, [-123.0]) == -123.0
    assert npv(0.0, [-100, 30, 30, 30]) == pytest.approx(-10)


def test_npv_definition() -> None:
    flows = [-7.0, 2.5, 0.0, 4.0, 1.25]
    rate = 0.173
    assert npv(rate, flows) == pytest.approx(sum(c / (1 + rate) ** t for t, c in enumerate(flows)), rel=1e-12)


def test_npv_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="rate"):
        npv(-1.0, [-1, 2])
    with pytest.raises(ValueError, match="empty"):
        npv(0.1, [])
    with pytest.raises(ValueError, match="finite"):
        npv(0.1, [-1, math.nan])


# --- IRR -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flows", "expected"),
    [
        ([-100, 110], 0.10),  # 110 / (1 + r) = 100
        ([-100, 0, 121], 0.10),  # (1 + r)^2 = 1.21
        ([-1000, 0, 0, 3375], 0.50),  # (1 + r)^3 = 3.375 = 1.5^3
        ([-100, 0, 0, 74], 0.74 ** (1 / 3) - 1),  # -0.0955: a negative IRR
        ([-100, 100], 0.0),
    ],
)
def test_irr_closed_forms(flows: list[float], expected: float) -> None:
    assert irr(flows) == pytest.approx(expected, abs=1e-10)


def test_irr_worked_example() -> None:
    # By hand: npv(42%) = 35,211 + 34,715 + 31,432 - 100,000 = +1,359 > 0
    #          npv(43%) = 34,965 + 34,232 + 30,777 - 100,000 =    -26 < 0
    # so the IRR lies between 42% and 43%, very close to 43%.
    assert npv(0.42, CASE) > 0 > npv(0.43, CASE)
    rate = irr(CASE)
    assert rate is not None
    assert 0.42 < rate < 0.43
    assert rate == pytest.approx(0.429810938, abs=1e-8)
    assert abs(npv(rate, CASE)) < 1e-6


@pytest.mark.parametrize(
    ("flows", "expected"),
    [
        # numpy-financial's documented irr() examples (rounded to 5 decimals there)
        ([-100, 39, 59, 55, 20], 0.28095),
        ([-100, 0, 0, 74], -0.0955),
        ([-100, 100, 0, -7], -0.0833),  # two roots (-0.679 and -0.083): the one nearest 0
        ([-100, 100, 0, 7], 0.06206),
        ([-5, 10.5, 1, -8, 1], 0.0886),  # three roots (-0.870, 0.089, 0.710): the one nearest 0
    ],
)
def test_irr_matches_numpy_financial(flows: list[float], expected: float) -> None:
    rate = irr(flows)
    assert rate is not None
    assert round(rate, 5) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    "flows",
    [
        [100, 50, 20],  # all positive: no rate makes NPV 0
        [-100, -50],  # all negative
        [0, 0, 0],
        [-100],
        [-100, 0, 0],
        [0, 0, 5],
    ],
)
def test_irr_is_none_without_a_sign_change(flows: list[float]) -> None:
    assert irr(flows) is None


def test_irr_is_none_when_npv_has_no_root() -> None:
    # Signs change but NPV never reaches 0: -x^2 + x - 1 < 0 for every x = 1/(1+r) > 0.
    assert irr([-1, 1, -1]) is None


# --- payback ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flows", "expected"),
    [
        (CASE, 1 + 50_000 / 70_000),  # -100k, -50k after year 1, +20k after year 2: 1.714 years
        ([-100, 100], 1.0),
        ([-100, 0, 200], 1.5),  # nothing in year 1, half of year 2's cash pays the rest
        ([-100, 30, 30, 30, 30], 3 + 10 / 30),
        ([-100, 150, -100, 100], 100 / 150),  # the first time the cumulative cash reaches 0
        ([0, 10], 0.0),
        ([5, -1], 0.0),
    ],
)
def test_payback_interpolates_within_the_year(flows: list[float], expected: float) -> None:
    assert payback_period(flows) == pytest.approx(expected)


def test_payback_is_none_when_never_reached() -> None:
    assert payback_period([-100, 30, 30, 30]) is None  # 90 of 100 back after three years
    assert payback_period([-100]) is None


# --- benchmarks and the summary --------------------------------------------------------------------


def test_benchmarks_are_the_seed_ranges() -> None:
    assert (BENCHMARKS["payback"].low, BENCHMARKS["payback"].high) == (1.0, 2.0)  # 12-24 months
    assert (BENCHMARKS["npv_multiple"].low, BENCHMARKS["npv_multiple"].high) == (3.0, 5.0)
    assert (BENCHMARKS["irr"].low, BENCHMARKS["irr"].high) == (0.5, 1.5)


def test_benchmark_position() -> None:
    payback, irr_range = BENCHMARKS["payback"], BENCHMARKS["irr"]
    assert benchmark_position(0.5, payback) == "below"
    assert benchmark_position(1.0, payback) == "inside"  # bounds inclusive
    assert benchmark_position(2.0, payback) == "inside"
    assert benchmark_position(2.5, payback) == "above"
    assert benchmark_position(None, payback) == "above"  # never pays back: longer than any range
    assert benchmark_position(None, irr_range) == "below"


def test_roi_summary_of_the_worked_case() -> None:
    summary = roi_summary(100_000, [50_000, 70_000, 90_000], 0.10)
    assert summary.cash_flows == tuple(CASE)
    assert summary.npv == pytest.approx(70_924.117, abs=0.001)
    assert summary.npv_multiple == pytest.approx(0.70924117, abs=1e-8)
    assert summary.payback_years == pytest.approx(1.7142857)
    assert summary.irr == pytest.approx(0.429811, abs=1e-6)
    assert summary.positions == {"payback": "inside", "npv_multiple": "below", "irr": "below"}


def test_roi_summary_rejects_a_negative_investment() -> None:
    with pytest.raises(ValueError, match="investment"):
        roi_summary(-1, [10], 0.1)
    assert cash_flows(5, [1, 2]) == [-5.0, 1.0, 2.0]


# --- properties ------------------------------------------------------------------------------------

amounts = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def conventional(draw: st.DrawFn) -> list[float]:
    """An investment followed by non-negative benefits, at least one of them >= 1."""
    investment = draw(st.floats(min_value=1, max_value=1e6))
    benefits = draw(st.lists(amounts, min_size=1, max_size=8))
    assume(max(benefits) >= 1)
    return [-investment, *benefits]


def _scale(rate: float, flows: list[float]) -> float:
    """The size of NPV's terms at ``rate``: what "close to 0" is measured against."""
    return sum(abs(c) / (1 + rate) ** t for t, c in enumerate(flows))


@FAST
@given(conventional())
def test_irr_of_conventional_flows_exists_and_zeroes_npv(flows: list[float]) -> None:
    rate = irr(flows)
    assert rate is not None  # NPV falls from +inf (rate -> -100%) to the negative investment
    assert abs(npv(rate, flows)) <= 1e-9 * _scale(rate, flows)


@FAST
@given(st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=2, max_size=8))
def test_npv_at_irr_is_zero_whenever_irr_exists(flows: list[float]) -> None:
    rate = irr(flows)
    if rate is not None:
        assert rate > -1
        # Near -100 % a float rate holds 1 + rate only to ~1e-16 / (1 + rate) relative precision,
        # so NPV there can be as close to 0 as that allows, not closer.
        precision = max(1.0, 1e-6 / (1 + rate))
        assert abs(npv(rate, flows)) <= 1e-9 * precision * _scale(rate, flows)


@FAST
@given(conventional(), st.floats(min_value=-0.9, max_value=10), st.floats(min_value=0.001, max_value=10))
def test_npv_decreases_as_the_rate_rises_for_conventional_flows(flows: list[float], rate: float, step: float) -> None:
    lower, higher = npv(rate, flows), npv(rate + step, flows)
    assert higher <= lower + 1e-9 * _scale(rate, flows)


def _years(p: float | None) -> float:
    return math.inf if p is None else p


@FAST
@given(conventional(), st.data())
def test_more_benefit_never_lengthens_payback(flows: list[float], data: st.DataObject) -> None:
    year = data.draw(st.integers(1, len(flows) - 1))
    extra = data.draw(amounts)
    better = list(flows)
    better[year] += extra
    assert _years(payback_period(better)) <= _years(payback_period(flows))


@FAST
@given(conventional(), amounts)
def test_more_investment_never_shortens_payback(flows: list[float], extra: float) -> None:
    costlier = [flows[0] - extra, *flows[1:]]
    assert _years(payback_period(costlier)) >= _years(payback_period(flows))


@FAST
@given(conventional())
def test_payback_lies_within_the_horizon(flows: list[float]) -> None:
    years = payback_period(flows)
    if years is not None:
        assert 0 < years <= len(flows) - 1
        # by then the cumulative cash is back to 0 (linear within the year)
        whole = math.floor(years)
        cumulative = sum(flows[: whole + 1])
        if whole < len(flows) - 1:
            cumulative += (years - whole) * flows[whole + 1]
        assert cumulative == pytest.approx(0, abs=1e-6 * sum(abs(c) for c in flows))
