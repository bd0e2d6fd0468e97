"""Comparisons across the teams of one workspace: percentile ranks, medians, quarters. Pure.

Teams on different frameworks are never compared: callers group by framework first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

__all__ = ["median", "percentile_rank", "percentile_ranks", "quarter_of"]


def percentile_rank(value: float, population: Sequence[float]) -> float:
    """The share of ``population`` below ``value``, counting ties as half, in percent (0–100).

    ``population`` includes ``value`` itself: the only team is at the 50th percentile, the best of
    four distinct scores at 87.5, the worst at 12.5.
    """
    if not population:
        raise ValueError("percentile_rank of an empty population")
    below = sum(1 for v in population if v < value)
    equal = sum(1 for v in population if v == value)
    return 100.0 * (below + 0.5 * equal) / len(population)


def percentile_ranks(values: Sequence[float | None]) -> list[float | None]:
    """Each value's :func:`percentile_rank` among the values that are not None (None stays None).

    Sorted once: O(n log n), for hundreds of teams per dimension.
    """
    from bisect import bisect_left, bisect_right

    present = sorted(v for v in values if v is not None)
    n = len(present)
    out: list[float | None] = []
    for v in values:
        if v is None:
            out.append(None)
            continue
        below = bisect_left(present, v)
        equal = bisect_right(present, v) - below
        out.append(100.0 * (below + 0.5 * equal) / n)
    return out


def median(values: Iterable[float]) -> float | None:
    """The median (the mean of the middle two for an even count); None for no values."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def quarter_of(when: datetime) -> str:
    """The calendar quarter of an instant, e.g. "2026-Q3" (in the instant's own timezone)."""
    return f"{when.year}-Q{(when.month - 1) // 3 + 1}"
