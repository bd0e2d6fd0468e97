"""The environment a test or benchmark gives the product's child processes (tests/processes.py)."""

from __future__ import annotations

import os

import pytest

from tests.processes import child_env, operator_env


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


def test_an_operators_process_inherits_only_the_locale_home_and_temp_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("VIRTUAL_ENV", "/venv")
    monkeypatch.setenv("MATURITY_TEST_POSTGRES_URL", "postgresql://db/test")
    monkeypatch.setenv("PATH", "/usr/bin")
    env = operator_env("/venv/bin", SLACK_BOT_TOKEN="xoxb-1")
    assert env["PATH"] == "/venv/bin" + os.pathsep + "/usr/bin"
    assert env["LANG"] == "C.UTF-8" and env["SLACK_BOT_TOKEN"] == "xoxb-1"
    assert "VIRTUAL_ENV" not in env and "MATURITY_TEST_POSTGRES_URL" not in env
    assert set(env) <= {"LANG", "LC_ALL", "HOME", "TMPDIR", "PATH", "SLACK_BOT_TOKEN"}
