"""Slack-side flows shared by listeners and (later) the scheduler: open an assessment and post its
threads, refresh a dimension message's progress, finish and post the summary."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import messages
from bot.slack_io import BEST_EFFORT_ERRORS, CHANNEL_ERRORS, channel_members, post, slack_error, update
from conversations.assessments import AssessmentService, Result
from conversations.frameworks import Framework, get_framework

log = logging.getLogger("maturity.flows")


class ChannelUnreachable(Exception):
    """The bot cannot post in the channel (not invited, archived, gone)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class SummaryNotPosted(Exception):
    """Slack would not take the summary; the assessment was opened again (``reopened``) so that
    `/maturity finish` can be retried."""

    def __init__(self, error: str, reopened: bool) -> None:
        super().__init__(error)
        self.error = error
        self.reopened = reopened


@dataclass(frozen=True)
class Opened:
    assessment_id: int
    framework: Framework
    intro_ts: str


def open_assessment(
    client: WebClient,
    service: AssessmentService,
    *,
    workspace_id: str,
    channel_id: str,
    channel_name: str | None,
    user_id: str | None,
    framework_id: str | None,
    trigger: str = "manual",
) -> Opened:
    """Open an assessment and post the intro plus one message (thread) per dimension.

    Raises AssessmentAlreadyOpen, UnknownFrameworkError, or ChannelUnreachable (the assessment is
    then cancelled again, so nothing is left half-open)."""
    assessment, framework = service.open(
        workspace_id=workspace_id,
        channel_id=channel_id,
        channel_name=channel_name,
        user_id=user_id,
        framework_id=framework_id,
        trigger=trigger,
    )
    try:
        intro_ts = post(client, channel_id, messages.intro_message(framework, user_id, assessment.id))
        service.set_intro(workspace_id, assessment.id, intro_ts)
        for position, dimension in enumerate(framework.dimensions, 1):
            ts = post(client, channel_id, messages.dimension_message(framework, dimension, position, assessment.id))
            service.add_thread(
                workspace_id,
                assessment.id,
                dimension_id=dimension.id,
                position=position,
                channel_id=channel_id,
                ts=ts,
            )
    except SlackApiError as exc:
        error = slack_error(exc)
        log.warning(
            "could not post the assessment; cancelled it",
            extra={"error": error, "channel": channel_id, "assessment": assessment.id},
        )
        service.cancel(workspace_id=workspace_id, channel_id=channel_id, user_id=None)
        raise ChannelUnreachable(error) from None
    log.info(
        "assessment opened",
        extra={
            "workspace": workspace_id,
            "channel": channel_id,
            "assessment": assessment.id,
            "framework": framework.id,
        },
    )
    return Opened(assessment.id, framework, intro_ts)


class _Coalescer:
    """Runs at most one refresh per key at a time; requests that arrive meanwhile make the running
    one go round again (reading fresh counts), so the last render always reflects the last commit
    and a burst of answers costs a few chat.update calls, not one each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: dict[tuple[str, int, str], bool] = {}  # key -> "asked again while running"

    def run(self, key: tuple[str, int, str], work: Callable[[], None]) -> None:
        with self._lock:
            if key in self._state:
                self._state[key] = True
                return
            self._state[key] = False
        try:
            while True:
                work()
                with self._lock:
                    if not self._state[key]:
                        del self._state[key]
                        return
                    self._state[key] = False
        except BaseException:
            with self._lock:
                self._state.pop(key, None)
            raise


def _coalescer(service: AssessmentService) -> _Coalescer:
    """One per app (its AssessmentService), so that two apps in one process never share keys."""
    with _COALESCER_LOCK:
        coalescer = getattr(service, "_refreshes", None)
        if coalescer is None:
            coalescer = service._refreshes = _Coalescer()  # type: ignore[attr-defined]
        return coalescer


_COALESCER_LOCK = threading.Lock()


def refresh_dimension(
    client: WebClient, service: AssessmentService, workspace_id: str, assessment_id: int, dimension_id: str
) -> None:
    """Re-render a dimension message with the current answer counts (coalesced per message)."""

    def render() -> None:
        assessment, progress = service.dimension_state(workspace_id, assessment_id, dimension_id)
        framework = get_framework(assessment.framework_id)
        position = next(i for i, d in enumerate(framework.dimensions, 1) if d.id == dimension_id)
        thread = next(t for t in assessment.threads if t.dimension_id == dimension_id)
        update(
            client,
            thread.channel_id,
            thread.message_ts,
            messages.dimension_message(
                framework,
                framework.dimension(dimension_id),
                position,
                assessment_id,
                progress,
                closed=assessment.status != "open",
            ),
        )

    _coalescer(service).run((workspace_id, assessment_id, dimension_id), render)


def finish_assessment(
    client: WebClient,
    service: AssessmentService,
    *,
    workspace_id: str,
    channel_id: str,
    user_id: str | None,
    bot_user_id: str | None,
) -> Result:
    """Close the channel's open assessment, post the summary, and close the dimension messages.

    Raises NoOpenAssessment."""
    members = channel_members(client, channel_id, bot_user_id)
    result = service.finish(
        workspace_id=workspace_id,
        channel_id=channel_id,
        user_id=user_id,
        member_count=len(members) if members is not None else None,
    )
    try:
        ts = post(client, channel_id, messages.summary_message(result))
    except BEST_EFFORT_ERRORS as exc:
        # No summary, no close: the assessment is opened again so that `finish` can be retried.
        reopened = service.reopen(workspace_id, result.assessment.id)
        log.error(
            "could not post the summary",
            extra={
                "error": slack_error(exc),
                "channel": channel_id,
                "assessment": result.assessment.id,
                "reopened": reopened,
            },
        )
        if slack_error(exc) in CHANNEL_ERRORS:
            raise ChannelUnreachable(slack_error(exc)) from None
        raise SummaryNotPosted(slack_error(exc), reopened) from None
    service.set_summary_ts(workspace_id, result.assessment.id, ts)
    if result.previous is not None:
        from bot.digests import post_change_summary

        post_change_summary(client, service, result, channel_id)
    for thread in result.assessment.threads:
        refresh_dimension(client, service, workspace_id, result.assessment.id, thread.dimension_id)
    log.info(
        "assessment closed",
        extra={
            "workspace": workspace_id,
            "channel": channel_id,
            "assessment": result.assessment.id,
            "overall": result.score.overall,
            "respondents": result.score.respondents,
        },
    )
    return result
