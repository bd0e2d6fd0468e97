from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.commands import SUBCOMMANDS, Command, CommandError, parse_command, usage


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("assess", Command("assess")),
        ("assess discovery", Command("assess", ("discovery",))),
        ("  STATUS ", Command("status")),
        ("finish", Command("finish")),
        ("schedule quarterly", Command("schedule", ("quarterly",))),
        ("schedule 0 9 * * mon", Command("schedule", ("0", "9", "*", "*", "mon"))),
        ("help", Command("help")),
    ],
)
def test_parse(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "Tell me what to do"),
        (None, "Tell me what to do"),
        ("launch", "don't know the subcommand `launch`"),
        ("finish now", "takes no arguments"),
        ("assess a b", "at most one framework"),
        ("schedule", "needs quarterly"),
    ],
)
def test_errors(text: str | None, problem: str) -> None:
    with pytest.raises(CommandError, match=problem):
        parse_command(text)


def test_usage_lists_every_subcommand() -> None:
    text = usage()
    for name in SUBCOMMANDS:
        assert f"/maturity {name}" in text


@given(st.text(max_size=60))
def test_fuzz_parse_command(text: str) -> None:
    try:
        cmd = parse_command(text)
    except CommandError as exc:
        assert str(exc)
    else:
        assert cmd.name in SUBCOMMANDS
