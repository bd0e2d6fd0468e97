"""The organisation view: every team of one workspace side by side (``/maturity teams``,
``maturity report --org``, the admin's App Home), and who may see it.

Slack-free. Scores come from the shared engine (``scoring.score``) on the stored answers, exactly
as each team's own summary shows them. Privacy, in every view built here:

* an assessment with fewer than ``min_respondents`` respondents (``ORG_MIN_RESPONDENTS``, 3 by
  default) shows "too few answers" instead of scores, and counts in no percentile or median;
* a team in anonymity mode shows aggregates only: never who answered, opened or closed anything;
* one workspace's view reads only that workspace's rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from conversations.assessments import comparable, spec_from_json
from conversations.caching import BoundedCache
from conversations.frameworks import Framework, get_frameworks
from conversations.schedules import ScheduleError, next_fire
from scoring import Answer, AssessmentScore, compare_versions, restrict, score
from scoring.formatting import shown_delta
from scoring.org import median, percentile_ranks, quarter_of
from scoring.targets import gap_to
from scoring.types import FrameworkSpec, Scale
from storage import clock
from storage import org as store
from storage.db import Database
from storage.models import Team
from storage.targets import OVERALL

__all__ = [
    "DEFAULT_MIN_RESPONDENTS",
    "DimensionCell",
    "FrameworkGroup",
    "OrgService",
    "OrgView",
    "QuarterMedian",
    "TeamRow",
    "TeamTarget",
]

DEFAULT_MIN_RESPONDENTS = 3
UNSCHEDULED_PERIOD = timedelta(days=92)  # a team without a schedule is due a check-in every quarter
RANKED = 3  # teams named under "most improved" and "most declined"


@dataclass(frozen=True)
class DimensionCell:
    id: str
    name: str
    score: float | None
    level: int | None
    percentile: float | None = None  # among the workspace's teams on the same framework


@dataclass(frozen=True)
class TeamTarget:
    """The team's target for the framework of its latest assessment (``/maturity target``), as its
    own summary measures it: the level set (None when only dimensions have one: the next level
    applies), its due date, and the overall gap to it (None while no scores are shown)."""

    level: int | None
    level_name: str | None
    due_on: date | None
    gap: float | None  # max(0, lower bound of the level - overall); 0: reached
    dimension_targets: int = 0  # dimensions with a target of their own
    passed: bool = False  # the due date has come (as of the view) and the level is not reached


@dataclass(frozen=True)
class TeamRow:
    channel_id: str
    channel_name: str | None
    framework_id: str
    framework_name: str
    anonymous: bool
    assessment_id: int | None  # the latest closed assessment; None: never assessed
    closed_at: datetime | None
    respondents: int
    too_few: bool  # fewer respondents than the threshold: no scores shown
    overall: float | None
    level: int | None
    level_name: str | None
    dimensions: tuple[DimensionCell, ...]
    delta: float | None  # overall change since the previous assessment (both with enough answers)
    days_since: int | None
    overdue: bool
    closed_by: str | None  # None for a team in anonymity mode
    # The team's target (issue 15, `/maturity target`) for its framework; None (shown "—"): none set.
    target: TeamTarget | None = None
    # The previous assessment is on another version of the framework: (its version, the latest's);
    # ``delta`` then compares the two on what the version mapping makes comparable, and
    # ``delta_note`` says in one line what it leaves out (None: nothing).
    delta_versions: tuple[int, int] | None = None
    delta_note: str | None = None

    @property
    def label(self) -> str:
        return f"#{self.channel_name}" if self.channel_name else self.channel_id

    @property
    def scored(self) -> bool:
        return self.assessment_id is not None and not self.too_few and self.overall is not None


@dataclass(frozen=True)
class QuarterMedian:
    quarter: str  # "2026-Q3"
    median: float
    teams: int


@dataclass(frozen=True)
class FrameworkGroup:
    framework_id: str
    framework_name: str
    scale_min: int
    scale_max: int
    level_names: tuple[str, ...]
    dimensions: tuple[tuple[str, str], ...]  # (id, name) in framework order
    teams: tuple[TeamRow, ...]  # best overall first; too few answers and never assessed last
    medians: tuple[QuarterMedian, ...]  # the workspace median overall per quarter, oldest first


@dataclass(frozen=True)
class OrgView:
    workspace_id: str
    generated_at: datetime
    min_respondents: int
    groups: tuple[FrameworkGroup, ...]
    most_improved: tuple[TeamRow, ...] = ()
    most_declined: tuple[TeamRow, ...] = ()
    overdue: tuple[TeamRow, ...] = field(default_factory=tuple)

    @property
    def teams(self) -> tuple[TeamRow, ...]:
        return tuple(t for g in self.groups for t in g.teams)

    @property
    def team_count(self) -> int:
        return sum(len(g.teams) for g in self.groups)


# Scores of closed assessments, per process: (database, workspace, assessment id, closed at) -> score.
# A closed assessment's score never changes; 20,000 entries (~40 workspaces of 500 teams' latest
# and previous assessments) keep every org view warm.
SCORES_MAX = 20_000
_SCORES: BoundedCache[tuple[str, str, int, datetime], AssessmentScore] = BoundedCache(SCORES_MAX)


def _cached(workspace_id: str, a: store.AssessmentRow) -> AssessmentScore | None:
    return _SCORES.get((a.database, workspace_id, a.id, a.closed_at))


def _remember(workspace_id: str, a: store.AssessmentRow, sc: AssessmentScore) -> None:
    _SCORES.put((a.database, workspace_id, a.id, a.closed_at), sc)


@dataclass(frozen=True)
class _Stored:
    """What one org view read from the database (:meth:`OrgService._read`)."""

    teams: list[Team]
    by_team: dict[int, list[store.AssessmentRow]]  # closed assessments per team id, oldest first
    schedules: dict[int, tuple[str | None, str, int]]  # team id -> (check-in cron, timezone, close after hours)
    respondents: dict[int, int]  # assessment id -> distinct respondents
    answers: dict[int, list[Answer]]  # the assessments to score that are not in the score cache
    # (team id, framework id) -> the team's targets for that framework (overall and per dimension)
    targets: dict[tuple[int, str], list[store.TargetRow]] = field(default_factory=dict)


class _Scores:
    """The scores one org view needs: from the per-process cache, else scored once from the stored
    answers (and remembered); each stored spec parsed once per view."""

    def __init__(self, workspace_id: str, answers: dict[int, list[Answer]]) -> None:
        self.workspace_id = workspace_id
        self.answers = answers
        self._specs: dict[str, FrameworkSpec] = {}

    def spec_of(self, raw: str) -> FrameworkSpec:
        found = self._specs.get(raw)
        if found is None:
            found = self._specs[raw] = spec_from_json(raw)
        return found

    def of(self, a: store.AssessmentRow) -> AssessmentScore:
        found = _cached(self.workspace_id, a)
        if found is None:
            found = score(self.spec_of(a.spec_json), self.answers.get(a.id, ()), member_count=a.member_count)
            _remember(self.workspace_id, a, found)
        return found


def _change(
    previous: store.AssessmentRow, latest: store.AssessmentRow, sc: AssessmentScore, scores: _Scores
) -> tuple[float | None, tuple[int, int] | None, str | None]:
    """The overall change from ``previous`` to ``latest`` (scored ``sc``), as (delta, versions, note):
    the difference of the scores as shown on one version; across versions, on the comparable
    questions only, scored on the latest's dimensions and weights, with the versions and the note."""
    old, new = scores.spec_of(previous.spec_json), scores.spec_of(latest.spec_json)
    if old.version == new.version:
        shown = shown_delta(previous.overall, sc.overall)
        return (float(shown) if shown is not None else None), None, None
    change = compare_versions(scores.of(previous), sc, new, comparable(old, new))
    return change.overall_delta, (old.version, new.version), change.note


class OrgService:
    def __init__(self, db: Database, min_respondents: int = DEFAULT_MIN_RESPONDENTS) -> None:
        self.db = db
        self.min_respondents = min_respondents
        self._db_key = db.url.render_as_string(hide_password=True)  # the score cache's: one database's ids

    # -- who may see it ----------------------------------------------------------------------------

    def is_named(self, workspace_id: str, user_id: str) -> bool:
        with self.db.session() as s:
            return store.is_named_admin(s, workspace_id, user_id)

    def named(self, workspace_id: str) -> list[str]:
        with self.db.session() as s:
            return [a.user_id for a in store.list_admins(s, workspace_id)]

    def name(self, workspace_id: str, user_id: str, added_by: str) -> bool:
        with self.db.session() as s:
            return store.add_admin(s, workspace_id, user_id, added_by)

    def unname(self, workspace_id: str, user_id: str) -> bool:
        with self.db.session() as s:
            return store.remove_admin(s, workspace_id, user_id)

    # -- the view ----------------------------------------------------------------------------------

    def view(self, workspace_id: str, now: datetime | None = None) -> OrgView:
        """Every team of the workspace, grouped by framework."""
        now = now or clock.now()
        stored = self._read(workspace_id)
        scores = _Scores(workspace_id, stored.answers)
        frameworks = get_frameworks()
        latest_scores: dict[str, tuple[FrameworkSpec, AssessmentScore]] = {}  # by channel: for percentiles
        team_rows = [self._team_row(team, stored, scores, frameworks, now, latest_scores) for team in stored.teams]
        groups = self._groups(team_rows, stored.by_team, stored.respondents, frameworks, scores.spec_of, latest_scores)
        everyone = [t for g in groups for t in g.teams]
        changed = [t for t in everyone if t.delta is not None]
        improved = sorted((t for t in changed if t.delta is not None and t.delta > 0), key=lambda t: -(t.delta or 0))
        declined = sorted((t for t in changed if t.delta is not None and t.delta < 0), key=lambda t: t.delta or 0)
        overdue = sorted((t for t in everyone if t.overdue), key=lambda t: -(t.days_since or 10**6))
        return OrgView(
            workspace_id=workspace_id,
            generated_at=now,
            min_respondents=self.min_respondents,
            groups=tuple(groups),
            most_improved=tuple(improved[:RANKED]),
            most_declined=tuple(declined[:RANKED]),
            overdue=tuple(overdue),
        )

    def _read(self, workspace_id: str) -> _Stored:
        """What the view reads, in one unit of work: the teams, their closed assessments (oldest
        first), schedules and respondent counts, and the answers of the assessments to score that
        are not in the per-process cache."""
        with self.db.session() as s:
            teams = list(store.teams_of_workspace(s, workspace_id))
            rows = [replace(a, database=self._db_key) for a in store.closed_assessment_rows(s, workspace_id)]
            schedules = {
                team_id: (sch.checkin_cron, sch.timezone, sch.close_after_hours)
                for team_id, sch in store.schedules_of_workspace(s, workspace_id).items()
            }
            respondents = store.respondent_counts(s, workspace_id)
            targets: dict[tuple[int, str], list[store.TargetRow]] = defaultdict(list)
            for target in store.targets_of_workspace(s, workspace_id):  # every team's, one query
                targets[(target.team_id, target.framework_id)].append(target)
            by_team: dict[int, list[store.AssessmentRow]] = defaultdict(list)
            for row in rows:
                by_team[row.team_id].append(row)
            # Only each team's latest is scored (its dimensions); the change uses the stored overall of
            # the previous one — unless that is on another version of the framework: then it is scored
            # too, to compare the two on the questions the version mapping makes comparable. A closed
            # assessment's score never changes: kept per process, bounded.
            newest = [history[-1] for history in by_team.values()]
            newest += [history[-2] for history in by_team.values() if _across_versions(history)]
            missing = [a.id for a in newest if _cached(workspace_id, a) is None]
            answers: dict[int, list[Answer]] = defaultdict(list)
            for assessment_id, user_id, question_id, level in store.responses_of(s, workspace_id, missing):
                answers[assessment_id].append(Answer(user_id, question_id, level))
        return _Stored(teams, by_team, schedules, respondents, answers, dict(targets))

    def _team_row(
        self,
        team: Team,
        stored: _Stored,
        scores: _Scores,
        frameworks: dict[str, Framework],
        now: datetime,
        latest_scores: dict[str, tuple[FrameworkSpec, AssessmentScore]],
    ) -> TeamRow:
        """One team's row: its latest closed assessment's scores (none with too few answers), the
        change since the previous one on the same framework, and whether a check-in is overdue. The
        latest's spec and score go into ``latest_scores`` (the percentiles rank by them)."""
        history = stored.by_team.get(team.id, [])
        framework_id = history[-1].framework_id if history else team.framework_id
        fw = frameworks.get(framework_id)
        fw_name = fw.name if fw is not None else framework_id
        if not history:
            return TeamRow(
                channel_id=team.channel_id,
                channel_name=team.channel_name,
                framework_id=framework_id,
                framework_name=fw_name,
                anonymous=team.anonymous,
                assessment_id=None,
                closed_at=None,
                respondents=0,
                too_few=False,
                overall=None,
                level=None,
                level_name=None,
                dimensions=(),
                delta=None,
                days_since=None,
                overdue=True,
                closed_by=None,
                target=_target(stored.targets.get((team.id, framework_id)), fw, None, None, now.date()),
            )
        latest = history[-1]
        sc = scores.of(latest)
        latest_scores[team.channel_id] = (scores.spec_of(latest.spec_json), sc)
        answered = stored.respondents.get(latest.id, 0)
        too_few = answered < self.min_respondents
        previous = history[-2] if len(history) >= 2 and history[-2].framework_id == latest.framework_id else None
        delta, delta_versions, delta_note = None, None, None
        if previous is not None and not too_few and stored.respondents.get(previous.id, 0) >= self.min_respondents:
            delta, delta_versions, delta_note = _change(previous, latest, sc, scores)
        cells = tuple(
            DimensionCell(d.id, d.name, None if too_few else d.score, None if too_few else d.level)
            for d in sc.dimensions
        )
        return TeamRow(
            channel_id=team.channel_id,
            channel_name=team.channel_name,
            framework_id=latest.framework_id,
            framework_name=fw_name,
            anonymous=team.anonymous,
            assessment_id=latest.id,
            closed_at=latest.closed_at,
            respondents=answered,
            too_few=too_few,
            overall=None if too_few else sc.overall,
            level=None if too_few else sc.level,
            level_name=None if too_few else sc.level_name,
            dimensions=cells,
            delta=delta,
            delta_versions=delta_versions,
            delta_note=delta_note,
            days_since=max(0, (now - latest.closed_at).days),
            overdue=_overdue(latest.closed_at, stored.schedules.get(team.id), now),
            closed_by=None if team.anonymous else latest.closed_by,
            target=_target(
                stored.targets.get((team.id, latest.framework_id)),
                fw,
                sc.scale,
                None if too_few else sc.overall,
                now.date(),
            ),
        )

    def _groups(
        self,
        team_rows: list[TeamRow],
        by_team: dict[int, list[store.AssessmentRow]],
        respondents: dict[int, int],
        frameworks: dict[str, Framework],
        spec_of: Callable[[str], FrameworkSpec],
        latest_scores: dict[str, tuple[FrameworkSpec, AssessmentScore]] | None = None,
    ) -> list[FrameworkGroup]:
        grouped: dict[str, list[TeamRow]] = defaultdict(list)
        for t in team_rows:
            grouped[t.framework_id].append(t)
        groups = []
        for framework_id in sorted(grouped, key=lambda f: (f not in frameworks, f)):
            rows = grouped[framework_id]
            fw = frameworks.get(framework_id)
            if fw is not None:
                dims = tuple((d.id, d.name) for d in fw.dimensions)
                lo, hi = fw.scale.min, fw.scale.max
                names = tuple(level.name for level in fw.levels)
            else:  # a framework file removed since: its assessments' own spec (none: no dimensions)
                spec = next(
                    (spec_of(a.spec_json) for rs in by_team.values() for a in rs if a.framework_id == framework_id),
                    None,
                )
                if spec is None:
                    dims, lo, hi, names = (), 0, 0, ()
                else:
                    dims = tuple((d.id, d.name) for d in spec.dimensions)
                    lo, hi, names = spec.scale.min, spec.scale.max, tuple(spec.level_names)
            # percentiles per dimension among this framework's teams with enough answers; teams whose
            # latest assessments are on different versions of it are ranked on what every one of those
            # versions has in common (_comparable_cells), each cell still showing its own version's score
            current = fw.spec() if fw is not None else None
            comparable_cells = _comparable_cells(rows, latest_scores or {}, current)
            ranks: dict[str, list[float | None]] = {}
            for dim_id, _ in dims:
                if comparable_cells is not None:
                    values = [comparable_cells[i].get(dim_id) for i in range(len(rows))]
                else:
                    values = [_cell(t, dim_id) for t in rows]
                ranks[dim_id] = percentile_ranks(values)
            ranked_rows = []
            for i, t in enumerate(rows):
                cells = tuple(replace(c, percentile=ranks[c.id][i]) if c.id in ranks else c for c in t.dimensions)
                ranked_rows.append(replace(t, dimensions=cells))
            ranked_rows.sort(
                key=lambda t: (not t.scored, t.assessment_id is None, -(t.overall or 0.0), t.label.lower())
            )
            groups.append(
                FrameworkGroup(
                    framework_id=framework_id,
                    framework_name=fw.name if fw is not None else framework_id,
                    scale_min=int(lo),
                    scale_max=int(hi),
                    level_names=names,
                    dimensions=dims,
                    teams=tuple(ranked_rows),
                    medians=self._medians(framework_id, by_team, respondents, (int(lo), int(hi)), spec_of),
                )
            )
        return groups

    def _medians(
        self,
        framework_id: str,
        by_team: dict[int, list[store.AssessmentRow]],
        respondents: dict[int, int],
        scale: tuple[int, int],
        spec_of: Callable[[str], FrameworkSpec],
    ) -> tuple[QuarterMedian, ...]:
        """Per quarter: the median of each team's latest overall in that quarter (enough answers only).

        Across versions of the framework each overall counts as its own version scored it (the team's
        own trend draws it so too, marking the change of version); an assessment on a version with
        another scale than ``scale`` (the group's) is left out: its scores are on another scale."""
        per_quarter: dict[str, dict[int, float]] = defaultdict(dict)
        for team_id, rows in by_team.items():
            for a in rows:  # oldest first: a later one in the same quarter replaces an earlier one
                if a.framework_id != framework_id or a.overall is None:
                    continue
                a_scale = spec_of(a.spec_json).scale
                if (a_scale.min, a_scale.max) != scale:
                    continue
                if respondents.get(a.id, 0) < self.min_respondents:
                    continue
                per_quarter[quarter_of(a.closed_at)][team_id] = a.overall
        out = []
        for quarter in sorted(per_quarter):
            values = list(per_quarter[quarter].values())
            m = median(values)
            if m is not None:
                out.append(QuarterMedian(quarter, m, len(values)))
        return tuple(out)


def _target(
    rows: list[store.TargetRow] | None,
    fw: Framework | None,
    scale: Scale | None,
    overall: float | None,
    today: date,
) -> TeamTarget | None:
    """The team's targets for its framework (``rows``, from one query for the workspace) as the org
    view shows them; levels off the framework's scale (a file changed since) are left out, as the
    team's own summary does."""
    if not rows:
        return None
    if scale is None and fw is not None:
        scale = Scale(fw.scale.min, fw.scale.max)

    def on_scale(level: int) -> bool:
        return scale is None or scale.contains(level)

    overall_row = next((r for r in rows if r.dimension_id == OVERALL), None)
    level = overall_row.level if overall_row is not None and on_scale(overall_row.level) else None
    dims = {d.id for d in fw.dimensions} if fw is not None else set()
    own = sum(1 for r in rows if r.dimension_id != OVERALL and r.dimension_id in dims and on_scale(r.level))
    if level is None and not own:
        return None
    gap = gap_to(scale, level, overall) if level is not None and scale is not None and overall is not None else None
    due_on = overall_row.due_on if overall_row is not None and level is not None else None
    return TeamTarget(
        level=level,
        level_name=fw.level_name(level) if fw is not None and level is not None else None,
        due_on=due_on,
        gap=gap,
        dimension_targets=own,
        passed=due_on is not None and due_on <= today and gap is not None and gap > 0,
    )


def _cell(team: TeamRow, dimension_id: str) -> float | None:
    if not team.scored:
        return None
    for c in team.dimensions:
        if c.id == dimension_id:
            return c.score
    return None


def _across_versions(history: list[store.AssessmentRow]) -> bool:
    """Whether a team's latest two closed assessments are on different versions of one framework."""
    if len(history) < 2 or history[-2].framework_id != history[-1].framework_id:
        return False
    return spec_from_json(history[-2].spec_json).version != spec_from_json(history[-1].spec_json).version


def _comparable_cells(
    rows: list[TeamRow],
    latest_scores: dict[str, tuple[FrameworkSpec, AssessmentScore]],
    current: FrameworkSpec | None,
) -> list[dict[str, float | None]] | None:
    """The dimension scores to rank ``rows`` (one framework's teams) by when their latest assessments
    are on different versions of it, else None (rank the scores shown).

    Each team's latest is re-scored (``scoring.versions.restrict``) on the questions of ``current``
    (the framework's newest version) that every version among them answers, grouped and weighted as
    ``current``'s dimensions: so each percentile compares like with like. A team on a version with
    another scale than ``current`` is not ranked."""
    if current is None:
        return None
    shown = [latest_scores.get(t.channel_id) if t.scored else None for t in rows]
    if len({spec.version for spec, _ in filter(None, shown)}) < 2:
        return None
    pairs: list[dict[str, str] | None] = []
    for entry in shown:
        if entry is None:
            pairs.append(None)
            continue
        comparison = comparable(entry[0], current)
        pairs.append(None if comparison.scale_changed else dict(comparison.pairs))
    common = set(current.question_ids)
    for mapping in pairs:
        if mapping is not None:
            common &= set(mapping)
    out: list[dict[str, float | None]] = []
    for entry, mapping in zip(shown, pairs, strict=True):
        if entry is None or mapping is None:
            out.append({})
            continue
        restricted = restrict(entry[1], current, {q: mapping[q] for q in common}, side="latest")
        out.append({d.id: d.score for d in restricted.dimensions})
    return out


def _overdue(last: datetime, schedule: tuple[str | None, str, int] | None, now: datetime) -> bool:
    """Whether a check-in is overdue: the schedule's first occurrence after the last assessment has
    passed, with its close window, and no assessment closed since; a team without a schedule is due
    every quarter (92 days)."""
    if schedule is None:
        return now - last > UNSCHEDULED_PERIOD
    cron, tz, close_after_hours = schedule
    if not cron:
        return now - last > UNSCHEDULED_PERIOD
    try:
        due = next_fire(cron, tz, last)
    except (ScheduleError, ValueError):
        return now - last > UNSCHEDULED_PERIOD
    return due is not None and now > due + timedelta(hours=close_after_hours)
