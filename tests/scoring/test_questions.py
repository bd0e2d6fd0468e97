"""Question scores: duplicates, don't know, disagreement flags, counts and validation."""

from __future__ import annotations

import dataclasses
import math

import pytest

from scoring import score
from scoring.types import Answer, DimensionSpec
from tests.scoring.helpers import SEED_SPEC, SPEC_1_5, answers_from


def q(answers: list[Answer], question_id: str):  # type: ignore[no-untyped-def]
    return score(SEED_SPEC, answers).question(question_id)


def test_question_statistics() -> None:
    qs = q(answers_from({"md3": [3, 1, None, 2]}), "md3")
    assert qs.dimension_id == "development"
    assert qs.levels == (1, 2, 3)  # sorted
    assert qs.mean == pytest.approx(2.0)  # (3+1+2)/3
    assert (qs.answered, qs.dont_know) == (3, 1)
    assert qs.spread == 2
    assert qs.stdev == pytest.approx(math.sqrt(2 / 3))  # population: ((1)² + 0 + (1)²)/3
    assert qs.flagged


def test_unanswered_question() -> None:
    qs = q(answers_from({"md3": [None, None]}), "md3")
    assert qs.mean is None and qs.levels == () and qs.spread is None and qs.stdev is None
    assert (qs.answered, qs.dont_know) == (0, 2)
    assert not qs.flagged


@pytest.mark.parametrize(
    ("levels", "spread", "flagged"),
    [
        ([1, 3], 2, True),  # members 2 levels apart
        ([1, 2], 1, False),
        ([1, None, 2], 1, False),  # don't know ignored
        ([None, 1, None, 3], 2, True),
        ([2, 2, 2], 0, False),
        ([0, 4], 4, True),
        ([4], 0, False),
    ],
)
def test_disagreement_flag(levels: list[int | None], spread: int, flagged: bool) -> None:
    qs = q(answers_from({"pp1": levels}), "pp1")
    assert qs.spread == spread
    assert qs.flagged is flagged


def test_disagreements_sorted_by_spread_then_spec_order() -> None:
    answers = answers_from(
        {
            "pp1": [1, 3],  # spread 2
            "pp2": [1, 2],  # spread 1: not flagged
            "md1": [0, 4],  # spread 4
            "ds2": [0, 2],  # spread 2
            "mo5": [1, 4],  # spread 3
        }
    )
    r = score(SEED_SPEC, answers)
    assert [(d.question_id, d.spread) for d in r.disagreements] == [
        ("md1", 4),
        ("mo5", 3),
        ("pp1", 2),
        ("ds2", 2),
    ]


def test_last_answer_wins() -> None:
    answers = [
        Answer("a", "pp1", 1),
        Answer("b", "pp1", 2),
        Answer("a", "pp1", 3),  # replaces a's 1
        Answer("b", "pp2", 4),
        Answer("b", "pp2", None),  # b changes their mind to "don't know"
        Answer("a", "pp3", None),
        Answer("a", "pp3", 2),  # and a from "don't know" to 2
    ]
    r = score(SEED_SPEC, answers)
    assert r.question("pp1").levels == (2, 3) and r.question("pp1").mean == pytest.approx(2.5)
    assert r.question("pp2").mean is None and r.question("pp2").dont_know == 1
    assert r.question("pp3").levels == (2,) and r.question("pp3").dont_know == 0
    # People: (2.5 + 2) / 2 = 2.25
    assert r.dimension("people").score == pytest.approx(2.25)
    assert r.respondents == 2
    # 4 distinct (respondent, question) answers / (2 × 16)
    assert r.completion == pytest.approx(4 / 32)


def test_respondents_and_rates() -> None:
    answers = answers_from({"pp1": [1, 2, None], "mo1": [3]}, respondents=["a", "b", "c"])
    r = score(SEED_SPEC, answers, member_count=6)
    assert r.respondents == 3  # c only said "don't know" but answered
    assert r.dimension("people").respondents == 3
    assert r.dimension("monitoring").respondents == 1
    assert r.dimension("development").respondents == 0
    assert r.response_rate == pytest.approx(0.5)
    assert r.completion == pytest.approx(4 / (3 * 16))
    assert r.member_count == 6


@pytest.mark.parametrize(("member_count", "rate"), [(None, None), (0, None), (3, 1.0), (2, 1.0), (4, 0.75)])
def test_response_rate(member_count: int | None, rate: float | None) -> None:
    answers = answers_from({"pp1": [1, 2, 3]})
    assert score(SEED_SPEC, answers, member_count=member_count).response_rate == rate


def test_dimension_and_question_lookups() -> None:
    r = score(SEED_SPEC, answers_from({"pp1": [1]}))
    assert [qs.question_id for qs in r.questions] == list(SEED_SPEC.question_ids)
    assert [qs.question_id for qs in r.questions_of("people")] == ["pp1", "pp2", "pp3"]
    assert r.total_questions == 16
    assert [d.id for d in r.scored_dimensions] == ["people"]
    with pytest.raises(KeyError):
        r.dimension("nope")
    with pytest.raises(KeyError):
        r.question("nope")


def test_unknown_question_id() -> None:
    with pytest.raises(ValueError, match="unknown question 'xx9'"):
        score(SEED_SPEC, [Answer("a", "pp1", 1), Answer("a", "xx9", 1)])


@pytest.mark.parametrize("level", [-1, 5, 100])
def test_level_outside_0_4(level: int) -> None:
    with pytest.raises(ValueError, match=f"level {level} is outside the scale 0–4"):
        score(SEED_SPEC, [Answer("a", "pp1", level)])


@pytest.mark.parametrize("level", [0, 6])
def test_level_outside_1_5(level: int) -> None:
    with pytest.raises(ValueError, match="outside the scale 1–5"):
        score(SPEC_1_5, [Answer("a", "d1a", level)])


def test_level_must_be_an_integer() -> None:
    with pytest.raises(ValueError, match="not an integer"):
        score(SEED_SPEC, [Answer("a", "pp1", 1.5)])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not an integer"):
        score(SEED_SPEC, [Answer("a", "pp1", True)])


def test_negative_member_count() -> None:
    with pytest.raises(ValueError, match="member_count"):
        score(SEED_SPEC, [], member_count=-1)


def test_inconsistent_specs_are_rejected() -> None:
    dims = SEED_SPEC.dimensions
    bad_specs = {
        "appears more than once": dataclasses.replace(
            SEED_SPEC, dimensions=(*dims, DimensionSpec("extra", "Extra", 0.1, ("pp1",)))
        ),
        "duplicate dimension id": dataclasses.replace(SEED_SPEC, dimensions=(*dims, dims[0])),
        "must be > 0": dataclasses.replace(SEED_SPEC, dimensions=(dataclasses.replace(dims[0], weight=0.0), *dims[1:])),
        "level names": dataclasses.replace(SEED_SPEC, level_names=("a", "b")),
        "no dimensions": dataclasses.replace(SEED_SPEC, dimensions=()),
    }
    for message, spec in bad_specs.items():
        with pytest.raises(ValueError, match=message):
            score(spec, [])
