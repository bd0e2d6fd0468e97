"""Slack-side flows shared by the listeners and the scheduler: open an assessment and post its
threads, refresh a dimension message's progress, finish and post the summary."""

from __future__ import annotations

import heapq
import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import messages
from bot.config import Settings
from bot.digests import post_change_summary
from bot.slack_io import (
    BEST_EFFORT_ERRORS,
    CHANNEL_ERRORS,
    channel_members,
    log_failure,
    post,
    slack_error,
    update,
    upload_files,
)
from conversations.assessments import AssessmentService, Result, spec_from_json, trend_of
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


# An assessment opened this long ago with messages missing was left half-posted by a process that
# stopped (no open takes this long: 5 posts of at most SLACK_TIMEOUT_SECONDS each, and retries).
REPAIR_AFTER = timedelta(minutes=2)


def repair_half_posted(client: WebClient, service: AssessmentService, *, workspace_id: str, channel_id: str) -> int:
    """Post what a stopped process left unposted of the channel's open assessment (its intro, its
    missing dimension threads); returns how many dimension threads were posted (0: nothing to do)."""
    half = service.claim_repair(workspace_id, channel_id, older_than=REPAIR_AFTER)
    if half is None:
        return 0
    framework = get_framework(half.framework_id, half.framework_version)
    if half.intro_ts is None:
        intro_ts = post(client, channel_id, messages.intro_message(framework, None, half.id))
        service.set_intro(workspace_id, half.id, intro_ts)
    posted = 0
    for position, dimension in enumerate(framework.dimensions, 1):
        if dimension.id not in half.missing:
            continue
        ts = post(client, channel_id, messages.dimension_message(framework, dimension, position, half.id))
        service.add_thread(
            workspace_id, half.id, dimension_id=dimension.id, position=position, channel_id=channel_id, ts=ts
        )
        posted += 1
    log.warning(
        "repaired a half-posted assessment",
        extra={"workspace": workspace_id, "channel": channel_id, "assessment": half.id, "threads_posted": posted},
    )
    return max(posted, 1 if half.intro_ts is None else 0)


Key = tuple[str, int, str]  # (workspace, assessment, dimension): one dimension message


@dataclass
class _Pending:
    work: Callable[[], None]
    running: bool = False
    again: bool = False  # asked again while running
    forced: bool = False  # ... and that ask must not wait for the interval
    last: float = float("-inf")  # when the last render finished
    due: float | None = None  # a trailing render is scheduled for then
    timer: int = 0  # which timer entry stands for ``due``


class Refresher:
    """Keeps each dimension message in step with its answers at a bounded cost: at most one render
    (chat.update) per message per ``interval`` seconds, and never two at a time.

    The first answer after a quiet spell renders at once, in the caller's thread. Answers inside the
    interval leave one trailing render for when it ends (run on a timer thread), which reads the
    counts fresh, so the message always ends on the state of the last answer. A burst of hundreds of
    answers costs about one chat.update per message per interval instead of one each: less CPU per
    answer, and well inside Slack's rate limits for chat.update. ``force`` (closing a message) skips
    the wait. ``interval=0`` renders on every request, coalescing only concurrent ones."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = max(0.0, interval)
        self._clock = clock
        self._cond = threading.Condition()
        self._pending: dict[Key, _Pending] = {}
        self._timers: list[tuple[float, int, Key]] = []
        self._seq = 0
        self._thread: threading.Thread | None = None
        self._closed = False

    def request(self, key: Key, work: Callable[[], None], *, force: bool = False) -> None:
        """Ask for ``key``'s message to be rendered by ``work`` (the latest ask's ``work`` runs)."""
        with self._cond:
            state = self._pending.get(key)
            if state is None:
                state = self._pending[key] = _Pending(work)
            state.work = work
            if state.running:
                state.again = True
                state.forced = state.forced or force
                return
            if not force and self._clock() - state.last < self.interval and not self._closed:
                self._schedule(key, state, state.last + self.interval)
                return
            state.running, state.due = True, None
        self._run(key, state)

    def flush(self) -> None:
        """Render every scheduled message now (before the process stops)."""
        with self._cond:
            keys = [key for key, state in self._pending.items() if state.due is not None]
        for key in keys:
            self._fire(key, force=True)

    def close(self, *, flush: bool = True) -> None:
        """Stop the timer thread, first rendering what waits for it (``flush``) or dropping it;
        later requests render at once."""
        with self._cond:
            self._closed = True
            if not flush:
                self._timers.clear()
                for state in self._pending.values():
                    state.due = None
            self._cond.notify_all()
        if flush:
            self.flush()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _schedule(self, key: Key, state: _Pending, due: float) -> None:  # holds the lock
        if state.due is not None:
            return
        state.due = due
        self._seq += 1
        state.timer = self._seq
        heapq.heappush(self._timers, (due, self._seq, key))
        if self._thread is None:
            self._thread = threading.Thread(target=self._timer_loop, name="dimension-refresh", daemon=True)
            self._thread.start()
        self._cond.notify_all()

    def _run(self, key: Key, state: _Pending) -> None:
        """Render until nobody asked again meanwhile; the caller has set ``running``."""
        try:
            while True:
                state.work()
                with self._cond:
                    state.last = self._clock()
                    if state.again and (state.forced or self.interval == 0 or self._closed):
                        state.again = state.forced = False
                        continue
                    if state.again:
                        state.again = False
                        self._schedule(key, state, state.last + self.interval)
                    state.running = False
                    self._forget_idle()
                    return
        except BaseException:
            with self._cond:
                state.running = False
                state.last = self._clock()
                if state.again:
                    state.again = state.forced = False
                    self._schedule(key, state, state.last + self.interval)
            raise

    def _fire(self, key: Key, force: bool = False, timer: int | None = None) -> None:
        with self._cond:
            state = self._pending.get(key)
            if state is None or state.due is None or (timer is not None and timer != state.timer):
                return  # fired already (flushed), or a stale timer entry
            state.due = None
            if state.running:
                state.again = True
                state.forced = state.forced or force
                return
            state.running = True
        try:
            self._run(key, state)
        except Exception:
            log.exception("dimension message refresh failed", extra={"assessment": key[1], "dimension": key[2]})

    def _forget_idle(self) -> None:  # holds the lock
        """Drop the state of messages nobody answered for a while (it only holds their last time)."""
        if len(self._pending) < 256:
            return
        horizon = self._clock() - self.interval
        for key in [k for k, st in self._pending.items() if not st.running and st.due is None and st.last < horizon]:
            del self._pending[key]

    def _timer_loop(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (not self._timers or self._timers[0][0] > self._clock()):
                    timeout = self._timers[0][0] - self._clock() if self._timers else None
                    self._cond.wait(timeout)
                if self._closed:
                    return
                _, timer, key = heapq.heappop(self._timers)
            self._fire(key, timer=timer)


_REFRESHERS: weakref.WeakKeyDictionary[AssessmentService, Refresher] = weakref.WeakKeyDictionary()
_REFRESHERS_LOCK = threading.Lock()


def attach_refresher(service: AssessmentService, interval: float) -> Refresher:
    """One refresher per app (its AssessmentService), so that two apps in one process never share keys."""
    with _REFRESHERS_LOCK:
        refresher = _REFRESHERS[service] = Refresher(interval)
        return refresher


def refresher_for(service: AssessmentService) -> Refresher:
    with _REFRESHERS_LOCK:
        refresher = _REFRESHERS.get(service)
        if refresher is None:
            refresher = _REFRESHERS[service] = Refresher(DEFAULT_REFRESH_SECONDS)
        return refresher


DEFAULT_REFRESH_SECONDS: float = Settings.model_fields["dimension_refresh_seconds"].default


def refresh_dimension(
    client: WebClient,
    service: AssessmentService,
    workspace_id: str,
    assessment_id: int,
    dimension_id: str,
    *,
    force: bool = False,
) -> None:
    """Re-render a dimension message with the current answer counts (throttled and coalesced per
    message; ``force`` renders now, e.g. to close it)."""

    def render() -> None:
        view = service.dimension_view(workspace_id, assessment_id, dimension_id)
        if view is None:
            return
        framework = get_framework(view.message.framework_id, spec_from_json(view.message.spec_json).version)
        update(
            client,
            view.message.channel_id,
            view.message.message_ts,
            messages.dimension_message(
                framework,
                framework.dimension(dimension_id),
                view.message.position,
                assessment_id,
                view.progress,
                closed=view.closed,
            ),
        )

    refresher_for(service).request((workspace_id, assessment_id, dimension_id), render, force=force)


SUMMARY_EVENT = "maturity_summary"
# After a post that got no answer: when to look for it in the channel (seconds after the failure).
SUMMARY_LOOKS = (0.5, 1.5, 3.0)


def summary_metadata(assessment_id: int) -> dict[str, object]:
    """Slack message metadata that marks a summary as the summary of ``assessment_id``."""
    return {"event_type": SUMMARY_EVENT, "event_payload": {"assessment_id": assessment_id}}


def find_posted_summary(
    client: WebClient, channel_id: str, assessment_id: int, looks: tuple[float, ...] = SUMMARY_LOOKS
) -> str | None:
    """The ts of the summary of ``assessment_id`` if Slack posted it after all (a post whose answer
    never came may still land a moment later), found by its metadata among the channel's latest
    messages; None when it is not there after the last look, or the history can't be read."""
    waited = 0.0
    for at in looks:
        time.sleep(max(0.0, at - waited))
        waited = at
        try:
            history = client.conversations_history(channel=channel_id, limit=20, include_all_metadata=True)
        except BEST_EFFORT_ERRORS as exc:
            log.warning("conversations.history failed", extra={"error": slack_error(exc), "channel": channel_id})
            continue
        for message in history.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == SUMMARY_EVENT and payload.get("assessment_id") == assessment_id:
                return str(message["ts"])
    return None


def _png(name: str, title: str, content: bytes) -> dict[str, Any]:
    return {"content": content, "filename": name, "title": title}


def upload_charts(
    client: WebClient, service: AssessmentService, result: Result, channel_id: str, thread_ts: str
) -> str | None:
    """The radar (this assessment against the previous one) and the trend, as PNGs in the summary's
    thread. Returns the error when the upload failed (logged), else None."""
    from bot.charts import radar_chart, trend_chart  # matplotlib: loaded when a chart is drawn

    a = result.assessment
    files = [_png(f"maturity-{a.id}-radar.png", f"Scores by dimension, #{a.id}", radar_chart(result, result.previous))]
    trend = trend_of(service.history(a.workspace_id, channel_id), a.framework_id)
    if trend.points:
        chart = trend_chart(trend.points, result.framework, trend.changes)
        files.append(_png(f"maturity-{a.id}-trend.png", "Overall score over time", chart))
    comment = messages.reply("charts_comment", a.id, result.previous is not None)
    return upload_files(client, channel_id, thread_ts, comment, files)


def finish_assessment(
    client: WebClient,
    service: AssessmentService,
    *,
    workspace_id: str,
    channel_id: str,
    user_id: str | None,
    bot_user_id: str | None,
    tell: Callable[[str], None] | None = None,
) -> Result:
    """Close the channel's open assessment, post the summary, close the dimension messages and upload
    the charts into the summary's thread (a failed upload is logged and told with ``tell``, or in
    the thread when no one asked).

    Raises NoOpenAssessment."""
    members = channel_members(client, channel_id, bot_user_id)
    result = service.finish(
        workspace_id=workspace_id,
        channel_id=channel_id,
        user_id=user_id,
        members=members,
    )
    failure: Exception | None = None
    try:
        ts: str | None = post(
            client, channel_id, messages.summary_message(result), metadata=summary_metadata(result.assessment.id)
        )
    except BEST_EFFORT_ERRORS as exc:
        failure, ts = exc, None
        # Slack said no (an API error): not posted. No answer at all (a timeout, a dropped
        # connection): Slack may have posted it all the same, and it has no idempotency key, so look
        # for it before reopening, or a retried `finish` would post a second summary.
        if not isinstance(exc, SlackApiError):
            ts = find_posted_summary(client, channel_id, result.assessment.id)
            if ts is not None:
                log.warning(
                    "the summary's post got no answer, but Slack had posted it",
                    extra={"error": slack_error(exc), "channel": channel_id, "assessment": result.assessment.id},
                )
    if ts is None:
        assert failure is not None
        # No summary, no close: the assessment is opened again so that `finish` can be retried.
        reopened = service.reopen(workspace_id, result.assessment.id)
        error = slack_error(failure)
        log.error(
            "could not post the summary",
            extra={"error": error, "channel": channel_id, "assessment": result.assessment.id, "reopened": reopened},
        )
        if error in CHANNEL_ERRORS:
            raise ChannelUnreachable(error) from None
        raise SummaryNotPosted(error, reopened) from None
    service.set_summary_ts(workspace_id, result.assessment.id, ts)
    if result.previous is not None:
        post_change_summary(client, service, result, channel_id)
    for thread in result.assessment.threads:
        refresh_dimension(client, service, workspace_id, result.assessment.id, thread.dimension_id, force=True)
    error = upload_charts(client, service, result, channel_id, ts)
    if error is not None:
        note = messages.reply("charts_failed", error)
        if tell is not None:
            tell(note)
        else:  # the scheduler's close: no one asked, so the summary's thread says it
            try:
                client.chat_postMessage(channel=channel_id, thread_ts=ts, text=note)
            except BEST_EFFORT_ERRORS as exc:
                log_failure("chat.postMessage", exc, channel=channel_id)
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
