"""Report charts: PNGs that are valid, Slack-preview sized, deterministic, and never clip a label."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

import matplotlib
import pytest
from matplotlib.text import Text

from bot.charts import radar_chart, radar_figure, trend_chart, trend_figure
from conversations.frameworks import get_framework
from scoring import Answer, AssessmentScore, score

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def scored(framework_id: str, *, skip_dimension: int | None = None, shift: int = 0) -> AssessmentScore:
    """Two respondents answering every question (but those of ``skip_dimension``), varied levels."""
    spec = get_framework(framework_id).spec()
    lo, hi = spec.scale.min, spec.scale.max
    answers = []
    for d_index, dim in enumerate(spec.dimensions):
        if d_index == skip_dimension:
            continue
        for q_index, qid in enumerate(dim.question_ids):
            answers.append(Answer("ana", qid, min(hi, lo + (d_index + q_index + shift) % (hi - lo + 1))))
            answers.append(Answer("ben", qid, min(hi, lo + (d_index + shift) % 3)))
    return score(spec, answers)


def points(n: int, start: float, step: float = 0.4) -> list[tuple[datetime, float, int]]:
    first = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)
    return [(first + timedelta(days=91 * i), start + step * i, round(start + step * i)) for i in range(n)]


def drawn_texts(fig) -> list[Text]:  # type: ignore[no-untyped-def]
    """Every visible, non-empty text of the figure that is drawn: tick labels of ticks outside the
    view limits exist as objects but are not drawn, so they are left out."""
    undrawn: set[int] = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not lo - 1e-9 <= tick.get_loc() <= hi + 1e-9:
                    undrawn.update((id(tick.label1), id(tick.label2)))
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip() and id(t) not in undrawn]


def assert_no_text_outside(fig) -> int:  # type: ignore[no-untyped-def]
    """Draw the figure (its constrained layout runs, as when it is saved) and check that every text
    drawn — tick labels, dimension and band labels, title, legend, annotations — lies inside it."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    bounds = fig.bbox
    texts = drawn_texts(fig)
    for text in texts:
        box = text.get_window_extent(renderer)
        assert box.x0 >= bounds.x0 - 1 and box.y0 >= bounds.y0 - 1, f"{text.get_text()!r} is clipped at {box}"
        assert box.x1 <= bounds.x1 + 1 and box.y1 <= bounds.y1 + 1, f"{text.get_text()!r} is clipped at {box}"
    return len(texts)


def test_charts_use_the_agg_backend() -> None:
    assert matplotlib.get_backend().lower() == "agg"


@pytest.mark.parametrize("framework_id, dimensions", [("maturity-levels", 4), ("discovery", 7)])
def test_radar_is_a_preview_sized_png_with_every_label_inside(framework_id: str, dimensions: int) -> None:
    current, previous = scored(framework_id), scored(framework_id, shift=1)
    assert len(current.dimensions) == dimensions
    data = radar_chart(current, previous)
    width, height = png_size(data)
    assert 500 <= width <= 900 and 500 <= height <= 900  # ~6 in at 110 dpi: a legible 360 px thumbnail
    fig = radar_figure(current, previous)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert len(labels) == dimensions
    assert all(max(len(line) for line in label.split("\n")) <= 14 for label in labels)  # wrapped
    assert assert_no_text_outside(fig) >= dimensions + 2  # labels, title, legend entries
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert len(legend) == 2


def test_radar_with_an_unscored_dimension_keeps_its_spoke_and_says_so() -> None:
    current = scored("discovery", skip_dimension=3)
    assert current.dimensions[3].score is None
    fig = radar_figure(current)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels[3].endswith("(no answers)")
    assert sum("(no answers)" in label for label in labels) == 1
    assert_no_text_outside(fig)
    png_size(radar_chart(current))


def test_radar_without_a_previous_has_one_legend_entry() -> None:
    fig = radar_figure(scored("maturity-levels"))
    assert len(fig.legends[0].get_texts()) == 1
    assert_no_text_outside(fig)


def test_charts_are_deterministic() -> None:
    current, previous = scored("discovery"), scored("discovery", shift=2)
    assert radar_chart(current, previous) == radar_chart(current, previous)
    fw = get_framework("maturity-levels")
    assert trend_chart(points(4, 0.6), fw) == trend_chart(points(4, 0.6), fw)


@pytest.mark.parametrize(
    "framework_id, n, start",
    [("maturity-levels", 5, 0.0), ("maturity-levels", 1, 1.17), ("discovery", 9, 1.0), ("discovery", 1, 5.0)],
)
def test_trend_shades_named_level_bands_and_keeps_labels_inside(framework_id: str, n: int, start: float) -> None:
    framework = get_framework(framework_id)
    data = points(n, start, step=0.45 if framework_id == "discovery" else 0.3)
    png = trend_chart(data, framework)
    width, height = png_size(png)
    assert 500 <= width <= 900 and 500 <= height <= 900
    fig = trend_figure(data, framework)
    band_labels = " ".join(t.get_text() for t in fig.axes[1].get_yticklabels())
    for level in framework.levels:  # every band named (names may be wrapped over two lines)
        assert f"{level.value} {level.name.split()[0]}" in band_labels
    lo, hi = fig.axes[0].get_ylim()
    assert lo < framework.scale.min < framework.scale.max < hi  # the scale, with room for end points
    assert hi - lo < framework.scale.max - framework.scale.min + 0.5
    assert_no_text_outside(fig)


def test_trend_accepts_a_framework_spec_and_no_points() -> None:
    spec = get_framework("discovery").spec()
    png_size(trend_chart([], spec))
    assert_no_text_outside(trend_figure([], spec))


def test_fewer_than_three_dimensions_are_drawn_as_bars() -> None:
    """A custom framework may have two dimensions: a radar of two spokes is no shape, bars are."""
    from scoring.types import DimensionSpec, FrameworkSpec, Scale

    spec = FrameworkSpec(
        "two",
        1,
        Scale(0, 4),
        ("a", "b", "c", "d", "e"),
        (DimensionSpec("x", "X", 0.5, ("q1",)), DimensionSpec("y", "Y", 0.5, ("q2",))),
    )
    png = radar_chart(score(spec, [Answer("a", "q1", 1)]), score(spec, [Answer("a", "q1", 3), Answer("a", "q2", 2)]))
    assert png.startswith(b"\x89PNG")
    fig = radar_figure(score(spec, [Answer("a", "q1", 1)]))
    assert fig.axes[0].name == "rectilinear"
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["X", "Y\n(no answers)"]


def test_the_clipping_check_catches_a_label_that_runs_off_the_figure() -> None:
    fig = radar_figure(scored("maturity-levels"))
    fig.text(0.97, 0.5, "a label that runs off the right edge", in_layout=False)
    with pytest.raises(AssertionError, match="runs off"):
        assert_no_text_outside(fig)


def test_radar_series_differ_in_line_style_and_marker_not_colour_alone() -> None:
    fig = radar_figure(scored("maturity-levels"), scored("maturity-levels", shift=1))
    lines = [line for line in fig.axes[0].get_lines() if line.get_label() and not line.get_label().startswith("_")]
    assert len(lines) == 2
    (a, b) = lines
    assert a.get_linestyle() != b.get_linestyle()
    assert a.get_marker() != b.get_marker()
    assert_no_text_outside(fig)


def test_trend_marks_where_the_framework_version_changes() -> None:
    from conversations.assessments import VersionChange

    framework = get_framework("maturity-levels")
    data = points(4, 1.0, step=0.3)
    change = VersionChange(data[1][0], data[2][0], 1, 2, "1 question new since v1, not in the delta")
    fig = trend_figure(data, framework, [change])
    ax = fig.axes[0]
    lines = [line for line in ax.get_lines() if line.get_gid() == "version-change"]
    assert len(lines) == 1 and lines[0].get_linestyle() == "--"
    half_way = matplotlib.dates.date2num(data[1][0] + (data[2][0] - data[1][0]) / 2)
    assert list(lines[0].get_xdata()) == [half_way, half_way]  # between the last v1 and the first v2 point
    labels = [t for t in ax.texts if t.get_gid() == "version-change"]
    assert [t.get_text() for t in labels] == ["v2"]
    assert_no_text_outside(fig)
    # without changes, no marker; and the marked chart is deterministic, and differs from the unmarked
    assert not [line for line in trend_figure(data, framework).axes[0].get_lines() if line.get_gid()]
    marked = trend_chart(data, framework, [change])
    assert marked == trend_chart(data, framework, [change]) != trend_chart(data, framework)
