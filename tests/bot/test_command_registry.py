"""The /maturity registry: the usage, help and the dispatcher all come from its one list."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.config import load_settings
from bot.listeners.commands import registry, results
from bot.listeners.commands.context import Answer, CommandContext, Subcommand
from bot.services import Services
from bot.templating import esc
from conversations.assessments import AssessmentService
from conversations.business_case import BusinessService
from conversations.commands import Command, CommandError
from storage.db import Database
from tests.conftest import CHANNEL, MEMBERS, TEAM, Running

ANA = MEMBERS[0]


def test_help_lists_every_subcommand_of_the_registry(running: Running) -> None:
    body = running.driver.slash("help", user_id=ANA, channel_id=CHANNEL).json()
    assert body.get("response_type", "ephemeral") == "ephemeral"
    blocks = json.loads(json.dumps(body["blocks"]))
    shown = " ".join(b["text"]["text"] for b in blocks if "text" in b)
    for subcommand in registry.SUBCOMMANDS:
        # as Slack requires in mrkdwn: a literal <cron> is written &lt;cron&gt; (else Slack reads a link)
        assert esc(subcommand.line) in shown, subcommand.name
    assert "<cron>" not in shown and "&lt;cron&gt;" in shown and "&lt;Zone&gt;" in shown


@pytest.mark.parametrize("text", ["", "launch", "finish now"])
def test_an_empty_or_unknown_subcommand_gets_the_whole_usage_ephemerally(running: Running, text: str) -> None:
    body = running.driver.slash(text, user_id=ANA, channel_id=CHANNEL).json()
    assert body.get("response_type", "ephemeral") == "ephemeral"
    for subcommand in registry.SUBCOMMANDS:
        assert esc(subcommand.line) in body["text"], subcommand.name
    assert running.slack.calls_to("chat.postMessage") == []  # type: ignore[attr-defined]


def test_roi_with_arguments_is_answered_in_the_ack_with_its_own_usage_line(running: Running) -> None:
    text = running.driver.slash("roi 3 years", user_id=ANA, channel_id=CHANNEL).body  # Bolt: a text-only ack is plain
    assert esc(registry.BY_NAME["roi"].line) in text and "3 years" in text
    assert registry.BY_NAME["assess"].line not in text  # not the whole usage
    assert running.slack.calls_to("views.open") == []  # type: ignore[attr-defined]


def test_every_subcommand_parses_to_its_own_entry() -> None:
    samples = {"schedule": "schedule weekly", "session": "session executive", "settings": "settings anonymous on"}
    for subcommand in registry.SUBCOMMANDS:
        command, entry = registry.parse(samples.get(subcommand.name, subcommand.name.upper()))
        assert entry is subcommand and command.name == subcommand.name
    with pytest.raises(CommandError, match="don't know the subcommand `targets`"):
        registry.parse("targets 3")


def test_each_entry_has_a_step_and_a_usage_that_starts_with_its_name() -> None:
    def noop(ctx: CommandContext) -> None:
        return None

    assert Subcommand("plan", "plan", "the roadmap items", handler=noop).line == "`/maturity plan` — the roadmap items"
    with pytest.raises(ValueError, match="must start with its name"):
        Subcommand("plan", "plans", "x", handler=noop)
    with pytest.raises(ValueError, match="neither a handler nor an answer"):
        Subcommand("plan", "plan", "x")
    names = [s.name for s in registry.SUBCOMMANDS]
    assert len(names) == len(set(names))


def test_an_answer_in_the_ack_is_ephemeral_unless_it_says_in_channel() -> None:
    assert Answer("hi").kwargs() == {"text": "hi"}
    assert Answer("hi", blocks=[], in_channel=True).kwargs() == {
        "text": "hi",
        "blocks": [],
        "response_type": "in_channel",
    }


def test_a_handler_is_a_plain_function_of_its_context(db: Database) -> None:
    """As in Bolt's starter template: a handler can be called directly, with a context built by hand."""
    said: list[dict[str, Any]] = []
    settings = load_settings(
        database_url=db.url.render_as_string(hide_password=False),
        slack_bot_token="xoxb-unused",
        slack_signing_secret="unused",
        scheduler_enabled=False,
    )
    assessments = AssessmentService(db)
    client = WebClient(token="xoxb-unused", base_url="http://127.0.0.1:9/")  # never called
    ctx = CommandContext(
        subcommand=registry.BY_NAME["roadmap"],
        command=Command("roadmap"),
        client=client,
        respond=lambda **kwargs: said.append(kwargs),  # type: ignore[arg-type]
        services=Services(settings=settings, db=db, assessments=assessments, client=client),
        business=BusinessService(db, assessments),
        workspace_id=TEAM,
        channel_id=CHANNEL,
        channel_name="ml-platform",
        user_id=ANA,
        bot_user_id=None,
        trigger_id=None,
    )
    results.roadmap(ctx)
    assert len(said) == 1 and said[0]["response_type"] == "ephemeral"
    assert "assessment" in said[0]["text"].lower(), said
