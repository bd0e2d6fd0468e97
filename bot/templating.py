"""Every text the bot posts comes from a jinja2 template in ``bot/templates/``.

A message template (``*.j2`` other than the reports) holds one macro per piece of a message —
``text`` (the plain fallback), and the mrkdwn parts its Block Kit is built from. The builders in
``bot.messages`` call them as ``part("summary", "text", ...)``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from scoring import arrow, format_score
from scoring.formatting import format_duration, format_money, format_number, format_percent, format_signed

TEMPLATES_DIR = Path(__file__).parent / "templates"


def _esc(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _date(value: Any) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # Slack mrkdwn, not HTML: escaping is the explicit `esc` filter
        auto_reload=False,  # shipped with the package: no stat() of the file on every message
    )
    env.filters.update(score=format_score, esc=_esc, pct=format_percent, signed=format_signed, date=_date, arrow=arrow)
    env.filters.update(money=format_money, duration=format_duration, number=format_number)
    return env


@cache
def _module(template: str) -> Any:
    """The template's macros, built once: a macro call renders in a fresh frame of its own, so one
    module serves every thread (building it per message cost more than rendering the message)."""
    return environment().get_template(f"{template}.j2").module


def part(template: str, macro: str, /, *args: Any, **kwargs: Any) -> str:
    """Render one macro of ``bot/templates/<template>.j2``, stripped of surrounding blank space."""
    return str(getattr(_module(template), macro)(*args, **kwargs)).strip()


def message_templates() -> list[str]:
    """Names of the message templates (the report templates are rendered by bot.reports)."""
    return sorted(p.stem for p in TEMPLATES_DIR.glob("*.j2") if not p.name.startswith("report."))
