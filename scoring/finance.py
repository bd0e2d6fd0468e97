"""Business-case arithmetic: net present value, internal rate of return and payback period.

Pure functions on plain numbers (no Slack, no database). The conventions are numpy-financial's:

* ``cash_flows[t]`` happens at the end of year ``t``; ``cash_flows[0]`` is "now" (t = 0) and is
  not discounted, so an up-front investment is a negative ``cash_flows[0]``;
* ``npv(rate, cash_flows) = Σ cash_flows[t] / (1 + rate) ** t``;
* ``irr(cash_flows)`` is a rate ``r > -1`` with ``npv(r, cash_flows) = 0``; when there are several,
  the one closest to 0 (as ``numpy_financial.irr`` picks), and None when there is none.

IRR is found without derivatives: NPV is evaluated on a log-spaced grid of ``1 + rate`` from 1e-9
to 1e9, every sign change brackets a root, and each bracket is narrowed by bisection. Bisection
cannot diverge (unlike Newton's method) and a root between two grid points one part in ~60
apart is only missed when NPV touches zero without changing sign, or two roots fall in one cell.

The benchmark ranges beside the figures come from seed 004's break-even analysis.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "BENCHMARKS",
    "Benchmark",
    "Position",
    "RoiSummary",
    "benchmark_position",
    "cash_flows",
    "irr",
    "npv",
    "payback_period",
    "roi_summary",
]

Position = Literal["below", "inside", "above"]

# 1 + rate on a log grid: rates from -0.999999999 to ~1e9 (1e11 %), 60 points per factor of ten.
_GRID_DECADES = 9
_GRID_PER_DECADE = 60
_BISECTION_STEPS = 200


def _check(cash_flows: Sequence[float]) -> list[float]:
    flows = [float(c) for c in cash_flows]
    if not flows:
        raise ValueError("cash_flows must not be empty")
    if not all(math.isfinite(c) for c in flows):
        raise ValueError("cash_flows must be finite numbers")
    return flows


def npv(rate: float, cash_flows: Sequence[float]) -> float:
    """Net present value at ``rate`` (0.1 = 10 %), ``cash_flows[0]`` at t = 0 (not discounted)."""
    if not rate > -1:
        raise ValueError(f"rate must be greater than -1 (-100 %), got {rate}")
    flows = _check(cash_flows)
    base = 1.0 + rate
    return math.fsum(c / base**t for t, c in enumerate(flows))


def _npv_at_growth(growth: float, flows: Sequence[float]) -> float | None:
    """NPV at ``rate = growth - 1``; None when a term overflows."""
    try:
        return math.fsum(c / growth**t for t, c in enumerate(flows))
    except (OverflowError, ZeroDivisionError):
        return None


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _bisect(lo: float, hi: float, f_lo: float, flows: Sequence[float]) -> float:
    """A root of NPV(growth) between ``lo`` and ``hi`` (NPV changes sign there), as a growth factor."""
    s_lo = _sign(f_lo)
    for _ in range(_BISECTION_STEPS):
        mid = math.sqrt(lo * hi)  # geometric midpoint: the grid is log-spaced
        if mid in (lo, hi):
            break
        f_mid = _npv_at_growth(mid, flows)
        if f_mid is None:
            break
        if f_mid == 0:
            return mid
        if _sign(f_mid) == s_lo:
            lo = mid
        else:
            hi = mid
    return math.sqrt(lo * hi)


def irr(cash_flows: Sequence[float]) -> float | None:
    """The internal rate of return: the rate at which NPV is 0 (0.25 = 25 %).

    None when the cash flows never change sign (no rate can balance them) or NPV has no root in
    (-1, 1e9). With several roots (non-conventional cash flows), the one closest to 0.
    """
    flows = _check(cash_flows)
    signs = {_sign(c) for c in flows} - {0}
    if signs != {-1, 1}:
        return None
    steps = 2 * _GRID_DECADES * _GRID_PER_DECADE
    grid = [10 ** (-_GRID_DECADES + i / _GRID_PER_DECADE) for i in range(steps + 1)]
    grid.append(1.0)  # rate 0 exactly
    grid.sort()
    roots: list[float] = []
    previous: tuple[float, float] | None = None
    for growth in grid:
        value = _npv_at_growth(growth, flows)
        if value is None:
            previous = None
            continue
        if value == 0:
            roots.append(growth)
        elif previous is not None and _sign(previous[1]) == -_sign(value):
            roots.append(_bisect(previous[0], growth, previous[1], flows))
        previous = (growth, value)
    if not roots:
        return None
    return min((g - 1.0 for g in roots), key=abs)


def payback_period(cash_flows: Sequence[float]) -> float | None:
    """Years until the cumulative cash flow first reaches 0, interpolating linearly within the year.

    ``cash_flows[0]`` is at t = 0 (payback 0 when it is not negative); year ``t``'s cash is assumed
    to arrive evenly over the year. None when the cumulative cash flow never reaches 0.
    """
    flows = _check(cash_flows)
    cumulative = flows[0]
    if cumulative >= 0:
        return 0.0
    for year, flow in enumerate(flows[1:], start=1):
        after = cumulative + flow
        if after >= 0:
            # flow > 0 here: cumulative < 0 <= cumulative + flow
            return (year - 1) + min(1.0, -cumulative / flow)
        cumulative = after
    return None


def cash_flows(investment: float, net_benefits: Sequence[float]) -> list[float]:
    """``[-investment, net year 1, net year 2, ...]``."""
    return [-float(investment), *(float(b) for b in net_benefits)]


# --- benchmarks (seed 004, "Break-Even Analysis") --------------------------------------------------


@dataclass(frozen=True)
class Benchmark:
    """A typical range; ``better`` says which way is good ("low" for payback, "high" otherwise)."""

    name: str
    low: float
    high: float
    unit: str
    better: Literal["low", "high"]


BENCHMARKS = {
    # comprehensive implementations typically pay back in 12–24 months
    "payback": Benchmark("Payback period", 1.0, 2.0, "years", "low"),
    # NPV of 3–5 times the investment over a 3-year period
    "npv_multiple": Benchmark("NPV ÷ investment (3 years)", 3.0, 5.0, "×", "high"),
    # IRR of 50–150 %, depending on scope and execution
    "irr": Benchmark("IRR", 0.50, 1.50, "rate", "high"),
}


def benchmark_position(value: float | None, benchmark: Benchmark) -> Position:
    """Where ``value`` falls against the range (bounds inclusive). A payback of None (never) is
    "above" (longer than any range); an IRR of None is "below"."""
    if value is None:
        return "above" if benchmark.better == "low" else "below"
    if value < benchmark.low:
        return "below"
    if value > benchmark.high:
        return "above"
    return "inside"


@dataclass(frozen=True)
class RoiSummary:
    investment: float
    rate: float
    cash_flows: tuple[float, ...]
    npv: float
    irr: float | None
    payback_years: float | None
    npv_multiple: float | None  # npv / investment; None for a zero investment

    @property
    def positions(self) -> dict[str, Position]:
        return {
            "payback": benchmark_position(self.payback_years, BENCHMARKS["payback"]),
            "npv_multiple": benchmark_position(self.npv_multiple, BENCHMARKS["npv_multiple"]),
            "irr": benchmark_position(self.irr, BENCHMARKS["irr"]),
        }


def roi_summary(investment: float, net_benefits: Sequence[float], rate: float) -> RoiSummary:
    """NPV at ``rate``, IRR and payback of an up-front ``investment`` followed by yearly net benefits."""
    if not math.isfinite(investment) or investment < 0:
        raise ValueError(f"investment must be a finite number >= 0, got {investment}")
    flows = cash_flows(investment, net_benefits)
    value = npv(rate, flows)
    return RoiSummary(
        investment=float(investment),
        rate=float(rate),
        cash_flows=tuple(flows),
        npv=value,
        irr=irr(flows),
        payback_years=payback_period(flows),
        npv_multiple=value / investment if investment > 0 else None,
    )
