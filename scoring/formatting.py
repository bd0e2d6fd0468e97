"""Showing scores: always two decimals, rounded half away from zero on the decimal value."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext

__all__ = ["MISSING", "format_score"]

MISSING = "—"
_CENT = Decimal("0.01")


def format_score(x: float | None) -> str:
    """Two decimals, e.g. 2.6666666666666665 -> "2.67" and 0.125 -> "0.13"; "—" for None.

    The shortest decimal repr of the float is rounded (so 2.675 gives "2.68", not the binary
    2.67499...). A result that rounds to zero never carries a minus sign.
    """
    if x is None:
        return MISSING
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise TypeError(f"cannot format {x!r} as a score")
    if not math.isfinite(x):
        raise ValueError(f"cannot format {x!r} as a score")
    value = Decimal(repr(float(x)))
    with localcontext() as ctx:
        ctx.prec = max(28, value.adjusted() + 4)
        rounded = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    if rounded.is_zero():
        rounded = abs(rounded)
    return format(rounded, "f")
