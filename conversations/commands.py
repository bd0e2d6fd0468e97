"""The ``/maturity`` slash command's text: which subcommand, with which arguments."""

from __future__ import annotations

from dataclasses import dataclass

SUBCOMMANDS: dict[str, str] = {
    "assess": "`/maturity assess [framework]` — open an assessment in this channel",
    "status": "`/maturity status` — who has answered so far",
    "finish": "`/maturity finish` — close the assessment and post the summary",
    "cancel": "`/maturity cancel` — drop the open assessment without a summary",
    "history": "`/maturity history` — this channel's past assessments",
    "roadmap": "`/maturity roadmap` — the roadmap for the next level",
    "schedule": "`/maturity schedule quarterly|monthly|weekly|off|<cron>` — recurring check-ins "
    "(also `digest …`, `tz <Zone>`, `reminders on|off|24h`, `close 7d`, `resume`)",
    "settings": "`/maturity settings [anonymous on|off]` — this channel's settings",
    "export": "`/maturity export` — upload the answers (CSV) and the latest report (Markdown)",
    "platforms": "`/maturity platforms [platform name|new|results]` — score candidate platforms; "
    "the channel sees the ranked comparison",
    "roi": "`/maturity roi` — payback, NPV and IRR of an investment, beside typical ranges",
    "session": "`/maturity session executive|technical|data-science|ml-engineering|platform` — a discovery "
    "session agenda with questions for your weakest dimensions",
    "help": "`/maturity help` — how it works",
}
NO_ARGUMENTS = frozenset({"status", "finish", "cancel", "history", "roadmap", "help", "export", "roi"})
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


def usage() -> str:
    return "Usage:\n" + "\n".join(f"• {line}" for line in SUBCOMMANDS.values())


def parse_command(text: str | None) -> Command:
    words = (text or "").split()
    if not words:
        raise CommandError("Tell me what to do.")
    name, args = words[0].lower(), tuple(words[1:])
    if name not in SUBCOMMANDS:
        raise CommandError(f"I don't know the subcommand `{words[0][:40]}`.")
    if name in NO_ARGUMENTS and args:
        raise CommandError(f"`{name}` takes no arguments (got `{' '.join(args)[:60]}`).")
    if name == "assess" and len(args) > 1:
        raise CommandError("`assess` takes at most one framework id.")
    if name == "settings" and args:
        if len(args) != 2 or args[0].lower() not in ("anonymous", "anonymity") or args[1].lower() not in ON_OFF:
            raise CommandError("`settings` takes `anonymous on` or `anonymous off`.")
        return Command(name, ("anonymous", "on" if ON_OFF[args[1].lower()] else "off"))
    if name == "schedule" and not args:
        raise CommandError("`schedule` needs quarterly, monthly, weekly, off or a cron expression.")
    return Command(name, args)
