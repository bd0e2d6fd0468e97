"""Hand-worked tables for the seed formula (0–4 scale, 3/4/4/5 questions):

Total = People×0.30 + Development×0.25 + Deployment×0.25 + Monitoring×0.20
"""

from __future__ import annotations

import pytest

from scoring import format_score, score
from tests.scoring.helpers import SEED_SPEC, answers_from, single


def test_three_respondents() -> None:
    answers = answers_from(
        {
            # People: pp1 (2+3+1)/3 = 2, pp2 (2+2+2)/3 = 2, pp3 (3+3+3)/3 = 3 -> (2+2+3)/3 = 7/3 = 2.333...
            "pp1": [2, 3, 1],
            "pp2": [2, 2, 2],
            "pp3": [3, 3, 3],
            # Development: md1 1, md2 2, md3 (1+2+3)/3 = 2, md4 3 -> (1+2+2+3)/4 = 2.0
            "md1": [1, 1, 1],
            "md2": [2, 2, 2],
            "md3": [1, 2, 3],
            "md4": [3, 3, 3],
            # Deployment: ds1 (0+1+2)/3 = 1, ds2 1, ds3 2, ds4 0 -> (1+1+2+0)/4 = 1.0
            "ds1": [0, 1, 2],
            "ds2": [1, 1, 1],
            "ds3": [2, 2, 2],
            "ds4": [0, 0, 0],
            # Monitoring: 1, 1, 1, 1, 3 -> 7/5 = 1.4
            "mo1": [1, 1, 1],
            "mo2": [1, 1, 1],
            "mo3": [1, 1, 1],
            "mo4": [1, 1, 1],
            "mo5": [3, 3, 3],
        }
    )
    r = score(SEED_SPEC, answers, member_count=4)
    assert r.dimension("people").score == pytest.approx(7 / 3)
    assert r.dimension("development").score == pytest.approx(2.0)
    assert r.dimension("deployment").score == pytest.approx(1.0)
    assert r.dimension("monitoring").score == pytest.approx(1.4)
    # 0.30×7/3 + 0.25×2 + 0.25×1 + 0.20×1.4 = 0.70 + 0.50 + 0.25 + 0.28 = 1.73 -> band [1.5, 2.5) = 2
    assert r.overall == pytest.approx(1.73)
    assert r.level == 2
    assert r.level_name == "Repeatable"
    assert format_score(r.overall) == "1.73"
    assert [d.level for d in r.dimensions] == [2, 2, 1, 1]  # 2.33, 2.0, 1.0, 1.4
    assert [d.level_name for d in r.dimensions] == ["Repeatable", "Repeatable", "Initial", "Initial"]
    assert r.respondents == 3
    assert r.response_rate == pytest.approx(0.75)  # 3 of 4 members
    assert r.completion == pytest.approx(1.0)  # 48 answers / (3 × 16)
    assert all(d.effective_weight == pytest.approx(d.weight) for d in r.dimensions)  # weights sum to 1
    assert r.framework_id == "mlops-seed" and r.framework_version == 1
    # Flagged: pp1 (1..3), md3 (1..3), ds1 (0..2), each spread 2, in spec order.
    assert [q.question_id for q in r.disagreements] == ["pp1", "md3", "ds1"]


def test_dont_know_is_left_out() -> None:
    answers = answers_from(
        {
            # People: pp1 2 (b doesn't know), pp2 nobody knows -> unanswered, pp3 (3+4)/2 = 3.5
            #   -> (2 + 3.5)/2 = 2.75 over 2 answered questions of 3
            "pp1": [2, None],
            "pp2": [None, None],
            "pp3": [3, 4],
            # Development: everything 2 -> 2.0
            "md1": [2, 2],
            "md2": [2, 2],
            "md3": [2, 2],
            "md4": [2, 2],
            # Deployment: only ds1 answered (4) -> 4.0
            "ds1": [4, None],
            "ds2": [None, None],
            "ds3": [None, None],
            "ds4": [None, None],
            # Monitoring: everything 0 -> 0.0
            "mo1": [0, 0],
            "mo2": [0, 0],
            "mo3": [0, 0],
            "mo4": [0, 0],
            "mo5": [0, 0],
        }
    )
    r = score(SEED_SPEC, answers)
    people = r.dimension("people")
    assert people.score == pytest.approx(2.75)
    assert (people.answered_questions, people.total_questions) == (2, 3)
    assert r.question("pp1").mean == 2 and r.question("pp1").dont_know == 1 and r.question("pp1").answered == 1
    assert r.question("pp2").mean is None and r.question("pp2").dont_know == 2
    assert r.dimension("deployment").score == pytest.approx(4.0)
    assert r.dimension("deployment").answered_questions == 1
    assert r.dimension("deployment").respondents == 2  # b only said "don't know" there, still counted
    # 0.30×2.75 + 0.25×2 + 0.25×4 + 0.20×0 = 0.825 + 0.5 + 1.0 + 0 = 2.325 -> level 2, shown "2.33"
    assert r.overall == pytest.approx(2.325)
    assert r.level == 2
    assert format_score(r.overall) == "2.33"
    assert r.completion == pytest.approx(1.0)  # don't know counts as an answer given: 32 / (2 × 16)


def test_unscored_dimension_renormalises_weights() -> None:
    # Only People (3, 3, 3 -> 3.0) and Development (1 ×4 -> 1.0) answered; Deployment has only
    # "don't know", Monitoring nothing at all.
    answers = single(
        SEED_SPEC,
        {"people": [3, 3, 3], "development": [1, 1, 1, 1], "deployment": [None, None, None, None]},
    )
    r = score(SEED_SPEC, answers)
    assert r.dimension("deployment").score is None
    assert r.dimension("deployment").level is None and r.dimension("deployment").level_name is None
    assert r.dimension("deployment").respondents == 1
    assert r.dimension("monitoring").score is None and r.dimension("monitoring").respondents == 0
    # (0.30×3 + 0.25×1) / (0.30 + 0.25) = (0.9 + 0.25) / 0.55 = 1.15 / 0.55 = 2.0909... -> level 2
    assert r.overall == pytest.approx(1.15 / 0.55)
    assert r.level == 2
    assert format_score(r.overall) == "2.09"
    # Effective weights: 0.30/0.55 = 0.5454..., 0.25/0.55 = 0.4545..., 0, 0
    assert [d.effective_weight for d in r.dimensions] == pytest.approx([0.30 / 0.55, 0.25 / 0.55, 0.0, 0.0])
    # completion: 11 answers (incl. 4 don't know) / (1 respondent × 16 questions)
    assert r.completion == pytest.approx(11 / 16)


def test_only_dont_know_leaves_everything_unscored() -> None:
    answers = single(SEED_SPEC, {"people": [None, None, None]})
    r = score(SEED_SPEC, answers, member_count=5)
    assert r.overall is None and r.level is None and r.level_name is None
    assert all(d.score is None and d.effective_weight == 0 for d in r.dimensions)
    assert r.respondents == 1
    assert r.response_rate == pytest.approx(0.2)
    assert r.weakest == ()
    assert format_score(r.overall) == "—"


def test_no_answers() -> None:
    r = score(SEED_SPEC, [], member_count=3)
    assert r.overall is None and r.respondents == 0
    assert r.completion is None
    assert r.response_rate == 0.0
    assert r.disagreements == () and r.weakest == ()
    assert len(r.questions) == 16 and [d.id for d in r.dimensions] == [d.id for d in SEED_SPEC.dimensions]


# One respondent; each list is the levels of a dimension's questions, so a dimension score is the
# plain mean of its list. Total = 0.30 P + 0.25 D + 0.25 Dp + 0.20 M.
BAND_EDGES = [
    # all 0 -> 0.0
    ([0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0, 0], 0.0, 0),
    # M = 12/5 = 2.4 -> 0.20×2.4 = 0.48
    ([0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [2, 2, 2, 2, 4], 0.48, 0),
    # M = (2+2+3+3)/4 = 2.5 (mo5 don't know) -> 0.20×2.5 = 0.50
    ([0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [2, 2, 3, 3, None], 0.50, 1),
    # 0.30×2 + 0.25×1 + 0.25×1 + 0.20×(9/5 = 1.8) = 0.6 + 0.25 + 0.25 + 0.36 = 1.46
    ([2, 2, 2], [1, 1, 1, 1], [1, 1, 1, 1], [2, 2, 2, 2, 1], 1.46, 1),
    # 0.30×2 + 0.25×1 + 0.25×1 + 0.20×2 = 0.6 + 0.25 + 0.25 + 0.4 = 1.50
    ([2, 2, 2], [1, 1, 1, 1], [1, 1, 1, 1], [2, 2, 2, 2, 2], 1.50, 2),
    # 0.30×3 + 0.25×2 + 0.25×2 + 0.20×(14/5 = 2.8) = 0.9 + 0.5 + 0.5 + 0.56 = 2.46
    ([3, 3, 3], [2, 2, 2, 2], [2, 2, 2, 2], [3, 3, 3, 3, 2], 2.46, 2),
    # 0.30×3 + 0.25×2 + 0.25×2 + 0.20×3 = 0.9 + 0.5 + 0.5 + 0.6 = 2.50
    ([3, 3, 3], [2, 2, 2, 2], [2, 2, 2, 2], [3, 3, 3, 3, 3], 2.50, 3),
    # 0.30×4 + 0.25×3 + 0.25×3 + 0.20×(19/5 = 3.8) = 1.2 + 0.75 + 0.75 + 0.76 = 3.46
    ([4, 4, 4], [3, 3, 3, 3], [3, 3, 3, 3], [4, 4, 4, 4, 3], 3.46, 3),
    # 0.30×4 + 0.25×3 + 0.25×3 + 0.20×4 = 1.2 + 0.75 + 0.75 + 0.8 = 3.50
    ([4, 4, 4], [3, 3, 3, 3], [3, 3, 3, 3], [4, 4, 4, 4, 4], 3.50, 4),
    # 0.30×4 + 0.25×4 + 0.25×4 + 0.20×3.8 = 1.2 + 1 + 1 + 0.76 = 3.96 (still the top band)
    ([4, 4, 4], [4, 4, 4, 4], [4, 4, 4, 4], [4, 4, 4, 4, 3], 3.96, 4),
    # all 4 -> 4.0
    ([4, 4, 4], [4, 4, 4, 4], [4, 4, 4, 4], [4, 4, 4, 4, 4], 4.0, 4),
]


@pytest.mark.parametrize(("pp", "md", "ds", "mo", "total", "level"), BAND_EDGES)
def test_band_edges(pp: list[int], md: list[int], ds: list[int], mo: list[int], total: float, level: int) -> None:
    answers = single(SEED_SPEC, {"people": pp, "development": md, "deployment": ds, "monitoring": mo})
    r = score(SEED_SPEC, answers)
    assert r.overall == pytest.approx(total, abs=1e-12)
    assert r.level == level
    assert r.level_name == SEED_SPEC.level_names[level]
    assert format_score(r.overall) == f"{total:.2f}"


def test_float_noise_just_under_an_edge_keeps_the_level() -> None:
    # People 3.0, Development 0.0, Deployment (1+1+2)/3 = 4/3 (ds4 don't know),
    # Monitoring (1+1+2)/3 = 4/3 (mo4, mo5 don't know):
    # 0.30×3 + 0.25×0 + 0.25×4/3 + 0.20×4/3 = 0.9 + 0 + 0.3333... + 0.2666... = 1.5 by hand,
    # 1.4999999999999998 in floats -> still level 2.
    answers = single(
        SEED_SPEC,
        {
            "people": [3, 3, 3],
            "development": [0, 0, 0, 0],
            "deployment": [1, 1, 2, None],
            "monitoring": [1, 1, 2, None, None],
        },
    )
    r = score(SEED_SPEC, answers)
    assert r.overall == 1.4999999999999998
    assert r.level == 2
    assert format_score(r.overall) == "1.50"
