"""The ``/maturity`` slash command's text: which subcommand, with which arguments.

The subcommands themselves are declared once, in ``bot.listeners.commands.registry``; each entry
names one of the argument checks below. A check takes the subcommand's name and its words and
returns the arguments the handler gets (normalised), or raises :class:`CommandError` with the
one-line reason shown above the usage. Checks are pure: they read no database and call no Slack.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from conversations.frameworks import UnknownFrameworkError, get_framework
from conversations.schedules import ScheduleError, parse_schedule_args
from conversations.text import clip

ON_OFF = {"on": True, "true": True, "yes": True, "off": False, "false": False, "no": False}


@dataclass(frozen=True)
class Command:
    name: str
    args: tuple[str, ...] = ()

    @property
    def arg(self) -> str:
        return " ".join(self.args)


class CommandError(ValueError):
    """The command could not be understood; ``str()`` is the one-line reason."""


ArgsCheck = Callable[[str, tuple[str, ...]], tuple[str, ...]]
"""``check(name, words) -> args``; raises :class:`CommandError` when the words can't be read."""


def parse_command(text: str | None, checks: Mapping[str, ArgsCheck]) -> Command:
    """The command in ``text``: its first word (any case) must be one of ``checks``, whose check
    then reads the rest."""
    words = (text or "").split()
    if not words:
        raise CommandError("Tell me what to do.")
    name, args = words[0].lower(), tuple(words[1:])
    check = checks.get(name)
    if check is None:
        raise CommandError(f"I don't know the subcommand `{clip(words[0])}`.")
    return Command(name, check(name, args))


# --- argument checks -----------------------------------------------------------------------------


def no_arguments(name: str, args: tuple[str, ...]) -> tuple[str, ...]:
    if args:
        raise CommandError(f"`{name}` takes no arguments (got `{clip(' '.join(args), 60)}`).")
    return ()


def any_arguments(name: str, args: tuple[str, ...]) -> tuple[str, ...]:
    """The handler reads the words itself (and answers its own usage)."""
    return args


def framework_argument(name: str, args: tuple[str, ...]) -> tuple[str, ...]:
    """At most one framework id, which must exist (an unknown id is answered before anything happens)."""
    if len(args) > 1:
        raise CommandError(f"`{name}` takes at most one framework id.")
    if args:
        try:
            get_framework(args[0])
        except UnknownFrameworkError as exc:
            raise CommandError(str(exc).strip("'\"")) from None
    return args


def settings_arguments(name: str, args: tuple[str, ...]) -> tuple[str, ...]:
    """Nothing (show the settings) or ``anonymous on|off`` (any spelling of on/off), normalised."""
    if not args:
        return ()
    if len(args) != 2 or args[0].lower() not in ("anonymous", "anonymity") or args[1].lower() not in ON_OFF:
        raise CommandError(f"`{name}` takes `anonymous on` or `anonymous off`.")
    return ("anonymous", "on" if ON_OFF[args[1].lower()] else "off")


def schedule_arguments(name: str, args: tuple[str, ...]) -> tuple[str, ...]:
    """A schedule :func:`conversations.schedules.parse_schedule_args` can read."""
    if not args:
        raise CommandError(f"`{name}` needs quarterly, monthly, weekly, off or a cron expression.")
    try:
        parse_schedule_args(args)
    except ScheduleError as exc:
        raise CommandError(str(exc).strip("'\"")) from None
    return args


def plan_arguments(name: str, args: tuple[str, ...]) -> tuple[str, ...]:
    """Nothing (show the plan) or ``mentions on|off`` (whether digests mention owners of overdue items)."""
    if not args:
        return ()
    if len(args) != 2 or args[0].lower() not in ("mentions", "mention") or args[1].lower() not in ON_OFF:
        raise CommandError(f"`{name}` takes nothing, or `mentions on` / `mentions off`.")
    return ("mentions", "on" if ON_OFF[args[1].lower()] else "off")
