"""The environment a test or benchmark gives the product's child processes (tests/processes.py)."""

from __future__ import annotations

import pytest

from tests.processes import child_env


def test_a_child_inherits_nothing_that_steers_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "SLACK_API_URL": "https://slack.example",  # a setting
        "dimension_refresh_seconds": "1",  # a setting, spelled as pydantic-settings also accepts it
        "TOKEN_ENCRYPTION_KEY": "k",
        "SLACK_SOMETHING_ELSE": "x",  # not ours, but Slack's namespace
        "HTTPS_PROXY": "http://proxy:3128",
        "no_proxy": "*",
        "MATURITY_TEST_POSTGRES_URL": "postgresql://db/test",  # the tests' own: kept
    }.items():
        monkeypatch.setenv(name, value)
    env = child_env(DATABASE_URL="sqlite:///x.db", SLACK_BOT_TOKEN="xoxb-1")
    assert env["PATH"] and env["MATURITY_TEST_POSTGRES_URL"] == "postgresql://db/test"
    assert env["DATABASE_URL"] == "sqlite:///x.db" and env["SLACK_BOT_TOKEN"] == "xoxb-1"
    for gone in ("SLACK_API_URL", "dimension_refresh_seconds", "TOKEN_ENCRYPTION_KEY", "SLACK_SOMETHING_ELSE"):
        assert gone not in env
    assert not [name for name in env if "proxy" in name.lower()]
