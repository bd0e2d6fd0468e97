"""Property tests (hypothesis) for the scoring engine."""

from __future__ import annotations

import math
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import AssessmentScore, format_score, score
from scoring.types import Answer, DimensionSpec, FrameworkSpec, Scale

# Applied per test (not as a global profile, which would change other packages' tests).
FAST = settings(max_examples=100, deadline=None)

RESPONDENTS = ("ana", "ben", "chen", "dev", "eve")


@st.composite
def specs(draw: st.DrawFn) -> FrameworkSpec:
    lo = draw(st.integers(-2, 2))
    hi = lo + draw(st.integers(1, 6))
    n_dims = draw(st.integers(1, 5))
    dims = []
    for i in range(n_dims):
        n_q = draw(st.integers(1, 4))
        weight = draw(
            st.one_of(
                st.sampled_from([0.1, 0.15, 0.2, 0.25, 0.3]),
                st.floats(0.01, 10, allow_nan=False, allow_infinity=False),
            )
        )
        dims.append(DimensionSpec(f"d{i}", f"Dim {i}", weight, tuple(f"d{i}q{j}" for j in range(n_q))))
    names = tuple(f"L{lv}" for lv in range(lo, hi + 1))
    return FrameworkSpec("prop", 1, Scale(lo, hi), names, tuple(dims))


def answer_for(spec: FrameworkSpec, dont_know: bool = True) -> st.SearchStrategy[Answer]:
    level = st.integers(spec.scale.min, spec.scale.max)
    return st.builds(
        Answer,
        st.sampled_from(RESPONDENTS),
        st.sampled_from(spec.question_ids),
        st.one_of(st.none(), level) if dont_know else level,
    )


@st.composite
def scored(draw: st.DrawFn) -> tuple[FrameworkSpec, list[Answer]]:
    """A spec and answers (duplicates of a (respondent, question) pair allowed)."""
    spec = draw(specs())
    answers = draw(st.lists(answer_for(spec), max_size=40))
    return spec, answers


@st.composite
def scored_distinct(draw: st.DrawFn) -> tuple[FrameworkSpec, list[Answer]]:
    """A spec and answers with distinct (respondent, question) pairs."""
    spec = draw(specs())
    answers = draw(st.lists(answer_for(spec), max_size=40, unique_by=lambda a: (a.respondent, a.question_id)))
    return spec, answers


def scores_of(r: AssessmentScore) -> tuple[object, ...]:
    return (
        r.overall,
        r.level,
        tuple((d.score, d.level, d.effective_weight) for d in r.dimensions),
        tuple((q.mean, q.levels, q.spread, q.flagged) for q in r.questions),
        r.weakest,
        tuple(q.question_id for q in r.disagreements),
    )


@FAST
@given(scored())
def test_overall_within_scale(case: tuple[FrameworkSpec, list[Answer]]) -> None:
    spec, answers = case
    r = score(spec, answers)
    if r.overall is not None:
        assert spec.scale.min <= r.overall <= spec.scale.max
        assert r.level == spec.scale.level_of(r.overall)
        assert r.level_name == spec.level_name(r.level)
    else:
        assert r.level is None and all(d.score is None for d in r.dimensions)


@FAST
@given(scored())
def test_overall_is_a_weighted_mean_of_the_scored_dimensions(
    case: tuple[FrameworkSpec, list[Answer]],
) -> None:
    spec, answers = case
    r = score(spec, answers)
    dim_scores = [d.score for d in r.dimensions if d.score is not None]
    if not dim_scores:
        assert r.overall is None
        return
    assert r.overall is not None
    assert min(dim_scores) <= r.overall <= max(dim_scores)
    expected = sum(d.effective_weight * d.score for d in r.dimensions if d.score is not None)
    assert math.isclose(r.overall, expected, rel_tol=1e-9, abs_tol=1e-9)


@FAST
@given(scored())
def test_question_and_dimension_scores_are_means(case: tuple[FrameworkSpec, list[Answer]]) -> None:
    spec, answers = case
    r = score(spec, answers)
    latest = {(a.respondent, a.question_id): a.level for a in answers}
    for q in r.questions:
        levels = sorted(lv for (_, qid), lv in latest.items() if qid == q.question_id and lv is not None)
        assert list(q.levels) == levels
        assert q.mean == (sum(levels) / len(levels) if levels else None)
        assert q.flagged == (bool(levels) and levels[-1] - levels[0] >= 2)
    for d in r.dimensions:
        means = [q.mean for q in r.questions_of(d.id) if q.mean is not None]
        assert d.answered_questions == len(means)
        if means:
            assert d.score is not None and math.isclose(d.score, sum(means) / len(means), rel_tol=1e-12)
            assert min(means) <= d.score <= max(means)
        else:
            assert d.score is None


@FAST
@given(scored_distinct(), st.randoms(use_true_random=False))
def test_permuting_distinct_answers_changes_nothing(case: tuple[FrameworkSpec, list[Answer]], rnd) -> None:  # type: ignore[no-untyped-def]
    spec, answers = case
    shuffled = list(answers)
    rnd.shuffle(shuffled)
    assert score(spec, shuffled, member_count=4) == score(spec, answers, member_count=4)


@FAST
@given(scored())
def test_duplicates_keep_the_last_answer(case: tuple[FrameworkSpec, list[Answer]]) -> None:
    spec, answers = case
    latest = {(a.respondent, a.question_id): a for a in answers}
    assert score(spec, answers) == score(spec, list(latest.values()))


@FAST
@given(scored_distinct(), st.data())
def test_adding_dont_know_changes_no_score(case: tuple[FrameworkSpec, list[Answer]], data: st.DataObject) -> None:
    spec, answers = case
    taken = {(a.respondent, a.question_id) for a in answers}
    free = [(who, qid) for who in RESPONDENTS for qid in spec.question_ids if (who, qid) not in taken]
    extra_pairs = data.draw(st.lists(st.sampled_from(free), unique=True)) if free else []
    extra = [Answer(who, qid, None) for who, qid in extra_pairs]
    position = data.draw(st.integers(0, len(answers)))
    mixed = answers[:position] + extra + answers[position:]
    before, after = score(spec, answers), score(spec, mixed)
    assert scores_of(after) == scores_of(before)
    assert after.respondents >= before.respondents


@FAST
@given(scored())
def test_dimension_levels_match_their_scores(case: tuple[FrameworkSpec, list[Answer]]) -> None:
    spec, answers = case
    for d in score(spec, answers).dimensions:
        if d.score is None:
            assert d.level is None and d.level_name is None
        else:
            assert spec.scale.min <= d.score <= spec.scale.max
            assert d.level == spec.scale.level_of(d.score)
            assert d.level_name == spec.level_name(d.level)


@FAST
@given(scored())
def test_effective_weights(case: tuple[FrameworkSpec, list[Answer]]) -> None:
    spec, answers = case
    r = score(spec, answers)
    for d in r.dimensions:
        if d.score is None:
            assert d.effective_weight == 0
        else:
            assert d.effective_weight > 0
    scored_weights = [d.effective_weight for d in r.dimensions if d.score is not None]
    if scored_weights:
        assert math.isclose(sum(scored_weights), 1.0, rel_tol=1e-9)


@FAST
@given(scored())
def test_weakest_is_consistent(case: tuple[FrameworkSpec, list[Answer]]) -> None:
    spec, answers = case
    r = score(spec, answers)
    if r.level is None:
        assert r.target_level is None and r.weakest == ()
        return
    assert r.target_level == min(r.level + 1, spec.scale.max)
    bound = spec.scale.lower_bound(r.target_level)
    below = {d.id for d in r.dimensions if d.score is not None and round(d.score, 9) < bound}
    assert {w.dimension_id for w in r.weakest} == below
    for w in r.weakest:
        assert w.gap > 0 and w.target_level == r.target_level
        assert w.gap == bound - w.score
        assert w.priority == w.gap * w.weight
    priorities = [w.priority for w in r.weakest]
    assert priorities == sorted(priorities, reverse=True)


@FAST
@given(scored(), st.integers(0, 10))
def test_rates_are_bounded(case: tuple[FrameworkSpec, list[Answer]], members: int) -> None:
    spec, answers = case
    r = score(spec, answers, member_count=members)
    if r.response_rate is not None:
        assert 0 <= r.response_rate <= 1
    if r.completion is not None:
        assert 0 < r.completion <= 1


@st.composite
def scale_and_two_scores(draw: st.DrawFn) -> tuple[Scale, float, float]:
    lo = draw(st.integers(-3, 3))
    scale = Scale(lo, lo + draw(st.integers(1, 6)))
    pts = st.floats(scale.min, scale.max, allow_nan=False)
    a, b = draw(pts), draw(pts)
    return scale, min(a, b), max(a, b)


@FAST
@given(scale_and_two_scores())
def test_level_is_monotone_in_the_score(case: tuple[Scale, float, float]) -> None:
    scale, low, high = case
    assert scale.min <= scale.level_of(low) <= scale.level_of(high) <= scale.max


@FAST
@given(scored_distinct(), st.data())
def test_raising_an_answer_never_lowers_a_score(case: tuple[FrameworkSpec, list[Answer]], data: st.DataObject) -> None:
    spec, answers = case
    numeric = [i for i, a in enumerate(answers) if a.level is not None and a.level < spec.scale.max]
    if not numeric:
        return
    i = data.draw(st.sampled_from(numeric))
    raised = list(answers)
    old = raised[i]
    assert old.level is not None
    raised[i] = Answer(old.respondent, old.question_id, data.draw(st.integers(old.level + 1, spec.scale.max)))
    before, after = score(spec, answers), score(spec, raised)
    assert before.overall is not None and after.overall is not None and before.level is not None
    assert after.overall >= before.overall
    assert after.level is not None and after.level >= before.level
    for b, a in zip(before.dimensions, after.dimensions, strict=True):
        assert (a.score is None) == (b.score is None)
        if a.score is not None and b.score is not None:
            assert a.score >= b.score


TWO_DECIMALS = re.compile(r"^\u2212?\d+\.\d{2}$")


@FAST
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_format_score_always_has_two_decimals(x: float) -> None:
    text = format_score(x)
    assert TWO_DECIMALS.match(text), text
    if abs(x) < 1e15:
        assert abs(float(text.replace("\u2212", "-")) - x) <= 0.005 + 1e-9 * max(1.0, abs(x))


@FAST
@given(st.floats(0, 4, allow_nan=False))
def test_format_score_matches_the_level_range(x: float) -> None:
    assert 0.0 <= float(format_score(x)) <= 4.0
