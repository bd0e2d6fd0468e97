"""Every text the bot posts or exports comes from a jinja2 template in ``bot/templates/``, rendered
by the one environment here, with one set of filters.

A message template (``*.j2`` other than the reports) holds one macro per piece of a message —
``text`` (the plain fallback), and the mrkdwn parts its Block Kit is built from. The builders in
``bot.messages`` call them as ``part("summary", "text", ...)``. The reports (``report.md.j2``,
``report.html.j2``) are whole documents, rendered by ``bot.reports`` through :func:`environment` too.

Autoescaping is chosen by file name, as Flask does: ``*.html``/``*.html.j2`` (and xml) escape for
HTML; everything else is Slack mrkdwn or Markdown, where escaping is explicit (``esc`` for mrkdwn,
``md`` for Markdown). Shown to people, a missing value is "—" in every filter.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from scoring import arrow, format_score
from scoring.formatting import (
    MISSING,
    format_count,
    format_duration,
    format_gap,
    format_money,
    format_number,
    format_percent,
    format_signed,
)

TEMPLATES_DIR = Path(__file__).parent / "templates"
AUTOESCAPED = ("html", "htm", "xml", "html.j2", "htm.j2", "xml.j2")  # the file name's ending

# --- filters -------------------------------------------------------------------------------------


def esc(text: object) -> str:
    """Slack mrkdwn: the three characters it treats as control characters, escaped."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|<>])")


def md(value: object) -> str:
    """Markdown (and a table cell): one line, markup characters escaped."""
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", text)


def pct(value: float | None, places: int = 0, *, signed: bool = False) -> str:
    """A fraction as a percentage: 0.25 -> "25%", with the minus sign; "—" for None
    (``scoring.formatting.format_percent``)."""
    return format_percent(value, places, signed=signed)


def signed(delta: float | None) -> str:
    """A change with its sign, rounded like the scores shown beside it: "+0.33", "−0.25" (the minus
    sign), and "0.00" (no sign) for a change that rounds to zero; "—" for None
    (``scoring.formatting.format_signed``)."""
    return format_signed(delta)


def date(value: datetime | None, zone: str | tzinfo | None = None) -> str:
    """The day of a timestamp, YYYY-MM-DD, in UTC unless a zone (e.g. the team's) is given; a
    timestamp without a zone is taken as UTC (the database's). "—" for None."""
    if not value:
        return MISSING
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    target = ZoneInfo(zone) if isinstance(zone, str) else (zone or UTC)
    return value.astimezone(target).strftime("%Y-%m-%d")


FILTERS: dict[str, Any] = {
    "arrow": arrow,
    "date": date,
    "esc": esc,
    "md": md,
    "pct": pct,
    "score": format_score,
    "gap": format_gap,  # {{ w.gap|gap(w.score) }}: the bound minus the score, as both are shown
    "signed": signed,
    "money": format_money,
    "duration": format_duration,
    "number": format_number,
    "count": format_count,
}


@cache
def environment() -> jinja2.Environment:
    """The one environment: built once, templates compiled once (``auto_reload=False``: they ship
    with the package, so no stat() of the file on every message)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(enabled_extensions=AUTOESCAPED, default_for_string=False, default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,  # a report file ends with its newline; message parts are stripped
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    return env


def render(template: str, /, **context: Any) -> str:
    """A whole template (a report), e.g. ``render("report.md.j2", report=...)``."""
    return environment().get_template(template).render(**context)


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
