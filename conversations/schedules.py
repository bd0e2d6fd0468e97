"""Recurring check-ins and roadmap digests, Slack-free: the ``/maturity schedule`` argument, cron
arithmetic in a team's timezone, and the schedule service the listener and the scheduler call.

``/maturity schedule`` forms (words are case-insensitive)::

    quarterly | monthly | weekly | off | <5-field cron>   the check-in cadence
    digest quarterly | monthly | weekly | off | <cron>     the roadmap digest's cadence (default monthly)
    tz Europe/Berlin                                      the timezone the cron is read in
    reminders off | on | 48h | 2d                         the reminder to members who have not answered
    close 7d | 72h                                        how long a check-in stays open
    hours 8-16                                            the reminder's working hours (default 9-17),
                                                          in each member's own Slack timezone
    resume                                                un-pause (any change above also resumes)

and ``tz=…``, ``remind=…``, ``close=…``, ``hours=…``, ``digest=quarterly|monthly|weekly|off`` may follow any form,
e.g. ``/maturity schedule monthly tz=America/New_York remind=24h close=3d``.

Cron expressions are standard crontab (minute hour day-of-month month weekday; weekday 0 or 7 =
Sunday, names allowed), evaluated with APScheduler's ``CronTrigger`` in the schedule's IANA zone. As
in APScheduler, when both day-of-month and weekday are restricted both must match (``0 9 1-7 * mon``
is the first Monday). Check-ins run at most hourly: the minute field must be a single minute.

Times crossing a DST change: an occurrence in the skipped hour fires once (at the shifted instant);
an occurrence in the repeated hour fires once, at its first instant.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.orm import Session

from conversations.frameworks import default_framework
from conversations.text import clip
from storage import repo
from storage import schedules as store
from storage.db import Database
from storage.models import DEFAULT_DIGEST_CRON, Schedule, utcnow

__all__ = [
    "DEFAULT_CLOSE_AFTER_HOURS",
    "DEFAULT_DIGEST_CRON",
    "DEFAULT_REMINDER_AFTER_HOURS",
    "DEFAULT_REMINDER_HOURS",
    "DEFAULT_TIMEZONE",
    "PRESETS",
    "Cadence",
    "ScheduleError",
    "ScheduleRequest",
    "ScheduleSnapshot",
    "cadence_label",
    "cron_trigger",
    "describe",
    "describe_schedule",
    "format_when",
    "get_schedule",
    "hours_label",
    "latest_fire",
    "next_fire",
    "parse_cadence",
    "parse_hours",
    "parse_working_hours",
    "parse_schedule_args",
    "pause_workspace",
    "period_key",
    "set_schedule",
    "validate_cron",
    "validate_timezone",
]

PRESETS: dict[str, str] = {
    "quarterly": "0 9 1 1,4,7,10 *",
    "monthly": DEFAULT_DIGEST_CRON,
    "weekly": "0 9 * * mon",
}
OFF_WORDS = frozenset({"off", "none", "stop", "disable", "disabled"})
ON_WORDS = frozenset({"on", "yes", "enable", "enabled"})
DEFAULT_TIMEZONE = "UTC"
DEFAULT_REMINDER_AFTER_HOURS = 48
DEFAULT_CLOSE_AFTER_HOURS = 168
MAX_REMINDER_HOURS = 30 * 24
MAX_CLOSE_HOURS = 90 * 24
DEFAULT_REMINDER_HOURS = (9, 17)  # a member's working hours, in their own timezone: 09:00 to 17:00
# How far back latest_fire looks for a missed occurrence when not told where to stop.
MAX_LOOKBACK = timedelta(days=8 * 366)

_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab numbering: 0 (and 7) = Sunday
_WEEKDAY_NAMES = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
_CRON_HINT = "e.g. `0 9 * * mon` for Mondays at 09:00"
USAGE = "`/maturity schedule quarterly|monthly|weekly|off|<cron>` (see `/maturity help`)"


class ScheduleError(ValueError):
    """A schedule argument that cannot be used; ``str()`` is a one-line explanation for the user."""


# --- cron expressions and timezones ---------------------------------------------------------------


def _weekday(token: str, expr: str) -> int:
    t = token.lower()
    if t.isdigit() and int(t) <= 7:
        return int(t)
    if t in _WEEKDAYS or t in _WEEKDAY_NAMES:
        return _WEEKDAYS.index(t[:3])
    raise ScheduleError(
        f"`{clip(expr, 60)}` is not a valid cron expression: `{clip(token)}` is not a weekday (0–7 or sun–sat)"
    )


def _weekday_field(field: str, expr: str) -> str:
    """A crontab weekday field (0/7 = Sunday) rewritten with names, which APScheduler 3 reads the
    same way (its numbers start at Monday)."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for item in field.split(","):
        part, slash, step_text = item.partition("/")
        if slash and not (step_text.isdigit() and int(step_text) > 0):
            raise ScheduleError(
                f"`{clip(expr, 60)}` is not a valid cron expression: bad step `/{clip(step_text)}` in `{clip(item)}`"
            )
        step = int(step_text) if slash else 1
        if part == "*":
            lo, hi = 0, 6
        elif "-" in part:
            first, _, last = part.partition("-")
            lo, hi = _weekday(first, expr), _weekday(last, expr)
            if hi == 0 and lo > 0:
                hi = 7  # "fri-sun"
            if lo > hi:
                raise ScheduleError(
                    f"`{clip(expr, 60)}` is not a valid cron expression: weekday range `{clip(part)}` runs backwards"
                )
        else:
            lo = _weekday(part, expr)
            hi = 6 if slash else lo
        days.update(d % 7 for d in range(lo, hi + 1, step))
    return ",".join(_WEEKDAYS[d] for d in sorted(days))


def _trigger(fields: Sequence[str], tz: ZoneInfo, expr: str) -> CronTrigger:
    minute, hour, day, month, weekday = fields
    try:
        return CronTrigger(
            minute=minute, hour=hour, day=day, month=month, day_of_week=_weekday_field(weekday, expr), timezone=tz
        )
    except ScheduleError:
        raise
    except (ValueError, TypeError) as exc:
        reason = str(exc).replace("Error validating expression ", "")
        problem = f"`{clip(expr, 60)}` is not a valid cron expression: {clip(reason, 120)} ({_CRON_HINT})"
        raise ScheduleError(problem) from None


def validate_cron(expr: str) -> str:
    """The expression with its whitespace normalised; ScheduleError for a malformed one, one that
    fires more often than hourly, or one that never fires."""
    fields = expr.split()
    shown = " ".join(fields)
    if len(fields) != 5:
        raise ScheduleError(
            f"`{clip(shown, 60)}` is not a cron expression: expected 5 fields (minute hour day month weekday), "
            f"got {len(fields)} ({_CRON_HINT})"
        )
    trigger = _trigger(fields, ZoneInfo("UTC"), shown)
    if not re.fullmatch(r"\d{1,2}", fields[0]):
        raise ScheduleError(
            f"`{clip(shown, 60)}` fires more often than hourly; scheduled check-ins run at most once an hour, "
            f"so give a single minute ({_CRON_HINT})"
        )
    if trigger.get_next_fire_time(None, datetime(2000, 1, 1, tzinfo=UTC)) is None:
        raise ScheduleError(f"`{clip(shown, 60)}` never fires (no such date)")
    return shown


@functools.cache
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def validate_timezone(name: str) -> str:
    """The canonical IANA name (case-insensitive match), or ScheduleError."""
    candidate = name.strip()
    canonical = _zone_names().get(candidate.lower())
    if canonical is None and candidate.upper() == "UTC":
        canonical = "UTC"
    problem = f"`{clip(candidate, 60)}` is not an IANA timezone name, e.g. `Europe/Berlin` or `UTC`"
    if canonical is None:
        raise ScheduleError(problem)
    try:
        ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(problem) from None
    return canonical


# Bound: one entry per distinct (crontab, zone) of the stored schedules; presets share entries,
# so 4,096 covers thousands of teams with custom crontabs.
@functools.lru_cache(maxsize=4096)
def cron_trigger(cron: str, tz: str) -> CronTrigger:
    """APScheduler's trigger for a (validated) crontab expression in an IANA zone."""
    return _trigger(cron.split(), ZoneInfo(tz), cron)


def _repeated(fire: datetime) -> bool:
    """True for the second instant of a wall-clock time that a DST fall-back repeats."""
    wall = fire.replace(tzinfo=None)
    first = wall.replace(tzinfo=fire.tzinfo, fold=0).astimezone(UTC)
    if first >= fire.astimezone(UTC):
        return False
    return first.astimezone(fire.tzinfo).replace(tzinfo=None) == wall  # the wall time did exist earlier


def next_fire(cron: str, tz: str, after: datetime) -> datetime | None:
    """The first occurrence strictly after ``after`` (aware), in UTC; None if it never fires again."""
    trigger = cron_trigger(cron, tz)
    t = after.astimezone(UTC)  # arithmetic in UTC: local + timedelta would drop a DST fold
    while True:
        fire: datetime | None = trigger.get_next_fire_time(None, t + timedelta(microseconds=1))
        if fire is None:
            return None
        if not _repeated(fire):
            return fire.astimezone(UTC)
        t = fire.astimezone(UTC)


def latest_fire(cron: str, tz: str, now: datetime, not_before: datetime | None = None) -> datetime | None:
    """The most recent occurrence at or before ``now`` and strictly after ``not_before``, in UTC.

    Many missed occurrences coalesce into this one: the scheduler fires it once."""
    window = timedelta(hours=2)
    while True:
        start = now - window
        floor = start if not_before is None else max(start, not_before)
        last = None
        t = floor
        while (fire := next_fire(cron, tz, t)) is not None and fire <= now:
            last = t = fire
        if last is not None:
            return last
        if (not_before is not None and start <= not_before) or window > MAX_LOOKBACK:
            return None
        window *= 2


def period_key(fire: datetime) -> str:
    """The idempotency key of a scheduled occurrence: its ISO time in UTC."""
    return fire.astimezone(UTC).isoformat()


def cadence_label(cron: str | None) -> str:
    if cron is None:
        return "off"
    for label, preset in PRESETS.items():
        if preset == cron:
            return label
    return "cron"


# --- the /maturity schedule argument --------------------------------------------------------------


@dataclass(frozen=True)
class Cadence:
    label: str  # quarterly | monthly | weekly | cron | off
    cron: str | None  # None = off


def parse_cadence(text: str) -> Cadence:
    words = text.split()
    if not words:
        raise ScheduleError(f"Say how often: quarterly, monthly, weekly, off or a cron expression ({_CRON_HINT}).")
    key = " ".join(words).lower()
    if key in PRESETS:
        return Cadence(key, PRESETS[key])
    if key in OFF_WORDS:
        return Cadence("off", None)
    if len(words) == 1 and re.fullmatch(r"[a-z-]+", key):
        raise ScheduleError(
            f"`{clip(words[0])}` is not a schedule: use quarterly, monthly, weekly, off or a cron expression "
            f"({_CRON_HINT})."
        )
    cron = validate_cron(text)
    return Cadence(cadence_label(cron), cron)


def parse_hours(text: str, what: str, maximum: int) -> int:
    """``48``, ``48h``, ``2d``, ``1w`` -> hours, between 1 and ``maximum``."""
    match = re.fullmatch(r"(\d{1,5})\s*(h|hr|hrs|hours?|d|days?|w|weeks?)?", text.strip().lower())
    if match is None:
        raise ScheduleError(f"`{clip(text)}` is not a duration for {what}: use hours or days, e.g. `48h` or `2d`.")
    n, unit = int(match.group(1)), (match.group(2) or "h")[0]
    hours = n * {"h": 1, "d": 24, "w": 168}[unit]
    if not 1 <= hours <= maximum:
        raise ScheduleError(
            f"{what[:1].upper()}{what[1:]} must be between 1 hour and {hours_label(maximum)} (got {text.strip()})."
        )
    return hours


def parse_working_hours(text: str) -> tuple[int, int]:
    """``8-16`` (also ``8:00-16:00``, ``08–16``) -> (8, 16): whole hours, start before end, 0-24."""
    match = re.fullmatch(r"(\d{1,2})(?::00)?\s*[-–]\s*(\d{1,2})(?::00)?", text.strip())
    if match is None:
        raise ScheduleError(
            f"`{clip(text.strip())}` is not a span of hours: use whole hours from start to end, e.g. `hours 8-16`."
        )
    start, end = int(match.group(1)), int(match.group(2))
    if not (0 <= start < end <= 24):
        raise ScheduleError(
            f"The reminder hours must start before they end, between 0 and 24 (got {start}-{end}), e.g. `hours 8-16`."
        )
    return start, end


def working_hours_label(start: int, end: int) -> str:
    return f"{start:02d}:00–{end:02d}:00"


def hours_label(hours: int) -> str:
    if hours % 24 == 0:
        days = hours // 24
        return "1 day" if days == 1 else f"{days} days"
    return "1 hour" if hours == 1 else f"{hours} hours"


@dataclass(frozen=True)
class ScheduleRequest:
    """What one ``/maturity schedule`` command changes (None = leave as it is)."""

    checkin: Cadence | None = None
    digest: Cadence | None = None
    timezone: str | None = None
    reminder_enabled: bool | None = None
    reminder_after_hours: int | None = None
    close_after_hours: int | None = None
    reminder_hours: tuple[int, int] | None = None
    resume: bool = False


class _RequestFields(TypedDict, total=False):
    """The fields of a :class:`ScheduleRequest` that the words given set."""

    checkin: Cadence
    digest: Cadence
    timezone: str
    reminder_enabled: bool
    reminder_after_hours: int
    close_after_hours: int
    reminder_hours: tuple[int, int]
    resume: bool


_OPTION_KEYS = {
    "tz": "tz",
    "timezone": "tz",
    "remind": "remind",
    "reminder": "remind",
    "reminders": "remind",
    "close": "close",
    "closes": "close",
    "digest": "digest",
    "digests": "digest",
    "hours": "hours",
}


def _reminder(value: str) -> tuple[bool, int | None]:
    v = value.strip().lower()
    if v in OFF_WORDS or v in ("no", "false"):
        return False, None
    if v in ON_WORDS or v == "true":
        return True, None
    return True, parse_hours(value, "the reminder delay", MAX_REMINDER_HOURS)


def parse_schedule_args(args: str | Sequence[str]) -> ScheduleRequest:
    """Read the words after ``/maturity schedule``; ScheduleError (one line) when they don't make sense."""
    tokens = args.split() if isinstance(args, str) else [w for a in args for w in a.split()]
    if not tokens:
        raise ScheduleError(f"`schedule` needs quarterly, monthly, weekly, off or a cron expression: {USAGE}.")
    fields: _RequestFields = {}
    rest: list[str] = []
    for token in tokens:
        key, eq, value = token.partition("=")
        if not eq:
            rest.append(token)
            continue
        option = _OPTION_KEYS.get(key.lower())
        if option is None or not value:
            raise ScheduleError(f"`{clip(token)}`: options are `tz=`, `remind=`, `close=`, `hours=` and `digest=`.")
        _apply_option(fields, option, value)
    if rest:
        head = rest[0].lower()
        option = _OPTION_KEYS.get(head)
        if option in ("tz", "remind", "close", "hours"):
            if len(rest) != 2:
                raise ScheduleError(f"`schedule {clip(head)}` takes one value, e.g. {_OPTION_EXAMPLES[option]}.")
            _apply_option(fields, option, rest[1])
        elif option == "digest":
            fields["digest"] = parse_cadence(" ".join(rest[1:]))
        elif head == "resume" and len(rest) == 1:
            fields["resume"] = True
        else:
            fields["checkin"] = parse_cadence(" ".join(rest))
    return ScheduleRequest(**fields)


_OPTION_EXAMPLES = {
    "tz": "`/maturity schedule tz Europe/Berlin`",
    "remind": "`/maturity schedule reminders 24h` or `reminders off`",
    "close": "`/maturity schedule close 7d`",
    "hours": "`/maturity schedule hours 8-16`",
}


def _apply_option(fields: _RequestFields, option: str, value: str) -> None:
    if option == "tz":
        fields["timezone"] = validate_timezone(value)
    elif option == "remind":
        enabled, hours = _reminder(value)
        fields["reminder_enabled"] = enabled
        if hours is not None:
            fields["reminder_after_hours"] = hours
    elif option == "close":
        fields["close_after_hours"] = parse_hours(value, "the check-in window", MAX_CLOSE_HOURS)
    elif option == "hours":
        fields["reminder_hours"] = parse_working_hours(value)
    elif option == "digest":
        if value.lower() not in PRESETS and value.lower() not in OFF_WORDS:
            raise ScheduleError(
                "`digest=` takes quarterly, monthly, weekly or off; for a cron expression use "
                "`/maturity schedule digest <cron>`."
            )
        fields["digest"] = parse_cadence(value)


# --- the schedule service -------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleSnapshot:
    """A team's schedule as plain values (safe to use after the session is gone)."""

    workspace_id: str
    team_id: int
    channel_id: str
    channel_name: str | None
    framework_id: str
    checkin_cron: str | None
    checkin_label: str
    digest_cron: str | None
    timezone: str
    reminder_enabled: bool
    reminder_after_hours: int
    close_after_hours: int
    reminder_hours_start: int
    reminder_hours_end: int
    paused: bool
    paused_reason: str | None
    created_by: str | None
    updated_at: datetime

    @classmethod
    def of(cls, schedule: Schedule) -> ScheduleSnapshot:
        team = schedule.team
        return cls(
            workspace_id=schedule.workspace_id,
            team_id=schedule.team_id,
            channel_id=team.channel_id,
            channel_name=team.channel_name,
            framework_id=team.framework_id,
            checkin_cron=schedule.checkin_cron,
            checkin_label=schedule.checkin_label,
            digest_cron=schedule.digest_cron,
            timezone=schedule.timezone,
            reminder_enabled=schedule.reminder_enabled,
            reminder_after_hours=schedule.reminder_after_hours,
            close_after_hours=schedule.close_after_hours,
            reminder_hours_start=schedule.reminder_hours_start,
            reminder_hours_end=schedule.reminder_hours_end,
            paused=schedule.paused,
            paused_reason=schedule.paused_reason,
            created_by=schedule.created_by,
            updated_at=schedule.updated_at,
        )

    @classmethod
    def of_row(cls, row: Mapping[str, Any]) -> ScheduleSnapshot:
        """From ``storage.schedules.schedule_row_for_channel``'s plain values."""
        return cls(**{f.name: row[f.name] for f in dataclasses.fields(cls)})

    def in_reminder_hours(self, now: datetime, tz: str | None) -> bool:
        """Whether ``now`` is within the reminder hours in zone ``tz`` (a member's; None: the
        team's), read with that zone's offset at ``now`` (daylight saving included)."""
        try:
            zone = ZoneInfo(tz or self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo(self.timezone)
        local = now.astimezone(zone)
        hour = local.hour + local.minute / 60 + local.second / 3600
        return self.reminder_hours_start <= hour < self.reminder_hours_end

    @property
    def digest_label(self) -> str:
        return cadence_label(self.digest_cron)

    def next_checkin(self, now: datetime) -> datetime | None:
        return None if self.checkin_cron is None else next_fire(self.checkin_cron, self.timezone, now)

    def next_digest(self, now: datetime) -> datetime | None:
        return None if self.digest_cron is None else next_fire(self.digest_cron, self.timezone, now)


def format_when(when: datetime, tz: str) -> str:
    """``Fri 2027-01-01 09:00 CET`` in the schedule's zone."""
    local = when.astimezone(ZoneInfo(tz))
    return local.strftime("%a %Y-%m-%d %H:%M ") + (local.tzname() or tz)


def _cadence_text(label: str, cron: str | None) -> str:
    if cron is None:
        return "off"
    return f"{label} (`{cron}`)" if label != "cron" else f"`{cron}`"


def describe(snapshot: ScheduleSnapshot, now: datetime) -> str:
    """One paragraph for ``/maturity status`` and the confirmation: cadences, next runs, settings."""
    tz = snapshot.timezone
    if snapshot.checkin_cron is None:
        checkin = "Scheduled check-ins are off."
    else:
        nxt = snapshot.next_checkin(now)
        checkin = f"Check-ins: {_cadence_text(snapshot.checkin_label, snapshot.checkin_cron)} in {tz}" + (
            f", next {format_when(nxt, tz)}." if nxt else ", no further occurrence."
        )
        reminder = (
            f"Members who have not answered get one reminder after {hours_label(snapshot.reminder_after_hours)}, "
            f"within {working_hours_label(snapshot.reminder_hours_start, snapshot.reminder_hours_end)} "
            "in their own timezone"
            if snapshot.reminder_enabled
            else "No reminders"
        )
        checkin += f" {reminder}; each check-in closes after {hours_label(snapshot.close_after_hours)}."
    if snapshot.digest_cron is None:
        digest = "Roadmap digest: off."
    else:
        nxt = snapshot.next_digest(now)
        digest = f"Roadmap digest: {_cadence_text(snapshot.digest_label, snapshot.digest_cron)}" + (
            f", next {format_when(nxt, tz)}." if nxt else "."
        )
    text = f"{checkin} {digest}"
    if snapshot.paused:
        text = (
            f"The schedule is paused ({snapshot.paused_reason or 'paused'}): nothing is posted until you run "
            f"`/maturity schedule resume` once I can post here again. " + text
        )
    return text


def snapshot_in(session: Session, workspace_id: str, channel_id: str) -> ScheduleSnapshot | None:
    """The channel's schedule, read in the caller's unit of work (None when it has none)."""
    row = store.schedule_row_for_channel(session, workspace_id, channel_id)
    return ScheduleSnapshot.of_row(row) if row is not None else None


def _snapshot_for_channel(db: Database, workspace_id: str, channel_id: str) -> ScheduleSnapshot | None:
    with db.read() as s:
        return snapshot_in(s, workspace_id, channel_id)


def get_schedule(db: Database, workspace_id: str, channel_id: str) -> ScheduleSnapshot | None:
    return _snapshot_for_channel(db, workspace_id, channel_id)


def describe_schedule(db: Database, workspace_id: str, channel_id: str, now: datetime | None = None) -> str | None:
    """The channel's schedule in one paragraph (for ``/maturity status``); None if it has none."""
    snapshot = _snapshot_for_channel(db, workspace_id, channel_id)
    return describe(snapshot, now or utcnow()) if snapshot is not None else None


def set_schedule(
    db: Database,
    workspace_id: str,
    channel_id: str,
    channel_name: str | None,
    user_id: str | None,
    arg: str | Sequence[str],
    default_tz: str | None = None,
    *,
    now: datetime | None = None,
) -> tuple[ScheduleSnapshot, datetime | None]:
    """Apply a ``/maturity schedule …`` argument to the channel's team; returns the schedule and its
    next check-in (UTC, None when off). A new schedule's timezone is ``tz=`` if given, else
    ``default_tz`` (the user's Slack profile zone), else UTC. Any change also resumes a paused
    schedule, and only occurrences after ``now`` will fire. Raises ScheduleError."""
    request = parse_schedule_args(arg)
    now = now or utcnow()
    with db.session() as s:
        team = repo.get_team(s, workspace_id, channel_id)
        if team is None:
            team = repo.ensure_team(
                s, workspace_id, channel_id, channel_name=channel_name, framework_id=default_framework().id
            )
        elif channel_name and team.channel_name != channel_name:
            team.channel_name = channel_name
        existing = store.get_schedule(s, workspace_id, team.id)
        changes: dict[str, object] = {"paused": False, "paused_reason": None, "created_by": user_id}
        if request.checkin is not None:
            changes["checkin_cron"] = request.checkin.cron
            changes["checkin_label"] = request.checkin.label
        if request.digest is not None:
            changes["digest_cron"] = request.digest.cron
        if request.timezone is not None:
            changes["timezone"] = request.timezone
        elif existing is None:
            changes["timezone"] = _default_zone(default_tz)
        for name in ("reminder_enabled", "reminder_after_hours", "close_after_hours"):
            value = getattr(request, name)
            if value is not None:
                changes[name] = value
        if request.reminder_hours is not None:
            changes["reminder_hours_start"], changes["reminder_hours_end"] = request.reminder_hours
        # The settings once this command is applied: what it gives, else what is stored, else the defaults.
        reminder_on = _given(request.reminder_enabled, existing.reminder_enabled if existing else True)
        remind_after = _given(
            request.reminder_after_hours,
            existing.reminder_after_hours if existing else DEFAULT_REMINDER_AFTER_HOURS,
        )
        close_after = _given(
            request.close_after_hours, existing.close_after_hours if existing else DEFAULT_CLOSE_AFTER_HOURS
        )
        if reminder_on and remind_after >= close_after:
            raise ScheduleError(
                f"A reminder after {hours_label(remind_after)} would come after the check-in closes "
                f"({hours_label(close_after)}): pick a shorter `remind=` or a longer `close=`."
            )
        schedule = store.upsert_schedule(s, team, now=now, **changes)
        snapshot = ScheduleSnapshot.of(schedule)
    return snapshot, snapshot.next_checkin(now)


def _default_zone(name: str | None) -> str:
    if not name:
        return DEFAULT_TIMEZONE
    try:
        return validate_timezone(name)
    except ScheduleError:
        return DEFAULT_TIMEZONE


def pause_workspace(db: Database, workspace_id: str, reason: str, *, now: datetime | None = None) -> int:
    """Pause every schedule of a workspace (the app was uninstalled or its token revoked)."""
    with db.session() as s:
        return store.pause_workspace_schedules(s, workspace_id, reason, now=now)


_T = TypeVar("_T")


def _given(value: _T | None, otherwise: _T) -> _T:
    """``value`` where the command gave one (not None), else ``otherwise``."""
    return otherwise if value is None else value
