"""Scales other than 0–4 and 1–5: level L covers [L − 0.5, L + 0.5) clipped to the scale, the top band closed."""

from __future__ import annotations

import pytest

from scoring.types import Scale


@pytest.mark.parametrize(
    ("scale", "cases"),
    [
        (Scale(1, 3), [(1.0, 1), (1.49, 1), (1.5, 2), (2.0, 2), (2.49, 2), (2.5, 3), (3.0, 3)]),
        (Scale(0, 10), [(0.0, 0), (0.49, 0), (0.5, 1), (7.49, 7), (7.5, 8), (9.5, 10), (10.0, 10)]),
        (Scale(0, 1), [(0.0, 0), (0.49, 0), (0.5, 1), (1.0, 1)]),
        (Scale(2, 6), [(2.0, 2), (2.5, 3), (5.49, 5), (5.5, 6), (6.0, 6)]),
    ],
    ids=["1-3", "0-10", "0-1", "2-6"],
)
def test_bands_on_any_scale(scale: Scale, cases: list[tuple[float, int]]) -> None:
    assert [(s, scale.level_of(s)) for s, _ in cases] == cases
    assert scale.lower_bound(scale.min) == scale.min
    for level in scale.levels[1:]:
        assert scale.lower_bound(level) == level - 0.5
    with pytest.raises(ValueError):
        scale.level_of(scale.max + 0.01)
