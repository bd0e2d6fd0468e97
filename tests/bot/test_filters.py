"""The one jinja2 environment's filters, shared by Slack messages and reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import jinja2
import pytest

from bot import reports, templating
from bot.templating import FILTERS, date, environment, esc, md, pct, signed


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "—"),
        (0.33333, "+0.33"),
        (-0.25, "\u22120.25"),
        (0.125, "+0.13"),  # rounded like the scores, half away from zero on the decimal value
        (-0.125, "\u22120.13"),
        (0.0, "0.00"),
        (0.004, "0.00"),  # rounds to zero: no sign
        (-0.004, "0.00"),
        (2.675, "+2.68"),
    ],
)
def test_signed(value: float | None, shown: str) -> None:
    assert signed(value) == shown


def test_date_is_the_day_in_utc_unless_a_zone_is_given() -> None:
    evening_in_new_york = datetime(2024, 1, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert date(evening_in_new_york) == "2024-01-02"
    assert date(evening_in_new_york, "America/New_York") == "2024-01-01"
    assert date(datetime(2024, 1, 2, 1, 0, tzinfo=UTC), "Pacific/Auckland") == "2024-01-02"
    assert date(datetime(2024, 1, 2, 1, 0, tzinfo=UTC), timezone(timedelta(hours=-2))) == "2024-01-01"
    assert date(datetime(2024, 3, 4, 23, 59)) == "2024-03-04"  # no zone: taken as UTC, not local time
    assert date(None) == "—"


def test_pct() -> None:
    assert pct(0.25) == "25%"
    assert pct(1 / 3) == "33%"
    assert pct(None) == "—"


def test_esc_escapes_mrkdwn_control_characters() -> None:
    assert esc("<@U1> & <!channel>") == "&lt;@U1&gt; &amp; &lt;!channel&gt;"
    assert esc(3) == "3"


def test_md_escapes_markdown_and_keeps_a_table_cell_on_one_line() -> None:
    assert md("a|b *c* `d`\n[e](f) <g>") == r"a\|b \*c\* \`d\` \[e\](f) \<g\>"


def test_score_and_arrow_are_the_engines() -> None:
    assert environment().filters["score"](None) == "—"
    assert environment().filters["score"](2.675) == "2.68"
    assert [environment().filters["arrow"](x) for x in (0.5, -0.5, 0.0, None)] == ["▲", "▼", "▶", "·"]


def test_every_filter_is_in_the_one_environment() -> None:
    env = environment()
    assert env is environment()  # built once
    for name, function in FILTERS.items():
        assert env.filters[name] is function


def test_autoescaping_is_chosen_by_file_name() -> None:
    env = environment()
    assert env.autoescape("report.html.j2") is True  # type: ignore[operator]
    assert env.autoescape("page.html") is True  # type: ignore[operator]
    for name in ("report.md.j2", "summary.j2", "help.j2", None):
        assert env.autoescape(name) is False, name  # type: ignore[operator]


def test_the_reports_render_through_the_one_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    original = templating.environment().get_template

    def spy(name: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(name)
        return original(name, *args, **kwargs)

    monkeypatch.setattr(templating.environment(), "get_template", spy)
    with pytest.raises(jinja2.UndefinedError):
        reports.render_markdown(SimpleNamespace())  # type: ignore[arg-type]
    assert seen == ["report.md.j2"]
