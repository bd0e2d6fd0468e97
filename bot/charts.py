"""Charts for reports: PNG bytes drawn with matplotlib's Agg backend (never a display, no network).

* :func:`radar_chart` — the dimension scores of an assessment, and of the previous one, on the
  framework's scale;
* :func:`trend_chart` — the overall score of each assessment over time, over shaded level bands,
  with a dashed line labelled "v2" where the framework's version changes.

Both are sized to stay readable in Slack's ~360 px preview (6 × 6 in at 110 dpi, large fonts) and
are deterministic: the same input gives the same bytes (a bundled font, no timestamps or version in
the PNG metadata). :func:`radar_figure` and :func:`trend_figure` return the figure itself, for
callers (and tests) that want to inspect it before it is saved.
"""

from __future__ import annotations

import io
import math
import textwrap
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before anything imports pyplot: never a display

from matplotlib import dates as mdates  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from scoring import format_score  # noqa: E402

__all__ = ["DPI", "FIGSIZE", "radar_chart", "radar_figure", "render_png", "trend_chart", "trend_figure", "warm_up"]

FIGSIZE = (6.0, 6.0)  # inches
DPI = 110
LABEL_WIDTH = 14  # characters per line of a dimension label
BAND_LABEL_WIDTH = 12  # characters per line of a level name beside the trend chart
Y_MARGIN = 0.06  # room above and below the scale so that points on its ends are whole
CURRENT_COLOR = "#1f6feb"
PREVIOUS_COLOR = "#8a8f98"
VERSION_COLOR = "#555555"  # the dashed line where the framework's version changes
BAND_COLORS = ("#fde2e1", "#feedd6", "#fdf6c8", "#e3f4dc", "#d3efe9", "#dbe7fb", "#ece1f7")

STYLE = {
    "font.family": "DejaVu Sans",  # ships with matplotlib: the same glyphs on every machine
    "font.size": 13,
    "axes.titlesize": 15,
    "axes.labelsize": 13,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "axes.unicode_minus": False,
}


# rc_context swaps matplotlib's global settings: one chart at a time, so that threads of a server
# never see each other's (or no) style half-way through a figure.
_LOCK = threading.RLock()


@contextmanager
def _style() -> Iterator[None]:
    with _LOCK, matplotlib.rc_context(STYLE):
        yield


def _new_figure() -> Figure:
    # A bare Figure with its own Agg canvas: no pyplot state, safe in a server's threads.
    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def render_png(fig: Figure, tight: bool = True) -> bytes:
    """The figure as PNG bytes, cropped to its artists (so nothing is clipped; ``tight=False`` for a
    figure laid out by hand), without metadata."""
    buffer = io.BytesIO()
    with _style():
        fig.savefig(
            buffer,
            format="png",
            dpi=DPI,
            bbox_inches="tight" if tight else None,
            pad_inches=0.15,
            facecolor="white",
            metadata={"Software": None},
        )
    return buffer.getvalue()


def warm_up() -> None:
    """Draw a tiny figure with text and a mesh: loads what the first chart of a process would pay
    for (the font file and its glyph cache, Agg, the PNG writer; ~0.1 s on top of importing
    matplotlib, ~0.6 s). A server calls it once at start, so that its first ``/maturity teams`` or
    summary chart doesn't."""
    with _style():
        fig = Figure(figsize=(1.0, 1.0), dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
        ax.pcolormesh([[0, 1], [1, 0]], edgecolors="white", linewidth=1.5)
        ax.text(0.5, 0.5, "0.00 Level", fontsize=10.5)
    render_png(fig, tight=False)


# --- values the charts need, from a Result, an AssessmentScore, a Framework or a FrameworkSpec ------


def _score_of(value: Any) -> Any:
    """An AssessmentScore from a Result (``.score``) or an AssessmentScore."""
    return getattr(value, "score", value)


def _scale_of(framework: Any) -> tuple[int, int]:
    scale = framework.scale
    return int(scale.min), int(scale.max)


def _level_names(framework: Any) -> list[str]:
    if hasattr(framework, "level_names"):
        return list(framework.level_names)
    return [level.name for level in framework.levels]


def _label(value: Any, default: str, assessment: Any = None) -> str:
    """ "#12 · 2025-03-01 · 1.17" for a Result (or a score with its ``assessment``); ``default``
    with the overall for a bare score."""
    score = _score_of(value)
    overall = format_score(score.overall) if score.overall is not None else "no score"
    assessment = getattr(value, "assessment", None) or assessment
    if assessment is None:
        return f"{default} ({overall})"
    when = assessment.closed_at or assessment.opened_at
    date = f" · {when:%Y-%m-%d}" if when else ""
    return f"#{assessment.id}{date} · {overall}"


def _wrap(text: str, width: int = LABEL_WIDTH) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=True)) or text


# --- radar -----------------------------------------------------------------------------------------


def radar_figure(result: Any, previous: Any = None) -> Figure:
    """The radar chart's figure. ``result``: a Result or AssessmentScore; ``previous``: the one to
    compare with (a Result or AssessmentScore; dimensions matched by id), or None for none."""
    current = _score_of(result)
    lo, hi = current.scale.min, current.scale.max
    dims = list(current.dimensions)
    n = len(dims)
    if n < 3:  # a radar of one or two spokes is no shape: bars say the same
        return _bars_figure(result, previous)
    angles = [2 * math.pi * i / n for i in range(n)]
    labels = [_wrap(d.name) + ("\n(no answers)" if d.score is None else "") for d in dims]

    with _style():
        fig = _new_figure()
        ax = fig.add_subplot(projection="polar")
        ax.set_theta_offset(math.pi / 2)  # the first dimension at the top
        ax.set_theta_direction(-1)  # then clockwise, in reading order
        ax.set_ylim(lo, hi)
        ax.set_yticks(list(range(lo, hi + 1)))
        ax.set_yticklabels([str(v) for v in range(lo, hi + 1)], color="#555555", fontsize=11)
        ax.set_rlabel_position(180 / n)  # between the first two spokes
        ax.set_xticks(angles)
        ax.set_xticklabels(labels)
        ax.tick_params(axis="x", pad=10)
        for angle, tick in zip(angles, ax.get_xticklabels(), strict=True):
            # Grow each label away from the plot so that long names never cross it.
            x, y = math.sin(angle), math.cos(angle)
            tick.set_horizontalalignment("left" if x > 0.1 else "right" if x < -0.1 else "center")
            tick.set_verticalalignment("bottom" if y > 0.1 else "top" if y < -0.1 else "center")
        ax.grid(color="#cccccc", linewidth=0.8)
        ax.spines["polar"].set_color("#aaaaaa")

        if previous is not None:
            prev = _score_of(previous)
            by_id = {d.id: d.score for d in prev.dimensions}
            # result.previous is a bare score: name it after result.previous_assessment.
            prev_assessment = (
                getattr(result, "previous_assessment", None) if prev is getattr(result, "previous", None) else None
            )
            label = _label(previous, "previous", prev_assessment)
            _polygon(ax, angles, [by_id.get(d.id) for d in dims], lo, PREVIOUS_COLOR, "--", label, marker="s")
        current_label = _label(result, "this assessment")
        _polygon(ax, angles, [d.score for d in dims], lo, CURRENT_COLOR, "-", current_label, marker="o")

        ax.set_title(f"Scores by dimension ({lo}–{hi})", pad=18)
        handles, names = ax.get_legend_handles_labels()
        fig.legend(handles[::-1], names[::-1], loc="outside lower center", ncols=1, frameon=False)  # this one first
    return fig


def _bars_figure(result: Any, previous: Any = None) -> Figure:
    """The dimension scores as horizontal bars (for a framework of fewer than 3 dimensions)."""
    current = _score_of(result)
    lo, hi = current.scale.min, current.scale.max
    dims = list(current.dimensions)
    rows = list(range(len(dims)))[::-1]  # the first dimension at the top
    with _style():
        fig = _new_figure()
        ax = fig.add_subplot()
        height = 0.35
        if previous is not None:
            prev = _score_of(previous)
            by_id = {d.id: d.score for d in prev.dimensions}
            prev_assessment = (
                getattr(result, "previous_assessment", None) if prev is getattr(result, "previous", None) else None
            )
            values = [by_id.get(d.id) for d in dims]
            ax.barh(
                [r - height / 2 for r in rows],
                [(v - lo) if v is not None else 0 for v in values],
                height=height,
                left=lo,
                color=PREVIOUS_COLOR,
                alpha=0.6,
                label=_label(previous, "previous", prev_assessment),
            )
        ax.barh(
            [r + (height / 2 if previous is not None else 0) for r in rows],
            [(d.score - lo) if d.score is not None else 0 for d in dims],
            height=height,
            left=lo,
            color=CURRENT_COLOR,
            label=_label(result, "this assessment"),
        )
        ax.set_xlim(lo, hi)
        ax.set_xticks(list(range(lo, hi + 1)))
        ax.set_yticks(rows)
        ax.set_yticklabels([_wrap(d.name) + ("\n(no answers)" if d.score is None else "") for d in dims])
        ax.grid(axis="x", color="#cccccc", linewidth=0.8)
        ax.set_title(f"Scores by dimension ({lo}–{hi})", pad=18)
        handles, names = ax.get_legend_handles_labels()
        fig.legend(handles[::-1], names[::-1], loc="outside lower center", ncols=1, frameon=False)
    return fig


def _polygon(
    ax: Any,
    angles: list[float],
    scores: list[float | None],
    lo: int,
    color: str,
    style: str,
    label: str,
    *,
    marker: str = "o",
) -> None:
    """A closed outline through the scored dimensions (unscored ones are skipped), filled lightly.
    Series differ in line style and marker as well as colour (told apart in grey, or by anyone)."""
    points = [(a, s) for a, s in zip(angles, scores, strict=True) if s is not None]
    if not points:
        ax.plot([], [], color=color, linestyle=style, marker=marker, linewidth=2.5, label=f"{label} (nothing scored)")
        return
    xs = [a for a, _ in points] + [points[0][0]]
    ys = [s for _, s in points] + [points[0][1]]
    ax.plot(
        xs, ys, color=color, linestyle=style, linewidth=2.5, marker=marker, markersize=7, label=label, clip_on=False
    )
    if len(points) >= 3:
        ax.fill(xs, ys, color=color, alpha=0.15 if style == "-" else 0.06)


def radar_chart(result: Any, previous: Any = None) -> bytes:
    """PNG of the dimension scores of ``result`` (a Result or AssessmentScore) against ``previous``
    (pass ``result.previous`` to compare with the team's previous assessment; None for no comparison).

    An unscored dimension keeps its spoke, labelled "(no answers)", and is left out of the outline.
    """
    return render_png(radar_figure(result, previous))


# --- trend -----------------------------------------------------------------------------------------


def trend_figure(
    points: Sequence[tuple[datetime, float | None, int | None]], framework: Any, changes: Sequence[Any] = ()
) -> Figure:
    """The trend chart's figure: ``points`` are (date, overall score, level); ``framework`` a
    Framework or FrameworkSpec (its scale and level names). Points without a score are left out.
    ``changes``: where the framework's version changes (``conversations.assessments.VersionChange``:
    ``before``, ``after``, ``version``), each a dashed vertical line half-way between the two
    assessments, labelled with the new version ("v2") at the top."""
    lo, hi = _scale_of(framework)
    names = _level_names(framework)
    pts = sorted((p for p in points if p[1] is not None), key=lambda p: p[0])

    with _style():
        fig = _new_figure()
        ax = fig.add_subplot()
        ax.set_yticks(list(range(lo, hi + 1)))
        ax.set_ylabel("Overall score")

        # Level bands: [lower bound, next lower bound), lower bounds inclusive (min, 0.5, 1.5, ...),
        # each named on the right, outside the plot, where no point can cover its name.
        centers, band_labels = [], []
        for i, level in enumerate(range(lo, hi + 1)):
            bottom = float(lo) if level == lo else level - 0.5
            top = float(hi) if level == hi else level + 0.5
            ax.axhspan(bottom, top, color=BAND_COLORS[i % len(BAND_COLORS)], zorder=0, linewidth=0)
            centers.append((bottom + top) / 2)
            band_labels.append(f"{level} " + _wrap(names[i], BAND_LABEL_WIDTH).replace("\n", "\n   "))
        bands = ax.twinx()
        bands.set_ylim(lo - Y_MARGIN, hi + Y_MARGIN)
        bands.set_yticks(centers, band_labels, fontsize=11, color="#444444")
        bands.tick_params(axis="y", length=0, pad=6)
        for spine in bands.spines.values():
            spine.set_visible(False)
        ax.set_ylim(lo - Y_MARGIN, hi + Y_MARGIN)

        if pts:
            xs = [mdates.date2num(p[0]) for p in pts]
            ys = [float(p[1]) for p in pts]  # type: ignore[arg-type]
            ax.plot(xs, ys, color=CURRENT_COLOR, linewidth=2.5, marker="o", markersize=8, zorder=3, clip_on=False)
            shown = range(len(pts)) if len(pts) <= 8 else (len(pts) - 1,)
            for i in shown:
                above = ys[i] <= hi - 0.35
                ax.annotate(
                    format_score(ys[i]),
                    (xs[i], ys[i]),
                    xytext=(0, 10 if above else -12),
                    textcoords="offset points",
                    ha="center",
                    va="bottom" if above else "top",
                    fontsize=12,
                    fontweight="bold",
                    color="#0b3d91",
                    zorder=4,
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.75},
                )
            first, last = pts[0][0], pts[-1][0]
            margin = max((last - first) * 0.08, timedelta(days=7))
            ax.set_xlim(mdates.date2num(first - margin), mdates.date2num(last + margin))
            for change in changes:
                x = mdates.date2num(change.before + (change.after - change.before) / 2)
                ax.axvline(x, color=VERSION_COLOR, linestyle="--", linewidth=1.5, zorder=2, gid="version-change")
                ax.annotate(
                    f"v{change.version}",
                    (x, 1.0),
                    xycoords=("data", "axes fraction"),  # at the top, whatever the scores
                    xytext=(3, -2),
                    textcoords="offset points",
                    ha="left",
                    va="top",
                    fontsize=11,
                    color=VERSION_COLOR,
                    zorder=4,
                    gid="version-change",
                )
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%Y"))
            days = sorted({math.floor(x) + 0.5 for x in xs})  # one tick per day with an assessment, at noon
            lo_x, hi_x = ax.get_xlim()
            if len(days) <= 5 and all(b - a >= (hi_x - lo_x) / 5 for a, b in pairwise(days)):
                ax.set_xticks(days)  # few, well spread assessments: a tick under each
            else:
                ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=2, maxticks=4))
        else:
            ax.set_xticks([])
            ax.text(0.5, 0.5, "no scored assessments yet", transform=ax.transAxes, ha="center", va="center")
        ax.grid(axis="x", color="#dddddd", linewidth=0.8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.set_title("Overall score over time")
    return fig


def trend_chart(points: Sequence[tuple[datetime, float, int]], framework: Any, changes: Sequence[Any] = ()) -> bytes:
    """PNG of the overall score per assessment over time, on ``framework``'s scale, with each level's
    band shaded and labelled with its name, and each change of the framework's version marked (see
    :func:`trend_figure`). A single point is drawn with a week either side."""
    return render_png(trend_figure(points, framework, changes))


# --- the organisation's heat map and trend ---------------------------------------------------------

# Level colours of the heat map, low to high (a colour-blind-safe red → blue diverging ramp); a
# framework with more levels than colours reuses the last.
LEVEL_COLORS = ("#d73027", "#fc8d59", "#fee090", "#91bfdb", "#4575b4", "#313695", "#1b1f5c")
NO_SCORE_COLOR = "#e6e6e6"
HEATMAP_ROW_HEIGHT = 0.34  # inches per team
HEATMAP_MAX_ROWS = 30  # teams per framework drawn; the rest are counted under the panel


def _level_color(level: int, lo: int, hi: int) -> str:
    steps = hi - lo + 1
    index = (
        round((level - lo) * (len(LEVEL_COLORS) - 1) / max(steps - 1, 1)) if steps > len(LEVEL_COLORS) else level - lo
    )
    return LEVEL_COLORS[max(0, min(index, len(LEVEL_COLORS) - 1))]


def _text_color(fill: str) -> str:
    r, g, b = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    return "#111111" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#ffffff"


def heatmap_figure(groups: Sequence[Any], max_rows: int = HEATMAP_MAX_ROWS) -> Figure:
    """Teams × dimensions, one panel per framework (``conversations.org.FrameworkGroup``): each cell
    coloured by the dimension's level, its score written in it; a team with too few answers (or
    none yet) is a grey row saying so. At most ``max_rows`` teams per panel, best overall first.

    Laid out by hand in inches (no constrained layout, no tight bounding box: each costs whole extra
    draws) and each panel's cells are one mesh, so that 500 teams draw in well under a second."""
    panels = [g for g in groups if g.teams] or list(groups)
    widest = max((len(g.dimensions) for g in panels), default=4)
    rows_of = [max(min(len(g.teams), max_rows), 1) for g in panels]
    heights = [_HEAD_H + HEATMAP_ROW_HEIGHT * n + _LEGEND_H + _GAP for n in rows_of]
    width = _LABEL_W + _CELL_W * widest + _RIGHT
    height = max(sum(heights), 2.0)
    with _style():
        fig = Figure(figsize=(width, height), dpi=DPI)
        FigureCanvasAgg(fig)
        if not panels:
            fig.text(0.5, 0.5, "no teams yet", ha="center", va="center")
            return fig
        top = height
        for g, n, h in zip(panels, rows_of, heights, strict=True):
            _heatmap_panel(fig, g, list(g.teams[:max_rows]), n, top, (width, height))
            top -= h
    return fig


# The heat map's layout, in inches: team labels, one cell, the right margin; per panel the title and
# column names, the legend, the space before the next panel.
_LABEL_W, _CELL_W, _RIGHT = 2.4, 1.25, 0.25
_HEAD_H, _LEGEND_H, _GAP = 0.75, 0.75, 0.25


def _heatmap_panel(fig: Figure, g: Any, teams: list[Any], n: int, top: float, size: tuple[float, float]) -> None:
    """One framework's panel, its top ``top`` inches up a figure of ``size`` inches: ``n`` rows."""
    width, height = size
    dims = list(g.dimensions)
    cols = max(len(dims), 1)
    grid_h = HEATMAP_ROW_HEIGHT * n
    bottom = top - _HEAD_H - grid_h
    ax = fig.add_axes((_LABEL_W / width, bottom / height, _CELL_W * cols / width, grid_h / height))
    lo, hi = g.scale_min, g.scale_max
    colors = [_level_color(level, lo, hi) for level in range(lo, hi + 1)] + [NO_SCORE_COLOR]
    _heatmap_cells(ax, teams, dims, colors, lo)
    ax.set_xlim(0, cols)
    ax.set_ylim(max(len(teams), 1), 0)
    names = [textwrap.fill(d, 14, break_long_words=False) for _, d in dims]
    ax.set_xticks([i + 0.5 for i in range(len(dims))], names, fontsize=10)
    ax.xaxis.tick_top()
    ax.set_yticks(
        [i + 0.5 for i in range(len(teams))],
        [f"{t.label[:26]}  {format_score(t.overall) if t.scored else '—'}" for t in teams],
        fontsize=10,
    )
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    fig.text(0.1 / width, (top - 0.1) / height, f"{g.framework_name}: level of each dimension",
             fontsize=13, ha="left", va="top")  # fmt: skip
    _heatmap_legend(ax, g, colors, hidden=len(g.teams) - len(teams))


def _heatmap_cells(ax: Any, teams: list[Any], dims: list[tuple[str, str]], colors: list[str], lo: int) -> None:
    """The cells, one mesh coloured by level (grey: no score), each score written in its cell; a team
    without scores is one grey bar saying why."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Rectangle

    cols = max(len(dims), 1)
    grey = len(colors) - 1
    values = []
    for t in teams:
        cells = {c.id: c for c in t.dimensions}
        row = []
        for dim_id, _ in dims:
            cell = cells.get(dim_id)
            ok = t.scored and cell is not None and cell.level is not None and cell.score is not None
            row.append(cell.level - lo if ok and cell is not None and cell.level is not None else grey)
        values.append(row or [grey])
    if values:
        ax.pcolormesh(
            values,
            cmap=ListedColormap(colors),
            vmin=-0.5,
            vmax=len(colors) - 0.5,
            edgecolors="white",
            linewidth=1.5,
        )
    for r, t in enumerate(teams):
        if not t.scored:
            note = "not assessed yet" if t.assessment_id is None else "too few answers"
            ax.add_patch(Rectangle((0, r), cols, 1, facecolor=NO_SCORE_COLOR, edgecolor="white", linewidth=1.5))
            ax.text(cols / 2, r + 0.5, note, ha="center", va="center", fontsize=10.5, color="#555555")
            continue
        cells = {c.id: c for c in t.dimensions}
        for col, (dim_id, _) in enumerate(dims):
            cell = cells.get(dim_id)
            if cell is None or cell.score is None or cell.level is None:
                continue
            fill = colors[cell.level - lo]
            ax.text(col + 0.5, r + 0.5, format_score(cell.score), ha="center", va="center",
                    fontsize=10.5, color=_text_color(fill))  # fmt: skip


def _heatmap_legend(ax: Any, g: Any, colors: list[str], hidden: int) -> None:
    """The levels' colours under the panel, and how many teams it leaves out."""
    from matplotlib.patches import Patch

    lo, hi = g.scale_min, g.scale_max
    legend = [
        Patch(facecolor=colors[level - lo], label=f"{level} {name}")
        for level, name in zip(range(lo, hi + 1), g.level_names, strict=False)
    ]
    ax.legend(
        handles=legend,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.02),
        ncols=min(len(legend), 3),
        fontsize=9,
        frameon=False,
        title=f"… and {hidden} more teams (best overall shown first)" if hidden else None,
        title_fontsize=9,
    )


def heatmap_chart(groups: Sequence[Any], max_rows: int = HEATMAP_MAX_ROWS) -> bytes:
    """PNG of :func:`heatmap_figure` (its own layout: saved as drawn, no tight bounding box)."""
    return render_png(heatmap_figure(groups, max_rows), tight=False)


def org_trend_figure(groups: Sequence[Any]) -> Figure:
    """The workspace median overall per quarter, one panel per framework (its own scale: teams on
    different frameworks are never drawn against each other)."""
    panels = [g for g in groups if g.medians] or list(groups[:1])
    # Laid out by hand in inches, as the heat map (a constrained layout drew everything twice):
    # per panel, room for the title above and the two-line quarter labels below.
    width, panel_h = 7.0, 3.2
    left, right, title_h, labels_h = 0.85, 0.2, 0.5, 0.7
    height = panel_h * max(len(panels), 1)
    with _style():
        fig = Figure(figsize=(width, height), dpi=DPI)
        FigureCanvasAgg(fig)
        if not panels:
            ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
            ax.axis("off")
            ax.text(0.5, 0.5, "no scored assessments yet", ha="center", va="center")
            return fig
        axes = [
            fig.add_axes(
                (
                    left / width,
                    (height - panel_h * (i + 1) + labels_h) / height,
                    (width - left - right) / width,
                    (panel_h - title_h - labels_h) / height,
                )
            )
            for i in range(len(panels))
        ]
        for ax, g in zip(axes, panels, strict=True):
            lo, hi = g.scale_min, g.scale_max
            for i, level in enumerate(range(lo, hi + 1)):
                bottom = float(lo) if level == lo else level - 0.5
                top = float(hi) if level == hi else level + 0.5
                ax.axhspan(bottom, top, color=BAND_COLORS[i % len(BAND_COLORS)], zorder=0, linewidth=0)
            xs = list(range(len(g.medians)))
            ys = [m.median for m in g.medians]
            ax.plot(xs, ys, color=CURRENT_COLOR, linewidth=2.5, marker="o", markersize=7, zorder=3, clip_on=False)
            for x, m in zip(xs, g.medians, strict=True):
                ax.annotate(
                    format_score(m.median),
                    (x, m.median),
                    xytext=(0, 8),
                    textcoords="offset points",
                    ha="center",
                    fontsize=10,
                    color="#0b3d91",
                )
            ax.set_xticks(xs, [f"{m.quarter}\n{m.teams} teams" for m in g.medians], fontsize=9)
            ax.set_xlim(-0.5, max(len(xs) - 0.5, 0.5))
            ax.set_ylim(lo - Y_MARGIN, hi + Y_MARGIN)
            ax.set_yticks(list(range(lo, hi + 1)))
            ax.set_ylabel("Median overall")
            ax.set_title(f"{g.framework_name}: workspace median per quarter", fontsize=13, loc="left")
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
    return fig


def org_trend_chart(groups: Sequence[Any]) -> bytes:
    """PNG of :func:`org_trend_figure` (its own layout: saved as drawn)."""
    return render_png(org_trend_figure(groups), tight=False)
