"""Numbers shown to people: scores, deltas, money, percentages, durations and counts.

One rule for every surface (Slack messages, App Home, Markdown and HTML reports):

* **Rounding**: the shortest decimal repr of the float (``repr``: 2.675 is "2.675", not the binary
  2.67499…) is rounded half away from zero with :data:`decimal.ROUND_HALF_UP`. Python's ``round``
  and ``"%.2f"`` round the binary value half to even, so they are never used for display.
* **Deltas** beside two-decimal scores are the difference of the scores *as shown*
  (:func:`shown_delta`): 0.00 → 1.625 shows 1.63 and +1.63, never +1.62. So is a **gap** to a
  level's lower bound (:func:`format_gap`): 1.625 is shown 1.63 and 0.87 short of 2.50, never 0.88.
* **Signs**: a negative number is written with the true minus sign U+2212 (``−0.25``, ``−95%``,
  ``−1,909,091``); a delta or change that is positive gets ``+``; a value that rounds to zero
  never carries a sign. Machine output (CSV, JSON) keeps plain ASCII numbers and does not use this
  module.
* **Plurals**: a unit is singular only when the number shown is exactly 1 ("about 1 month",
  "2 months", "1.25 years").
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext

__all__ = [
    "MINUS",
    "MISSING",
    "format_count",
    "format_duration",
    "format_gap",
    "format_money",
    "format_number",
    "format_percent",
    "format_score",
    "format_signed",
    "plural",
    "rounded",
    "shown_delta",
]

MISSING = "—"
MINUS = "\u2212"  # − : the minus sign of every negative number shown to people
SCORE_PLACES = 2


def _decimal(x: float | int | Decimal, what: str) -> Decimal:
    if isinstance(x, Decimal):
        if not x.is_finite():
            raise ValueError(f"cannot format {x!r} as {what}")
        return x
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise TypeError(f"cannot format {x!r} as {what}")
    if isinstance(x, float) and not math.isfinite(x):
        raise ValueError(f"cannot format {x!r} as {what}")
    return Decimal(x) if isinstance(x, int) else Decimal(repr(x))


def rounded(x: float | int | Decimal, places: int = SCORE_PLACES) -> Decimal:
    """``x`` rounded half away from zero to ``places`` decimals, on its shortest decimal repr.

    ``rounded(0.125) == Decimal("0.13")``, ``rounded(2.675) == Decimal("2.68")``,
    ``rounded(-0.125) == Decimal("-0.13")``; a result of zero is never negative.
    """
    if places < 0:
        raise ValueError(f"places must be >= 0, got {places}")
    value = _decimal(x, "a number")
    with localcontext() as ctx:
        ctx.prec = max(28, value.adjusted() + places + 4)
        result = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return abs(result) if result.is_zero() else result


def _digits(value: Decimal, places: int, grouping: bool, trim: bool) -> str:
    """``|value|`` (already rounded to ``places``) as text; ``trim`` drops an all-zero fraction."""
    text = f"{abs(value):,.{places}f}" if grouping else f"{abs(value):.{places}f}"
    if trim and places and text.endswith("." + "0" * places):
        text = text[: -(places + 1)]
    return text


def _sign(value: Decimal, plus: bool) -> str:
    if value < 0:
        return MINUS
    return "+" if plus and value > 0 else ""


def format_number(x: float | int | Decimal | None, places: int = 0, *, grouping: bool = False) -> str:
    """A plain number: ``places`` decimals, U+2212 for negatives, thousands separators on request."""
    if x is None:
        return MISSING
    value = rounded(x, places)
    return _sign(value, plus=False) + _digits(value, places, grouping, trim=False)


def format_score(x: float | None) -> str:
    """Two decimals, e.g. 2.6666666666666665 -> "2.67" and 0.125 -> "0.13"; "—" for None."""
    if x is None:
        return MISSING
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise TypeError(f"cannot format {x!r} as a score")
    return format_number(x, SCORE_PLACES)


def shown_delta(before: float | None, after: float | None, places: int = SCORE_PLACES) -> Decimal | None:
    """The change between two scores as they are shown: ``rounded(after) - rounded(before)``.

    ``shown_delta(0.0, 1.625) == Decimal("1.63")`` (the scores shown are 0.00 and 1.63), and
    ``shown_delta(1.004, 1.006) == Decimal("0.01")`` (1.00 and 1.01). None if either is None.
    """
    if before is None or after is None:
        return None
    return rounded(after, places) - rounded(before, places)


def format_gap(gap: float | None, score: float | None) -> str:
    """How far ``score`` is below a level's lower bound (``score + gap``), as shown beside the score:
    the bound as shown minus the score as shown, never below zero. ``format_gap(0.875, 1.625)`` is
    "0.87" (2.50 − 1.63), not the rounding of 0.875; "—" when either is None."""
    if gap is None or score is None:
        return MISSING
    shown = shown_delta(score, score + gap)
    assert shown is not None
    return format_number(max(shown, Decimal(0)), SCORE_PLACES)


def format_signed(x: float | int | Decimal | None, places: int = SCORE_PLACES) -> str:
    """A change: ``+1.63``, ``−0.25``, ``0.00`` (no sign when it rounds to zero); "—" for None."""
    if x is None:
        return MISSING
    value = rounded(x, places)
    return _sign(value, plus=True) + _digits(value, places, grouping=False, trim=False)


def format_money(x: float | int | Decimal | None) -> str:
    """An amount in no particular currency: whole units with thousands separators from 1,000 up
    (``1,909,091``), cents below unless they are zero (``12.50``, ``12``); ``−`` for negatives."""
    if x is None:
        return MISSING
    value = _decimal(x, "money")
    places = 0 if abs(rounded(value, 2)) >= 1000 else 2
    shown = rounded(value, places)
    return _sign(shown, plus=False) + _digits(shown, places, grouping=True, trim=True)


def format_percent(fraction: float | int | Decimal | None, places: int = 0, *, signed: bool = False) -> str:
    """A fraction as a percentage: 0.3 -> "30%", 0.125 with 2 places -> "12.50%", 0.1 -> "10%"
    (an all-zero fraction is dropped), -0.95 -> "−95%"; ``signed`` adds "+" to a rise."""
    if fraction is None:
        return MISSING
    value = rounded(_decimal(fraction, "a percentage") * 100, places)
    return _sign(value, plus=signed) + _digits(value, places, grouping=True, trim=True) + "%"


def plural(count: float | int | Decimal | str, singular: str, plural_form: str | None = None) -> str:
    """``singular`` when the number (as shown, if a string) is exactly 1, else the plural."""
    one = count.lstrip("+") in ("1", MINUS + "1") if isinstance(count, str) else abs(count) == 1
    return singular if one else (plural_form or singular + "s")


def format_count(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 member``, ``2 members``, ``0 members``; thousands separators from 1,000."""
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError(f"a count must be an integer, got {count!r}")
    return f"{format_number(count, grouping=True)} {plural(count, singular, plural_form)}"


def format_duration(amount: float | int | Decimal, unit: str, places: int = 0) -> str:
    """A length of time in ``unit`` (singular, e.g. "month"): rounded half up to ``places`` decimals
    with an all-zero fraction dropped, and the unit singular only for exactly 1:
    ``format_duration(0.96, "month")`` -> "1 month", ``format_duration(15.26, "month", 1)`` ->
    "15.3 months", ``format_duration(1.0, "year", 2)`` -> "1 year"."""
    value = rounded(amount, places)
    number = _sign(value, plus=False) + _digits(value, places, grouping=True, trim=True)
    return f"{number} {plural(number, unit)}"
