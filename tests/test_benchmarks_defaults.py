"""Every benchmark that talks to the stand-in Slack runs under Slack's per-method rate limits unless
told otherwise (issue 14 item 10): its argument parser's defaults, read without running it."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
# A benchmark with a stand-in of its own: it calls make_slack (or builds a StandInSlack).
USES_STANDIN = re.compile(r"\bmake_slack\(|\bStandInSlack\(")
# Always on, no switch: answer_burst exists to measure the bot under the limits; org_view's stand-in
# is make_slack's default.
ALWAYS_ON = {"answer_burst", "org_view"}
# Not the bot's Slack traffic through the stand-in's per-method limits: digests drives the scheduler
# in-process against stand-ins spacing chat.postMessage at --rate per channel (Slack's 1/s, its default).
OWN_LIMITER = {"digests"}


def _with_standin() -> list[str]:
    return sorted(
        path.stem
        for path in BENCHMARKS.glob("*.py")
        if not path.stem.startswith("_") and USES_STANDIN.search(path.read_text(encoding="utf-8"))
    )


def _load(stem: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"benchmark_{stem}", BENCHMARKS / f"{stem}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    sys.path.insert(0, str(BENCHMARKS))  # the benchmarks import _common and each other by name
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCHMARKS))
    return module


def test_the_benchmarks_with_a_standin_are_the_ones_expected() -> None:
    found = set(_with_standin())
    switchable = {"ack_latency", "cpu_per_request", "many_respondents", "memory"}
    assert switchable | ALWAYS_ON <= found, found  # the glob finds them, so the tests below see them


@pytest.mark.parametrize("stem", [s for s in _with_standin() if s not in ALWAYS_ON | OWN_LIMITER])
def test_slack_rate_limits_are_on_by_default(stem: str) -> None:
    module = _load(stem)
    args = module.parse_args([])
    assert getattr(args, "slack_limits", None) is True, f"{stem}: Slack's rate limits are off by default"
    assert module.parse_args(["--no-slack-limits"]).slack_limits is False


@pytest.mark.parametrize("stem", sorted(ALWAYS_ON))
def test_a_benchmark_without_the_switch_turns_the_limits_on(stem: str) -> None:
    source = (BENCHMARKS / f"{stem}.py").read_text(encoding="utf-8")
    calls = re.findall(r"\bmake_slack\(([^)]*)\)", source)
    assert calls, f"{stem} builds its stand-in with make_slack"
    for arguments in calls:  # make_slack's default, or said outright
        assert "slack_rate_limits" not in arguments or "slack_rate_limits=True" in arguments, arguments
    assert not hasattr(_load(stem).parse_args([]), "slack_limits")


def test_the_shared_stand_in_has_the_limits_on_unless_told() -> None:
    common = _load("_common")
    slack = common.make_slack([])
    try:
        assert slack._slack_limits, "make_slack() without arguments must enforce Slack's limits"
    finally:
        slack.stop()
