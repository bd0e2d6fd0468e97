"""The scheduler: recurring check-ins, reminders, auto-close and roadmap digests.

``CheckInScheduler.run_due(now)`` does one pass over every active schedule; ``start()`` runs it every
``tick_seconds`` on an APScheduler ``BackgroundScheduler`` (plus once at start: the catch-up of
anything missed while the process was down). Per team and pass, in this order:

1. **close** a scheduled assessment open for ``close_after_hours`` — posts the summary (and the
   change summary when a previous assessment exists);
2. **check-in** at the latest cron occurrence that is due and after the schedule was set: opens an
   assessment of the team's framework (``trigger='scheduled'``); several missed occurrences
   coalesce into one; if an assessment is already open nothing is posted (``skipped-open``);
3. **reminder** for a scheduled assessment open for ``reminder_after_hours``: each channel member
   with a dimension left is reminded once, at the first pass within the schedule's reminder hours
   (9-17 unless set) of their own day — their Slack timezone, with its daylight saving, else the
   team's; those due in one pass share a message per set of dimensions left, in the intro's thread,
   naming the dimensions with links to their threads (ephemeral notes instead, in anonymity mode);
4. **digest** at the latest ``digest_cron`` occurrence: the roadmap digest.

Exactly once across replicas: each job is first claimed in the database (``job_runs``, unique per
team × job × period: the occurrence's UTC time, or the assessment id) and only the claimant acts.
A claimed job that fails is recorded with ``outcome='error'`` and not retried automatically.

Slack errors never stop the pass: 429s are retried by the client after Retry-After (see
``bot.services.make_client``); ``channel_not_found``, ``not_in_channel``, ``is_archived`` pause that
team's schedule and ``account_inactive``, ``token_revoked``, ``invalid_auth`` pause the workspace's
(``paused_reason`` stored, a warning logged); anything else is logged and the other teams go on.

Time is injectable (``clock``, or ``run_due(now)``), so tests move the clock instead of sleeping.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import flows
from bot.digests import MENTIONS_PER_MESSAGE, digest_message, post_change_summary, reminder_text, user_names
from bot.services import ClientFactory, Services
from bot.slack_io import channel_members, member_timezone, post, slack_error
from conversations import jobs
from conversations.assessments import AssessmentAlreadyOpen, AssessmentService, DimensionLeft, NoOpenAssessment
from conversations.frameworks import get_framework
from conversations.jobs import ScheduledAssessment as _OpenAssessment
from conversations.jobs import TeamWork
from conversations.plans import PlanService
from conversations.schedules import ScheduleError as _ScheduleError
from conversations.schedules import ScheduleSnapshot, latest_fire, pause_workspace, period_key, validate_timezone
from storage import clock

__all__ = [
    "NO_INSTALLATION",
    "PAUSE_ERRORS",
    "WORKSPACE_ERRORS",
    "CheckInScheduler",
    "ClientFactory",
    "JobOutcome",
    "TickReport",
    "start_scheduler",
    "user_timezone",
]

log = logging.getLogger("maturity.scheduler")

# Slack errors after which posting to the team again is pointless until someone fixes something.
NO_INSTALLATION = "no_installation"  # OAuth mode: no bot token stored for the workspace
WORKSPACE_ERRORS = frozenset({"account_inactive", "token_revoked", "invalid_auth", NO_INSTALLATION})
PAUSE_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived"}) | WORKSPACE_ERRORS

# A check-in claimed this recently and not finished is still being posted: its assessment gets no
# reminder or close yet (older unfinished claims are from a process that died mid-way).
CHECKIN_IN_FLIGHT = timedelta(hours=1)

# While a check-in's reminders are due, every pass looks for members to remind: a channel's member
# list fetched this many seconds ago is good enough (a member who joins is reminded a little later).
REMINDER_MEMBERS_MAX_AGE = 300.0

# workspace id -> a WebClient with that workspace's bot token (None: not installed there).


def _utcnow() -> datetime:
    return clock.now()


def user_timezone(client: WebClient, user_id: str) -> str | None:
    """The IANA zone of a member's Slack profile (``users.info``), None when Slack won't say."""
    try:
        user = client.users_info(user=user_id).get("user") or {}
    except SlackApiError as exc:
        log.info("users.info failed", extra={"error": slack_error(exc), "user": user_id})
        return None
    tz = user.get("tz")
    if not tz:
        return None
    try:
        return validate_timezone(str(tz))
    except _ScheduleError:
        return None


# --- reports --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobOutcome:
    workspace_id: str
    channel_id: str
    job: str  # checkin | reminder | close | digest
    period_key: str
    outcome: str  # opened | skipped-open | posted | nobody | no-members | closed | already-closed |
    # skipped-no-result | paused | error


@dataclass
class TickReport:
    """What one ``run_due`` pass did (only jobs this process claimed)."""

    now: datetime
    outcomes: list[JobOutcome] = field(default_factory=list)
    paused: list[tuple[str, str, str]] = field(default_factory=list)  # (workspace, channel, reason)
    errors: int = 0
    teams: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, outcome: JobOutcome) -> None:
        with self._lock:
            self.outcomes.append(outcome)
            if outcome.outcome == "error":
                self.errors += 1

    def add_paused(self, workspace_id: str, channel_id: str, reason: str) -> None:
        with self._lock:
            self.paused.append((workspace_id, channel_id, reason))

    def count(self, job: str, outcome: str | None = None) -> int:
        with self._lock:
            return sum(1 for o in self.outcomes if o.job == job and (outcome is None or o.outcome == outcome))

    @property
    def checkins(self) -> int:
        return self.count("checkin", "opened")

    @property
    def reminders(self) -> int:
        """Members reminded (a reminder job is one member's, once per check-in)."""
        return self.count("reminder", "posted")

    @property
    def closes(self) -> int:
        return self.count("close", "closed")

    @property
    def digests(self) -> int:
        return self.count("digest", "posted")


class _NoInstallation(Exception):
    """The client factory has no bot token for the workspace (OAuth mode)."""


class _Paused(Exception):
    """The team's (or workspace's) schedule was paused: stop its remaining jobs this pass."""


@dataclass
class _Tick:
    now: datetime
    report: TickReport
    gone: set[str] = field(default_factory=set)  # workspaces paused as a whole during this pass
    clients: dict[str, WebClient | None] = field(default_factory=dict)  # per workspace, for this pass
    lock: threading.Lock = field(default_factory=threading.Lock)


# --- the scheduler --------------------------------------------------------------------------------


class CheckInScheduler:
    """Runs scheduled check-ins, reminders, auto-closes and digests; see the module docstring.

    ``service``: the assessments it opens, reminds of and closes; ``client_for``: the client that
    posts in a workspace (``Services.client_for``; None for a workspace without an installation).
    ``misfire_grace``: a missed occurrence older than this is skipped (None: the latest missed one
    always fires once). ``max_workers``: teams handled in parallel within a pass.
    """

    JOB_ID = "maturity-run-due"

    def __init__(
        self,
        service: AssessmentService,
        client_for: ClientFactory,
        *,
        clock: Callable[[], datetime] = _utcnow,
        process_id: str | None = None,
        tick_seconds: int = 60,
        max_workers: int = 8,
        misfire_grace: timedelta | None = None,
    ) -> None:
        if tick_seconds < 1:
            raise ValueError("tick_seconds must be at least 1")
        self._client_for = client_for
        self.service = service
        self.db = self.service.db
        self.clock = clock
        self.process_id = process_id or jobs.process_identity()
        self.tick_seconds = tick_seconds
        self.max_workers = max(1, max_workers)
        self.misfire_grace = misfire_grace
        self._bot_users: dict[str, str | None] = {}
        self._bot_users_lock = threading.Lock()
        # (team id, job) -> the last key this process tried to claim: later passes skip it without
        # touching the database (every pass would otherwise re-try the claim of a done occurrence).
        self._handled: dict[tuple[int, str], str] = {}
        self._handled_lock = threading.Lock()
        self._scheduler: BackgroundScheduler | None = None
        self._run_lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Run ``run_due`` now (catch-up after downtime) and then every ``tick_seconds``, in a
        background thread. At most one pass at a time; late ticks coalesce."""
        if self._scheduler is not None:
            return
        scheduler = BackgroundScheduler(timezone=UTC)
        scheduler.add_job(
            self._tick,
            IntervalTrigger(seconds=self.tick_seconds, timezone=UTC),
            id=self.JOB_ID,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=self.tick_seconds,
            next_run_time=datetime.now(UTC),
        )
        scheduler.start()
        self._scheduler = scheduler
        log.info("scheduler started", extra={"tick_seconds": self.tick_seconds, "process_id": self.process_id})

    def shutdown(self, wait: bool = True) -> None:
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=wait)
            log.info("scheduler stopped", extra={"process_id": self.process_id})

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    def _tick(self) -> None:
        try:
            report = self.run_due()
        except Exception:
            log.exception("scheduler pass failed")
            return
        if report.outcomes or report.paused:
            log.info(
                "scheduler pass",
                extra={
                    "teams": report.teams,
                    "checkins": report.checkins,
                    "reminders": report.reminders,
                    "closes": report.closes,
                    "digests": report.digests,
                    "paused": len(report.paused),
                    "errors": report.errors,
                },
            )

    # -- one pass ----------------------------------------------------------------------------------

    def run_due(self, now: datetime | None = None) -> TickReport:
        """Do everything due at ``now`` (default: the clock) that no process has claimed yet."""
        now = now or self.clock()
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        tick = _Tick(now=now, report=TickReport(now=now))
        with self._run_lock:
            work: list[TeamWork] = []
            for workspace_id in jobs.scheduled_workspaces(self.db):
                work.extend(jobs.teams_of_workspace(self.db, workspace_id, in_flight_since=now - CHECKIN_IN_FLIGHT))
            tick.report.teams = len(work)
            workers = min(self.max_workers, len(work))
            if workers <= 1:
                for team in work:
                    self._run_team(tick, team.schedule, team.open_assessment)
            else:
                with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scheduler") as pool:
                    futures = [pool.submit(self._run_team, tick, t.schedule, t.open_assessment) for t in work]
                    for future in futures:
                        future.result()
        return tick.report

    def _run_team(self, tick: _Tick, snap: ScheduleSnapshot, open_one: _OpenAssessment | None) -> None:
        if snap.workspace_id in tick.gone:
            return

        def client() -> WebClient:  # looked up only when something is due, once per workspace and pass
            return self._client(tick, snap.workspace_id)

        try:
            if open_one is not None and open_one.opened_at + timedelta(hours=snap.close_after_hours) <= tick.now:
                outcome = self._job(
                    tick, snap, "close", str(open_one.id), lambda: self._close(client(), snap, open_one, tick.now)
                )
                if outcome in ("closed", "already-closed", None):
                    open_one = None
            if snap.checkin_cron is not None:
                fire = latest_fire(snap.checkin_cron, snap.timezone, tick.now, self._not_before(tick, snap))
                if fire is not None:
                    self._job(tick, snap, "checkin", period_key(fire), lambda: self._checkin(client(), snap, tick.now))
            if (
                open_one is not None
                and snap.reminder_enabled
                and open_one.opened_at + timedelta(hours=snap.reminder_after_hours) <= tick.now
            ):
                self._remind_due(tick, snap, open_one, client)
            if snap.digest_cron is not None:
                fire = latest_fire(snap.digest_cron, snap.timezone, tick.now, self._not_before(tick, snap))
                if fire is not None:
                    self._job(tick, snap, "digest", period_key(fire), lambda: self._digest(client(), snap, tick.now))
        except _Paused:
            pass
        except Exception:
            log.exception(
                "scheduled work failed for a team",
                extra={"workspace": snap.workspace_id, "channel": snap.channel_id},
            )
            with tick.report._lock:
                tick.report.errors += 1

    def _client(self, tick: _Tick, workspace_id: str) -> WebClient:
        with tick.lock:
            if workspace_id in tick.clients:
                found = tick.clients[workspace_id]
            else:
                found = tick.clients[workspace_id] = self._client_for(workspace_id)
        if found is None:
            raise _NoInstallation(workspace_id)
        return found

    def _not_before(self, tick: _Tick, snap: ScheduleSnapshot) -> datetime:
        if self.misfire_grace is None:
            return snap.updated_at
        return max(snap.updated_at, tick.now - self.misfire_grace)

    def _job(self, tick: _Tick, snap: ScheduleSnapshot, job: str, key: str, action: Callable[[], str]) -> str | None:
        """Claim (team, job, key); if this process won, act and record the outcome. None when another
        process (or an earlier pass) has it. Raises _Paused after pausing on a channel/auth error."""
        if snap.workspace_id in tick.gone:
            raise _Paused()
        marker = (snap.team_id, job)
        with self._handled_lock:
            if self._handled.get(marker) == key:
                return None
        claimed = jobs.claim_job(
            self.db, snap.workspace_id, snap.team_id, job, key, process_id=self.process_id, now=tick.now
        )
        with self._handled_lock:
            self._handled[marker] = key
        if not claimed:
            return None
        outcome = "error"
        paused: str | None = None
        try:
            outcome = action()
        except Exception as exc:
            error = _slack_error_code(exc)
            if error in PAUSE_ERRORS:
                outcome, paused = "paused", error
            else:
                log.error(
                    "scheduled job failed",
                    exc_info=exc,
                    extra={
                        "workspace": snap.workspace_id,
                        "channel": snap.channel_id,
                        "job": job,
                        "period": key,
                        "error": error,
                    },
                )
        finally:
            jobs.finish_job(self.db, snap.workspace_id, snap.team_id, job, key, outcome, now=tick.now)
            tick.report.add(JobOutcome(snap.workspace_id, snap.channel_id, job, key, outcome))
        if paused is not None:
            self._pause(tick, snap, paused, job)
            raise _Paused(paused)
        return outcome

    def _pause(self, tick: _Tick, snap: ScheduleSnapshot, error: str, job: str) -> None:
        """Pause the team's schedule (channel errors) or the workspace's (token errors, no
        installation), store the reason and log it once."""
        workspace_wide = error in WORKSPACE_ERRORS
        if workspace_wide:
            with tick.lock:
                if snap.workspace_id in tick.gone:
                    return  # another thread of this pass paused it already
                tick.gone.add(snap.workspace_id)
        if workspace_wide:
            count = pause_workspace(self.db, snap.workspace_id, error, now=tick.now)
        else:
            count = jobs.pause_team(self.db, snap.workspace_id, snap.team_id, error, now=tick.now)
        tick.report.add_paused(snap.workspace_id, snap.channel_id, error)
        log.warning(
            "schedule paused: nothing more is posted there until someone runs /maturity schedule resume",
            extra={
                "workspace": snap.workspace_id,
                "channel": snap.channel_id,
                "job": job,
                "error": error,
                "scope": "workspace" if workspace_wide else "team",
                "paused_schedules": count,
            },
        )

    # -- the jobs ----------------------------------------------------------------------------------

    def _bot_user_id(self, workspace_id: str, client: WebClient) -> str | None:
        with self._bot_users_lock:
            if workspace_id in self._bot_users:
                return self._bot_users[workspace_id]
        try:
            bot_user = client.auth_test().get("user_id")
        except SlackApiError as exc:
            if slack_error(exc) in PAUSE_ERRORS:
                raise
            log.warning("auth.test failed", extra={"workspace": workspace_id, "error": slack_error(exc)})
            return None
        with self._bot_users_lock:
            self._bot_users[workspace_id] = bot_user
        return bot_user

    def _checkin(self, client: WebClient, snap: ScheduleSnapshot, now: datetime) -> str:
        try:
            opened = flows.open_assessment(
                client,
                self.service,
                workspace_id=snap.workspace_id,
                channel_id=snap.channel_id,
                channel_name=snap.channel_name,
                user_id=None,
                framework_id=snap.framework_id,
                trigger="scheduled",
            )
        except AssessmentAlreadyOpen as exc:
            log.info(
                "scheduled check-in skipped: an assessment is open",
                extra={"workspace": snap.workspace_id, "channel": snap.channel_id, "assessment": exc.assessment_id},
            )
            return "skipped-open"
        jobs.stamp_opened_at(self.db, snap.workspace_id, opened.assessment_id, now)
        return "opened"

    def _close(self, client: WebClient, snap: ScheduleSnapshot, open_one: _OpenAssessment, now: datetime) -> str:
        current = self.service.open_assessment(snap.workspace_id, snap.channel_id)
        if current is None or current.id != open_one.id:
            return "already-closed"
        try:
            result = flows.finish_assessment(
                client,
                self.service,
                workspace_id=snap.workspace_id,
                channel_id=snap.channel_id,
                user_id=None,
                bot_user_id=self._bot_user_id(snap.workspace_id, client),
            )
        except NoOpenAssessment:
            return "already-closed"
        jobs.stamp_closed_at(self.db, snap.workspace_id, result.assessment.id, now)
        if result.previous is not None:
            post_change_summary(client, self.service, result, snap.channel_id)  # once, whoever calls it
        return "closed"

    def _remind_due(
        self, tick: _Tick, snap: ScheduleSnapshot, open_one: _OpenAssessment, client: Callable[[], WebClient]
    ) -> None:
        """The reminder, member by member: each channel member with a dimension left is reminded
        once per check-in (a claim per member, ``<assessment id>:<user id>``), at the first pass
        within the reminder hours of their own day (their Slack timezone, else the team's). Raises
        _Paused after pausing on a channel/auth error."""
        if snap.workspace_id in tick.gone:
            raise _Paused()
        try:
            self._remind(client(), tick, snap, open_one)
        except _Paused:
            raise
        except Exception as exc:
            error = _slack_error_code(exc)
            if error not in PAUSE_ERRORS:
                raise
            self._pause(tick, snap, error, "reminder")
            raise _Paused(error) from exc

    def _remind(self, client: WebClient, tick: _Tick, snap: ScheduleSnapshot, open_one: _OpenAssessment) -> None:
        try:
            status = self.service.status(snap.workspace_id, snap.channel_id)
        except NoOpenAssessment:
            return
        if status.assessment.id != open_one.id:
            return
        bot_user = self._bot_user_id(snap.workspace_id, client)
        members = channel_members(client, snap.channel_id, bot_user, max_age=REMINDER_MEMBERS_MAX_AGE)
        if members is None:
            return
        # Everyone with a dimension left, not only those who answered nothing: each is told which.
        waiting = self.service.unanswered(snap.workspace_id, open_one.id, sorted(set(members)))
        if not waiting:
            return
        done = jobs.reminded_members(self.db, snap.workspace_id, snap.team_id, open_one.id)
        if done is None:
            return  # reminded as a whole by a release before reminders were per member
        due = {
            user: left
            for user, left in waiting.items()
            if user not in done and snap.in_reminder_hours(tick.now, member_timezone(client, user))
        }
        if not due:
            return
        won = jobs.claim_jobs(
            self.db,
            snap.workspace_id,
            snap.team_id,
            "reminder",
            [f"{open_one.id}:{user}" for user in due],
            process_id=self.process_id,
            now=tick.now,
        )
        claimed = {user: left for user, left in due.items() if f"{open_one.id}:{user}" in won}
        if not claimed:
            return
        outcomes = dict.fromkeys(claimed, "error")
        paused: str | None = None
        try:
            self._post_reminders(client, snap, open_one, claimed, outcomes)
        except Exception as exc:
            error = _slack_error_code(exc)
            if error in PAUSE_ERRORS:
                paused = error
                outcomes.update({u: "paused" for u, o in outcomes.items() if o == "error"})
            else:
                log.error(
                    "scheduled reminder failed",
                    exc_info=exc,
                    extra={"workspace": snap.workspace_id, "channel": snap.channel_id, "error": error},
                )
        finally:
            keyed = {f"{open_one.id}:{user}": outcome for user, outcome in outcomes.items()}
            jobs.finish_jobs(self.db, snap.workspace_id, snap.team_id, "reminder", keyed, now=tick.now)
            for user, outcome in outcomes.items():
                key = f"{open_one.id}:{user}"
                tick.report.add(JobOutcome(snap.workspace_id, snap.channel_id, "reminder", key, outcome))
        if paused is not None:
            self._pause(tick, snap, paused, "reminder")
            raise _Paused(paused)

    def _post_reminders(
        self,
        client: WebClient,
        snap: ScheduleSnapshot,
        open_one: _OpenAssessment,
        due: dict[str, tuple[DimensionLeft, ...]],
        outcomes: dict[str, str],
    ) -> None:
        """Post the reminders of ``due`` (member -> dimensions left), marking each member's outcome
        ``posted`` as their message goes."""
        framework = get_framework(open_one.framework_id)
        closes_at = open_one.opened_at + timedelta(hours=snap.close_after_hours)
        links = _thread_links(client, snap.channel_id, {d for left in due.values() for d in left})
        anonymous = self.service.is_anonymous(snap.workspace_id, snap.channel_id)

        def text(users: list[str], left: tuple[DimensionLeft, ...]) -> str:
            return reminder_text(
                users, open_one.id, framework, left, links=links, closes_at=closes_at, timezone=snap.timezone
            )

        if anonymous:  # naming who has not answered would tell the channel who has
            for user, left in due.items():
                client.chat_postEphemeral(
                    channel=snap.channel_id, user=user, thread_ts=open_one.intro_ts, text=text([user], left)
                )
                outcomes[user] = "posted"
            return
        # One message per set of dimensions left, mentioning the members who have left exactly those.
        groups: dict[tuple[DimensionLeft, ...], list[str]] = {}
        for user, left in due.items():
            groups.setdefault(left, []).append(user)
        for left, users in groups.items():
            for start in range(0, len(users), MENTIONS_PER_MESSAGE):
                chunk = users[start : start + MENTIONS_PER_MESSAGE]
                client.chat_postMessage(channel=snap.channel_id, thread_ts=open_one.intro_ts, text=text(chunk, left))
                outcomes.update(dict.fromkeys(chunk, "posted"))

    def _digest(self, client: WebClient, snap: ScheduleSnapshot, now: datetime) -> str:
        result = self.service.latest_result(snap.workspace_id, snap.channel_id)
        if result is None:
            return "skipped-no-result"
        planner = PlanService(self.db)
        plan = planner.digest(snap.workspace_id, snap.channel_id, now)
        owners: dict[str, str] = {}
        if plan is not None:
            owners = user_names(client, [v.item.owner_id for v in plan.open + plan.done_since if v.item.owner_id])
        post(client, snap.channel_id, digest_message(result.framework, result, now, plan, owners))
        if plan is not None:
            planner.mark_mentioned(snap.workspace_id, sorted(plan.mention))  # each overdue owner mentioned once
        return "posted"


def start_scheduler(services: Services) -> CheckInScheduler | None:
    """Check-ins, reminders, auto-close and digests in this process, as ``maturity serve``,
    ``maturity socket`` and ``maturity demo`` run them (None when SCHEDULER_ENABLED is false)."""
    settings = services.settings
    if not settings.scheduler_enabled:
        return None
    scheduler = CheckInScheduler(
        services.assessments, services.client_for, tick_seconds=settings.scheduler_tick_seconds
    )
    scheduler.start()
    return scheduler


def _thread_links(client: WebClient, channel_id: str, dimensions: set[DimensionLeft]) -> dict[str, str]:
    """Dimension id -> the permalink of its thread (``chat.getPermalink``, once per dimension); a
    dimension Slack gives no link for is named without one."""
    links: dict[str, str] = {}
    for ts, dimension_id in sorted({(d.message_ts, d.dimension_id) for d in dimensions if d.message_ts}):
        try:
            link = client.chat_getPermalink(channel=channel_id, message_ts=ts).get("permalink")
        except SlackApiError as exc:
            if slack_error(exc) in PAUSE_ERRORS:
                raise
            log.info("chat.getPermalink failed", extra={"error": slack_error(exc), "channel": channel_id})
            continue
        if link:
            links[dimension_id] = str(link)
    return links


def _slack_error_code(exc: BaseException) -> str | None:
    if isinstance(exc, flows.ChannelUnreachable):
        return exc.error
    if isinstance(exc, SlackApiError):
        return slack_error(exc)
    if isinstance(exc, _NoInstallation):
        return NO_INSTALLATION
    return None
