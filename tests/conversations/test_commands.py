from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.commands import (
    Command,
    CommandError,
    any_arguments,
    framework_argument,
    no_arguments,
    parse_command,
    schedule_arguments,
    settings_arguments,
)

CHECKS = {
    "assess": framework_argument,
    "finish": no_arguments,
    "platforms": any_arguments,
    "schedule": schedule_arguments,
    "settings": settings_arguments,
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("assess", Command("assess")),
        ("assess discovery", Command("assess", ("discovery",))),
        ("  FINISH ", Command("finish")),
        ("schedule quarterly", Command("schedule", ("quarterly",))),
        ("schedule 0 9 * * mon", Command("schedule", ("0", "9", "*", "*", "mon"))),
        ("settings", Command("settings")),
        ("settings Anonymity YES", Command("settings", ("anonymous", "on"))),
        ("settings anonymous false", Command("settings", ("anonymous", "off"))),
        ("  PLATFORMS   Vertex   AI ", Command("platforms", ("Vertex", "AI"))),
    ],
)
def test_parse(text: str, expected: Command) -> None:
    assert parse_command(text, CHECKS) == expected


def test_arg_joins_the_words() -> None:
    assert parse_command("platforms  Vertex   AI", CHECKS).arg == "Vertex AI"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "Tell me what to do"),
        (None, "Tell me what to do"),
        ("launch", "don't know the subcommand `launch`"),
        ("finish now", "`finish` takes no arguments"),
        ("assess a b", "at most one framework"),
        ("assess nosuch", "nosuch"),
        ("schedule", "needs quarterly"),
        ("schedule fortnightly", "fortnightly"),
        ("settings anonymous maybe", "`anonymous on` or `anonymous off`"),
        ("settings loud on", "`anonymous on` or `anonymous off`"),
    ],
)
def test_errors(text: str | None, problem: str) -> None:
    with pytest.raises(CommandError, match=problem):
        parse_command(text, CHECKS)


def test_an_unknown_frameworks_reason_is_not_quoted() -> None:
    with pytest.raises(CommandError) as info:
        parse_command("assess nosuch", CHECKS)
    assert not str(info.value).startswith(("'", '"')), str(info.value)


@given(st.text(max_size=60))
def test_fuzz_parse_command(text: str) -> None:
    try:
        cmd = parse_command(text, CHECKS)
    except CommandError as exc:
        assert str(exc)
    else:
        assert cmd.name in CHECKS
