"""``maturity report --org``: every team of a workspace side by side, as Markdown, one
self-contained HTML file (the heat map and the median trend embedded as ``data:`` URIs, inline CSS,
nothing fetched) or CSV (one row per team × dimension).

The same view as ``/maturity teams`` (:class:`conversations.org.OrgView`), with the same privacy:
"too few answers" below ``ORG_MIN_RESPONDENTS`` respondents, aggregates only for teams in
anonymity mode (no user id anywhere in the report), one workspace only.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.charts import LEVEL_COLORS, NO_SCORE_COLOR, _level_color, _text_color, heatmap_chart, org_trend_chart
from bot.csv_cells import csv_writer
from bot.reports import png_data_uri
from bot.templating import render
from conversations.org import OrgService, OrgView
from conversations.workspaces import workspaces_with_teams
from scoring import format_score
from scoring.formatting import rounded
from storage.db import Database

__all__ = ["CSV_COLUMNS", "build_org_view", "cmd_org_report", "org_csv", "render_org_html", "render_org_markdown"]

CSV_COLUMNS = (
    "workspace",
    "framework",
    "channel_id",
    "team",
    "status",
    "assessment_id",
    "closed_at",
    "respondents",
    "overall",
    "level",
    "level_name",
    "change",
    "change_note",  # the change compares two versions of the framework: what it leaves out
    "days_since",
    "overdue",
    "target",
    "target_level_name",
    "target_due_on",
    "target_gap",
    "anonymous",
    "dimension_id",
    "dimension",
    "dimension_score",
    "dimension_level",
    "percentile",
)
HTML_HEATMAP_ROWS = 60  # teams per framework in the embedded picture; the table below has them all


def _number(value: float | None, places: int = 2) -> Decimal | str:
    """A plain number (a number cell, never neutralised), rounded half-up as the scores shown
    elsewhere (2.625 -> 2.63); "" for none."""
    return "" if value is None else rounded(value, places)


def build_org_view(db: Database, workspace_id: str, min_respondents: int) -> OrgView:
    return OrgService(db, min_respondents).view(workspace_id)


def status_of(team: Any) -> str:
    if team.assessment_id is None:
        return "not assessed yet"
    return "too few answers" if team.too_few else "scored"


def org_csv(view: OrgView) -> str:
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")  # every text cell neutralised against formulas
    writer.writerow(CSV_COLUMNS)
    for g in view.groups:
        for t in g.teams:
            cells = {c.id: c for c in t.dimensions}
            target = t.target
            for dim_id, dim_name in g.dimensions:
                c = cells.get(dim_id)
                shown = t.scored and c is not None
                writer.writerow(
                    [
                        view.workspace_id,
                        g.framework_id,
                        t.channel_id,
                        t.channel_name or "",
                        status_of(t),
                        "" if t.assessment_id is None else t.assessment_id,
                        "" if t.closed_at is None else t.closed_at.isoformat(timespec="seconds"),
                        t.respondents if t.assessment_id is not None else "",
                        _number(t.overall),
                        "" if t.level is None else t.level,
                        t.level_name or "",
                        _number(t.delta),
                        f"v{t.delta_versions[0]} → v{t.delta_versions[1]}: {t.delta_note}"
                        if t.delta_note and t.delta_versions
                        else "",
                        "" if t.days_since is None else t.days_since,
                        "yes" if t.overdue else "no",
                        "" if target is None or target.level is None else target.level,
                        "" if target is None else target.level_name or "",
                        "" if target is None or target.due_on is None else target.due_on.isoformat(),
                        "" if target is None else _number(target.gap),
                        "yes" if t.anonymous else "no",
                        dim_id,
                        dim_name,
                        _number(c.score) if shown and c is not None else "",
                        "" if not shown or c is None or c.level is None else c.level,
                        _number(c.percentile, 1) if shown and c is not None else "",
                    ]
                )
    return out.getvalue()


def render_org_markdown(view: OrgView) -> str:
    return render("report.org.md.j2", view=view, status_of=status_of)


def cell_style(level: int | None, lo: int, hi: int) -> str:
    fill = NO_SCORE_COLOR if level is None else _level_color(level, lo, hi)
    return f"background:{fill};color:{_text_color(fill)}"


def render_org_html(view: OrgView) -> str:
    charts = {
        "heatmap": png_data_uri(heatmap_chart(view.groups, HTML_HEATMAP_ROWS)) if view.team_count else None,
        "trend": png_data_uri(org_trend_chart(view.groups)) if any(g.medians for g in view.groups) else None,
    }
    return render(
        "report.org.html.j2",
        view=view,
        charts=charts,
        cell_style=cell_style,
        status_of=status_of,
        legend=LEVEL_COLORS,
        score=format_score,
    )


def cmd_org_report(args: Any) -> int:
    """``maturity report --org [--workspace T…] --format md|html|csv [--out FILE]``."""
    from bot.cli_support import UsageError, load_command_settings, open_database

    fmt = (getattr(args, "format", None) or "md").strip().lower()
    if fmt not in ("md", "html", "csv"):
        raise UsageError(f"--format must be md, html or csv, got {args.format!r}")
    wanted = (getattr(args, "workspace", None) or "").strip() or None
    if wanted is not None and not re.fullmatch(r"[TE][A-Z0-9]{2,32}", wanted):
        raise UsageError(f"--workspace must be a Slack team id such as T0123ABCD, got {wanted!r}")
    out = getattr(args, "out", None)
    settings = load_command_settings()
    db = open_database(settings)
    try:
        workspaces = workspaces_with_teams(db)
        if wanted is not None:
            if wanted not in workspaces:
                raise UsageError(f"unknown workspace {wanted}: no team in this database belongs to it")
            workspace = wanted
        elif not workspaces:
            raise UsageError("no team in this database yet")
        elif len(workspaces) > 1:
            raise UsageError(f"several workspaces ({', '.join(workspaces)}): choose one with --workspace")
        else:
            workspace = workspaces[0]
        view = build_org_view(db, workspace, settings.org_min_respondents)
    finally:
        db.dispose()
    text = {"md": render_org_markdown, "html": render_org_html, "csv": org_csv}[fmt](view)
    if out is None or str(out) == "-":
        print(text, end="")
        return 0
    path = Path(out)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--out {path}: cannot write ({exc.strerror or exc})") from None
    print(f"wrote {path} ({fmt}, {view.team_count} teams of workspace {workspace})")
    return 0
