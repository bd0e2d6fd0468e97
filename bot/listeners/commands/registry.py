"""Every ``/maturity`` subcommand, declared once.

The order here is the order of the usage, of ``/maturity help`` and of manifest.yml's usage hint
(``tests/test_manifest.py`` checks the manifest against this list, ``tests/test_readme_layout.py``
the README's "In Slack" table). Adding a subcommand is one entry here, its handler in one module of
this package, its template in ``bot/templates/`` and its test — then its name in manifest.yml's usage
hint and description and its row in the README, which those tests ask for; e.g.::

    Subcommand("target", "target <level> [by YYYY-MM-DD]", "the team's target level",
               handler=targets.target, args=any_arguments),
"""

from __future__ import annotations

from bot import messages
from bot.listeners.commands import assessment, business_case, channel, org, plan, results, targets
from bot.listeners.commands.context import Answer, CommandContext, Subcommand
from conversations.business_case import SESSION_KINDS
from conversations.commands import (
    Command,
    admins_arguments,
    any_arguments,
    framework_argument,
    parse_command,
    plan_arguments,
    schedule_arguments,
    settings_arguments,
    teams_arguments,
)
from conversations.frameworks import get_frameworks


def _help(ctx: CommandContext) -> Answer:
    return Answer.of(
        messages.help_message(usage_lines(), get_frameworks().values(), ctx.services.settings.org_min_respondents)
    )


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "assess",
        "assess [framework]",
        "open an assessment in this channel",
        handler=assessment.assess,
        args=framework_argument,
    ),
    Subcommand(
        "status",
        "status",
        "who has answered so far",
        handler=assessment.status,
        in_ack=assessment.status_in_ack,
    ),
    Subcommand("finish", "finish", "close the assessment and post the summary", handler=assessment.finish),
    Subcommand("cancel", "cancel", "drop the open assessment without a summary", handler=assessment.cancel),
    Subcommand("history", "history", "this channel's past assessments", handler=results.history),
    Subcommand("roadmap", "roadmap", "the roadmap for the next level", handler=results.roadmap),
    Subcommand(
        "target",
        "target <level> [by YYYY-MM-DD] | <dimension-id> <level> | off",
        "the team's target: gap per dimension and the pace needed",
        handler=targets.target,
        args=any_arguments,
    ),
    Subcommand(
        "plan",
        "plan [mentions on|off]",
        "the team's roadmap items: owners, due dates, status (mentions: digests ping owners of overdue items)",
        handler=plan.plan,
        args=plan_arguments,
    ),
    Subcommand(
        "schedule",
        "schedule quarterly|monthly|weekly|off|<cron>",
        "recurring check-ins (also `digest …`, `tz <Zone>`, `reminders on|off|24h`, `hours 8-16`, `close 7d`, "
        "`resume`)",
        handler=channel.schedule,
        args=schedule_arguments,
    ),
    Subcommand(
        "settings",
        "settings [anonymous on|off]",
        "this channel's settings",
        handler=channel.settings,
        args=settings_arguments,
    ),
    Subcommand(
        "export",
        "export",
        "upload the answers (CSV) and the latest report (Markdown)",
        handler=results.export,
    ),
    Subcommand(
        "platforms",
        "platforms [platform name|new|results]",
        "score candidate platforms; the channel sees the ranked comparison",
        handler=business_case.platforms,
        in_ack=business_case.platforms_in_ack,
        args=any_arguments,
    ),
    Subcommand(
        "roi",
        "roi",
        "payback, NPV and IRR of an investment, beside typical ranges",
        handler=business_case.roi,
        in_ack=business_case.roi_in_ack,
        args=any_arguments,
    ),
    Subcommand(
        "session",
        f"session {'|'.join(SESSION_KINDS)}",
        "a discovery session agenda with questions for your weakest dimensions",
        handler=business_case.session,
        in_ack=business_case.session_in_ack,
        args=any_arguments,
    ),
    Subcommand(
        "teams",
        "teams [post]",
        "every team of the workspace side by side, with a heat map (workspace admins and named members)",
        handler=org.teams,
        args=teams_arguments,
    ),
    Subcommand(
        "admins",
        "admins [add|remove @user]",
        "who besides workspace admins and owners sees every team",
        handler=org.admins,
        args=admins_arguments,
    ),
    Subcommand("help", "help", "how it works", in_ack=_help),
)

BY_NAME: dict[str, Subcommand] = {s.name: s for s in SUBCOMMANDS}
assert len(BY_NAME) == len(SUBCOMMANDS), "two subcommands share a name"
_CHECKS = {s.name: s.args for s in SUBCOMMANDS}


def parse(text: str | None) -> tuple[Command, Subcommand]:
    """The command in the slash command's text and its entry; raises ``CommandError``."""
    command = parse_command(text, _CHECKS)
    return command, BY_NAME[command.name]


def usage_lines() -> list[str]:
    return [s.line for s in SUBCOMMANDS]


def usage() -> str:
    """The usage as plain lines (the CLI and tests)."""
    return "Usage:\n" + "\n".join(f"• {line}" for line in usage_lines())


def usage_answer(problem: str) -> Answer:
    """The answer to an empty, unknown or unreadable command: the reason, then the usage (ephemeral)."""
    return Answer.of(messages.usage_message(problem, usage_lines()))
