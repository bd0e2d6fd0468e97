"""Small Slack Web API helpers shared by the listeners."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.messages import Message

log = logging.getLogger("maturity.slack")

# Errors that mean "this channel is out of reach for the bot"; the user gets told how to fix it.
CHANNEL_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived", "access_denied"})


def slack_error(exc: SlackApiError) -> str:
    return str(exc.response.get("error", "unknown_error")) if exc.response is not None else "unknown_error"


def post(client: WebClient, channel: str, message: Message, **kwargs: object) -> str:
    response = client.chat_postMessage(channel=channel, **message.kwargs(), **kwargs)
    return str(response["ts"])


def update(client: WebClient, channel: str, ts: str, message: Message) -> bool:
    try:
        client.chat_update(channel=channel, ts=ts, **message.kwargs())
        return True
    except SlackApiError as exc:
        log.warning("chat.update failed", extra={"error": slack_error(exc), "channel": channel, "ts": ts})
        return False


def ephemeral(client: WebClient, channel: str, user: str, text: str, thread_ts: str | None = None) -> None:
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=text, thread_ts=thread_ts)
    except SlackApiError as exc:
        log.warning("chat.postEphemeral failed", extra={"error": slack_error(exc), "channel": channel})


def react(client: WebClient, channel: str, ts: str, name: str = "white_check_mark") -> None:
    try:
        client.reactions_add(channel=channel, timestamp=ts, name=name)
    except SlackApiError as exc:
        if slack_error(exc) != "already_reacted":
            log.warning("reactions.add failed", extra={"error": slack_error(exc), "channel": channel})


def channel_members(client: WebClient, channel: str, bot_user_id: str | None) -> list[str] | None:
    """Human-ish members of a channel (the bot itself left out); None when Slack won't say."""
    members: list[str] = []
    cursor = None
    try:
        while True:
            response = client.conversations_members(channel=channel, limit=200, cursor=cursor)
            members.extend(response.get("members", []))
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    except SlackApiError as exc:
        log.warning("conversations.members failed", extra={"error": slack_error(exc), "channel": channel})
        return None
    return [m for m in members if m != bot_user_id]
