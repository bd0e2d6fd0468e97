"""A 1–5 framework with 7 dimensions weighted 0.15, 0.20, 0.20, 0.15, 0.10, 0.10, 0.10."""

from __future__ import annotations

import pytest

from scoring import format_score, score
from scoring.types import Answer, Scale
from tests.scoring.helpers import SPEC_1_5


def answers_for(pairs: list[tuple[int | None, int | None]]) -> list[Answer]:
    """One respondent; pairs[i] = levels of questions d{i+1}a and d{i+1}b."""
    out = []
    for i, (a, b) in enumerate(pairs, start=1):
        out += [Answer("solo", f"d{i}a", a), Answer("solo", f"d{i}b", b)]
    return out


CASES = [
    # all 1 -> 1.0, the bottom of the scale
    ([(1, 1)] * 7, 1.0, 1),
    # dims 1, 1, 1, 2, 2, 1.5, 2:
    # 0.15 + 0.20 + 0.20 + 0.30 + 0.20 + 0.15 + 0.20 = 1.40 -> [1, 1.5) = 1
    ([(1, 1), (1, 1), (1, 1), (2, 2), (2, 2), (1, 2), (2, 2)], 1.40, 1),
    # dims 1, 1, 1.5, 2, 2, 1.5, 2:
    # 0.15 + 0.20 + 0.30 + 0.30 + 0.20 + 0.15 + 0.20 = 1.50 -> [1.5, 2.5) = 2
    ([(1, 1), (1, 1), (1, 2), (2, 2), (2, 2), (1, 2), (2, 2)], 1.50, 2),
    # dims 5, 4, 5, 4, 4, 4, 4.5:
    # 0.75 + 0.80 + 1.00 + 0.60 + 0.40 + 0.40 + 0.45 = 4.40 -> 4
    ([(5, 5), (4, 4), (5, 5), (4, 4), (4, 4), (4, 4), (4, 5)], 4.40, 4),
    # dims 5, 4, 5, 4, 5, 4, 4.5:
    # 0.75 + 0.80 + 1.00 + 0.60 + 0.50 + 0.40 + 0.45 = 4.50 -> [4.5, 5] = 5
    ([(5, 5), (4, 4), (5, 5), (4, 4), (5, 5), (4, 4), (4, 5)], 4.50, 5),
    # dims 5 ×6 and 4.5: 0.75 + 1.00 + 1.00 + 0.75 + 0.50 + 0.50 + 0.45 = 4.95 -> 5
    ([(5, 5)] * 6 + [(4, 5)], 4.95, 5),
    # all 5 -> 5.0, the top of the scale
    ([(5, 5)] * 7, 5.0, 5),
]


@pytest.mark.parametrize(("pairs", "total", "level"), CASES)
def test_band_edges_1_5(pairs: list[tuple[int, int]], total: float, level: int) -> None:
    r = score(SPEC_1_5, answers_for(pairs))
    assert r.overall == pytest.approx(total, abs=1e-12)
    assert r.level == level
    assert r.level_name == SPEC_1_5.level_names[level - 1]
    assert format_score(r.overall) == f"{total:.2f}"


def test_float_noise_case_lands_on_level_2() -> None:
    # The 1.50 case above: by hand exactly 1.5, in floats 1.4999999999999998. Scale.level_of
    # rounds to 9 decimals before banding, so the team is not dropped to level 1.
    r = score(SPEC_1_5, answers_for(CASES[2][0]))
    assert r.overall == 1.4999999999999998
    assert r.level == 2
    assert Scale(1, 5).level_of(1.4999999999999998) == 2


def test_unscored_dimensions_on_1_5() -> None:
    # d1 = (1+3)/2 = 2, d2 = 4, the rest don't know:
    # (0.15×2 + 0.20×4) / (0.15 + 0.20) = (0.3 + 0.8) / 0.35 = 3.142857... -> 3
    pairs: list[tuple[int | None, int | None]] = [(1, 3), (4, 4)] + [(None, None)] * 5
    r = score(SPEC_1_5, answers_for(pairs))
    assert r.overall == pytest.approx(1.1 / 0.35)
    assert r.level == 3
    assert format_score(r.overall) == "3.14"
    assert r.dimension("d1").effective_weight == pytest.approx(0.15 / 0.35)
    assert r.dimension("d2").effective_weight == pytest.approx(0.20 / 0.35)
    assert [d.effective_weight for d in r.dimensions[2:]] == [0.0] * 5


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (1.0, 1),
        (1.4999, 1),
        (1.5, 2),
        (2.4999, 2),
        (2.5, 3),
        (3.4999, 3),
        (3.5, 4),
        (4.4999, 4),
        (4.5, 5),
        (5.0, 5),
    ],
)
def test_scale_level_of_1_5(value: float, level: int) -> None:
    assert Scale(1, 5).level_of(value) == level


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (0.0, 0),
        (0.4999, 0),
        (0.5, 1),
        (1.4999, 1),
        (1.5, 2),
        (2.4999, 2),
        (2.5, 3),
        (3.4999, 3),
        (3.5, 4),
        (4.0, 4),
    ],
)
def test_scale_level_of_0_4(value: float, level: int) -> None:
    assert Scale(0, 4).level_of(value) == level
