"""What a ``/maturity`` subcommand is made of, and what its handlers are given.

A :class:`Subcommand` (declared in :mod:`bot.listeners.commands.registry`) has up to two steps:

- ``in_ack`` answers *inside* the ack, when it can do so at once (a few milliseconds of database
  reads, no Slack call): it returns the :class:`Answer`, or None to let the handler do the work;
- ``handler`` runs after a plain ack, and answers through ``respond`` or by posting.

Neither calls ``ack`` itself: the dispatcher acks exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt import Respond
from slack_sdk import WebClient

from conversations.commands import ArgsCheck, Command, no_arguments

if TYPE_CHECKING:
    from bot.messages import Message
    from bot.services import Services
    from conversations.assessments import AssessmentService
    from conversations.business_case import BusinessService


@dataclass(frozen=True)
class Answer:
    """An answer given in the ack: ephemeral unless ``in_channel``."""

    text: str
    blocks: list[dict[str, Any]] | None = None
    in_channel: bool = False

    @classmethod
    def of(cls, message: Message) -> Answer:
        return cls(text=message.text, blocks=message.blocks)

    def kwargs(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text}
        if self.blocks is not None:
            out["blocks"] = self.blocks
        if self.in_channel:
            out["response_type"] = "in_channel"
        return out


@dataclass(frozen=True)
class CommandContext:
    """One ``/maturity`` request, as its subcommand's steps see it."""

    subcommand: Subcommand
    command: Command
    client: WebClient
    respond: Respond
    services: Services
    business: BusinessService
    workspace_id: str
    channel_id: str
    channel_name: str | None
    user_id: str
    bot_user_id: str | None
    trigger_id: str | None

    @property
    def args(self) -> tuple[str, ...]:
        return self.command.args

    @property
    def arg(self) -> str:
        return self.command.arg

    @property
    def assessments(self) -> AssessmentService:
        return self.services.assessments

    def reply(self, text: str) -> None:
        """An ephemeral answer after the ack (the ``response_url``)."""
        self.respond(text=text, response_type="ephemeral")

    def reply_message(self, message: Message) -> None:
        """An ephemeral message with blocks after the ack, leaving the original in place."""
        self.respond(text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False)


Handler = Callable[[CommandContext], None]
InAck = Callable[[CommandContext], Answer | None]


@dataclass(frozen=True)
class Subcommand:
    """One subcommand, declared once: the usage, ``/maturity help``, the manifest test and the
    dispatcher all read it."""

    name: str
    usage: str  # what follows "/maturity " in the usage line, e.g. "assess [framework]"
    summary: str  # after the dash in the usage line
    handler: Handler | None = None  # after a plain ack
    in_ack: InAck | None = None  # answered inside the ack when it returns an Answer
    args: ArgsCheck = no_arguments  # reads the words after the name (pure; raises CommandError)

    def __post_init__(self) -> None:
        if self.usage.split()[0] != self.name:
            raise ValueError(f"the usage of {self.name!r} must start with its name: {self.usage!r}")
        if self.handler is None and self.in_ack is None:
            raise ValueError(f"{self.name!r} has neither a handler nor an answer in the ack")

    @property
    def line(self) -> str:
        """The usage line shown in ``/maturity help`` and under an unreadable command."""
        return f"`/maturity {self.usage}` — {self.summary}"
