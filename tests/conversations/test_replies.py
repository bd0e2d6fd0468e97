"""Typed thread replies: the pinned forms, comments, and clear errors that change nothing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.replies import ParsedReply, ReplyError, parse_reply


def parse(text: str, n: int = 4, lo: int = 0, hi: int = 4) -> ParsedReply:
    return parse_reply(text, question_count=n, scale_min=lo, scale_max=hi)


@pytest.mark.parametrize(
    ("text", "answers", "comment"),
    [
        ("3 2 4 1", {1: 3, 2: 2, 3: 4, 4: 1}, None),
        ("3 2 4 1 we use MLflow", {1: 3, 2: 2, 3: 4, 4: 1}, "we use MLflow"),
        ("3,2,4,1", {1: 3, 2: 2, 3: 4, 4: 1}, None),
        ("3, 2 ,4, 1.", {1: 3, 2: 2, 3: 4, 4: 1}, None),
        ("3 ? - 1", {1: 3, 2: None, 3: None, 4: 1}, None),
        ("2 1", {1: 2, 2: 1}, None),  # fewer levels answer the first questions
        ("2=3", {2: 3}, None),
        ("1=0 4=? alerts are noisy", {1: 0, 4: None}, "alerts are noisy"),
        ("<@U0BOT0001> 1 1 1 1", {1: 1, 2: 1, 3: 1, 4: 1}, None),
        ("3 2 4 1 - notebooks only", {1: 3, 2: 2, 3: 4, 4: 1}, "notebooks only"),
        ("4 4 4 4: all automated", {1: 4, 2: 4, 3: 4, 4: 4}, "all automated"),
        ("  0\t0\n0 0 ", {1: 0, 2: 0, 3: 0, 4: 0}, None),
    ],
)
def test_readable_replies(text: str, answers: dict, comment: str | None) -> None:
    assert parse(text) == ParsedReply(answers, comment)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "couldn't find any answers"),
        ("   ", "couldn't find any answers"),
        ("we use MLflow", "couldn't read levels"),
        ("3 2 4 1 5", "has 4 questions"),
        ("5 2", "5 is not a level here (levels go from 0 to 4)"),
        ("2.5 3", "not a whole level"),
        ("9=1", "no question 9"),
        ("0=1", "no question 0"),
        ("2=1 2=3", "answered twice"),
        ("2 3=1", "not both"),
        ("1=7", "7 is not a level"),
    ],
)
def test_unreadable_replies_explain_with_an_example(text: str, problem: str) -> None:
    with pytest.raises(ReplyError) as info:
        parse(text)
    message = str(info.value)
    assert problem in message
    assert "e.g. `" in message and "N=L" in message
    # the example itself is readable
    assert parse(info.value.example).answers


def test_one_to_five_scale_rejects_zero() -> None:
    assert parse("1 5 3", n=3, lo=1, hi=5).answers == {1: 1, 2: 5, 3: 3}
    with pytest.raises(ReplyError, match="0 is not a level"):
        parse("0 5 3", n=3, lo=1, hi=5)


@settings(max_examples=400, deadline=None)
@given(text=st.text(max_size=80), n=st.integers(1, 6), lo=st.sampled_from([0, 1]))
def test_fuzz_never_raises_anything_but_reply_error(text: str, n: int, lo: int) -> None:
    hi = lo + 4
    try:
        parsed = parse(text, n, lo, hi)
    except ReplyError as exc:
        assert str(exc)
        return
    assert parsed.answers
    assert all(1 <= q <= n for q in parsed.answers)
    assert all(level is None or lo <= level <= hi for level in parsed.answers.values())


@settings(max_examples=200, deadline=None)
@given(
    levels=st.lists(st.one_of(st.integers(0, 4), st.none()), min_size=1, max_size=5),
    sep=st.sampled_from([" ", ",", ", ", "  "]),
    comment=st.sampled_from(["", "we use MLflow", "notebooks, mostly", "ok"]),
)
def test_levels_round_trip(levels: list[int | None], sep: str, comment: str) -> None:
    text = sep.join("?" if lv is None else str(lv) for lv in levels) + (" " + comment if comment else "")
    parsed = parse(text, n=5)
    assert parsed.answers == {i: lv for i, lv in enumerate(levels, 1)}
    assert parsed.comment == (comment or None)


def test_a_custom_framework_s_error_quotes_its_own_scale_and_example() -> None:
    with pytest.raises(ReplyError) as info:
        parse_reply(
            "4 1",
            question_count=2,
            scale_min=1,
            scale_max=3,
            level_names=("Experimenting", "Serving", "Operating"),
            example_comment="prompts are versioned in Git",
        )
    assert str(info.value) == (
        "Question 1: 4 is not a level here (levels go from 1 (Experimenting) to 3 (Operating)). "
        "Reply with one level per question, in order, from 1 (Experimenting) to 3 (Operating) "
        "(`?` = don't know), then any comment — e.g. `3 2 prompts are versioned in Git` — or answer one "
        "question with `N=L`, e.g. `2=3`."
    )
    assert parse_reply(info.value.example, question_count=2, scale_min=1, scale_max=3).answers == {1: 3, 2: 2}
