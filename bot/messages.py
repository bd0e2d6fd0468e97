"""Block Kit messages and their plain-text fallbacks.

Built with slack-sdk's block models, whose ``to_dict()`` checks per-field lengths; the message-level
limits Slack enforces but WebClient does not (50 blocks, ~13k characters of block text) are kept
here by ``finalize``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)

from bot.templating import esc as templating_esc
from bot.templating import part
from conversations.assessments import (
    DimensionProgress,
    MessageRevision,
    Result,
    Status,
    TeamOverview,
    ThreadAnswer,
)
from conversations.caching import BoundedCache
from conversations.frameworks import Dimension, Framework
from conversations.targets import TargetChange, TeamTargets
from conversations.text import clip as clip_text

MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_BLOCK_TEXT = 12_000  # Slack rejects messages past ~13k characters of block text
MAX_SECTION = 3000
ANSWER_ACTION_PREFIX = "answer:"
# Up to this many levels a question gets one button per level (and "?") in one row; a longer scale
# (0–10 …) gets one menu instead: Slack fits at most 25 elements in an actions block, and a row of
# more than about 6 buttons wraps badly.
MAX_LEVEL_BUTTONS = 5
REVIEW_ACTION = "plan:review"  # the summary's button: review the roadmap items proposed for the next level


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[dict]

    def kwargs(self) -> dict:
        return {"text": self.text, "blocks": self.blocks}


def esc(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters (the ``esc`` filter)."""
    return templating_esc(text)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in "…" when cut (``conversations.text.clip``)."""
    return clip_text(text, limit)


def finalize(text: str, blocks: Sequence[Block], *, max_blocks: int = MAX_BLOCKS) -> Message:
    """Serialise blocks (validating field lengths) within Slack's per-message limits (50 blocks per
    message, 100 per view) and the ~13k characters of block text; the rest is cut with a note."""
    out: list[dict] = []
    total = 0
    for block in blocks:
        data = block.to_dict()
        size = len(json.dumps(data))
        if len(out) == max_blocks - 1 or total + size > MAX_BLOCK_TEXT:
            out.append(
                ContextBlock(
                    elements=[MarkdownTextObject(text="_(more in the full report: `/maturity history`)_")]
                ).to_dict()
            )
            break
        out.append(data)
        total += size
    return Message(text=clip(text, 3900), blocks=out)


def md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=clip(text, MAX_SECTION))


def level_label(framework: Framework, level: int | None) -> str:
    return part("summary", "level_label", framework, level)


# --- opening ---------------------------------------------------------------------------------------


def intro_message(framework: Framework, opened_by: str | None, assessment_id: int) -> Message:
    questions = sum(len(d.questions) for d in framework.dimensions)
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(part("intro", "header", framework), 150))),
        SectionBlock(text=md(part("intro", "body", framework, opened_by, questions))),
        ContextBlock(elements=[md(part("intro", "context", framework, assessment_id))]),
    ]
    return finalize(part("intro", "text", framework, opened_by, questions), blocks)


def progress_line(progress: DimensionProgress | None) -> str:
    return part("dimension", "progress", progress)


# Per (framework, version, dimension, position, assessment, closed): the rendered text and head
# blocks. An entry is a few kB; 2,048 covers every dimension of ~250 assessments open at once.
_DIMENSION_HEADS: BoundedCache[tuple[str, int, str, int, int, bool], tuple[str, list[dict]]] = BoundedCache(2048)


def dimension_message(
    framework: Framework,
    dimension: Dimension,
    position: int,
    assessment_id: int,
    progress: DimensionProgress | None = None,
    *,
    closed: bool = False,
) -> Message:
    """A dimension's message. Everything but the progress line is rendered once per assessment and
    kept: the message is re-rendered on every answer, and Block Kit serialisation is the costly part."""
    key = (framework.id, framework.version, dimension.id, position, assessment_id, closed)
    cached = _DIMENSION_HEADS.get(key)
    if cached is None:
        cached = _dimension_head(framework, dimension, position, assessment_id, closed)
        _DIMENSION_HEADS.put(key, cached)
    text, head = cached
    footer = ContextBlock(elements=[md(part("dimension", "footer", progress, closed))]).to_dict()
    return Message(text=text, blocks=[*head, footer])


def _dimension_head(
    framework: Framework, dimension: Dimension, position: int, assessment_id: int, closed: bool
) -> tuple[str, list[dict]]:
    count = len(framework.dimensions)
    example = " ".join(str(min(framework.scale.max, framework.scale.min + 2)) for _ in dimension.questions)
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(part("dimension", "header", dimension, position, count), 150))),
        SectionBlock(text=md(part("dimension", "intro", dimension, example))),
    ]
    levels = list(framework.levels_range)
    for number, question in enumerate(dimension.questions, 1):
        blocks.append(
            SectionBlock(block_id=f"qt:{question.id}", text=md(part("dimension", "question", number, question, levels)))
        )
        if not closed:
            blocks.append(
                ActionsBlock(
                    block_id=f"q:{question.id}", elements=_answer_elements(framework, question.id, assessment_id)
                )
            )
    # Leave room for the progress line within Slack's limits.
    message = finalize(part("dimension", "text", dimension, position, count, closed), blocks, max_blocks=MAX_BLOCKS - 1)
    return message.text, message.blocks


def _answer_elements(framework: Framework, question_id: str, assessment_id: int) -> list:
    """The buttons of one question (a menu on a scale of more than MAX_LEVEL_BUTTONS levels)."""
    levels: list[int | None] = [*framework.levels_range, None]

    def value(level: int | None) -> str:
        return json.dumps({"a": assessment_id, "q": question_id, "l": level})

    if len(levels) - 1 <= MAX_LEVEL_BUTTONS:
        return [
            ButtonElement(
                text=PlainTextObject(text="?" if level is None else str(level)),
                action_id=f"{ANSWER_ACTION_PREFIX}{question_id}:{'dk' if level is None else level}",
                value=value(level),
            )
            for level in levels
        ]
    options = [
        Option(
            text=PlainTextObject(
                text=clip("? don't know" if level is None else f"{level} {framework.level_name(level)}", 75)
            ),
            value=value(level),
        )
        for level in levels
    ]
    return [
        StaticSelectElement(
            placeholder=PlainTextObject(text=f"Your level ({framework.scale.min}–{framework.scale.max})"),
            action_id=f"{ANSWER_ACTION_PREFIX}{question_id}:menu",
            options=options,
        )
    ]


# --- answering -------------------------------------------------------------------------------------


def answer_confirmation(answer: ThreadAnswer) -> str:
    numbers = {q.id: i for i, q in enumerate(answer.dimension.questions, 1)}
    items = []
    for question_id, level in answer.recorded.items():
        question = answer.framework.question(question_id)
        items.append(
            {
                "number": numbers.get(question_id, "?"),
                "level": level,
                "anchor": question.anchors[level] if level is not None else None,
            }
        )
    replaced = sorted(numbers.get(q, 0) for q in answer.replaced)
    return part("answers", "confirmation", answer.dimension, items, answer.comment, replaced)


def revision_confirmation(answer: ThreadAnswer, changes: MessageRevision, *, deleted: bool) -> str:
    """What an edit or a deletion of a typed reply changed, to its author."""
    numbers = {q.id: i for i, q in enumerate(answer.dimension.questions, 1)}
    items = [
        {
            "number": numbers.get(question_id, "?"),
            "level": level,
            "anchor": answer.framework.question(question_id).anchors[level] if level is not None else None,
        }
        for question_id, level in changes.recorded.items()
    ]
    withdrawn = sorted(numbers.get(q, 0) for q in changes.withdrawn)
    kept = sorted(numbers.get(q, 0) for q in changes.kept_later)
    return part(
        "answers", "revised", answer.dimension, items, withdrawn, kept, changes.comment_changed, answer.comment, deleted
    )


def unreadable_edit(explanation: str) -> str:
    return part("answers", "unreadable_edit", explanation)


def unreadable_reply(explanation: str) -> str:
    return part("answers", "unreadable", explanation)


def not_recorded(status: str, what: str) -> str:
    return part("answers", "closed", status, what)


def reply(name: str, /, *args: object) -> str:
    """A short ephemeral answer to a subcommand (``bot/templates/replies.j2``)."""
    return part("replies", name, *args)


def reply_home(name: str, /, *args: object) -> str:
    return part("home", name, *args)


SCHEDULE_CALLBACK = "home:schedule_modal"
CADENCES = ("quarterly", "monthly", "weekly", "off")


def schedule_modal(channel_id: str, current: str | None) -> dict:
    """The App Home's schedule form (views.open): a cadence, or a cron expression, and a timezone."""
    from slack_sdk.models.blocks import InputBlock, Option, PlainTextInputElement, StaticSelectElement
    from slack_sdk.models.views import View

    options = [Option(value=c, text=PlainTextObject(text=part("home", "cadence_option", c))) for c in CADENCES]
    view = View(
        type="modal",
        callback_id=SCHEDULE_CALLBACK,
        private_metadata=channel_id,
        title=PlainTextObject(text=part("home", "schedule_title")),
        submit=PlainTextObject(text=part("home", "schedule_submit")),
        blocks=[
            SectionBlock(text=md(part("home", "schedule_intro", channel_id, current))),
            InputBlock(
                block_id="cadence",
                label=PlainTextObject(text=part("home", "cadence_label")),
                element=StaticSelectElement(action_id="value", options=options, initial_option=options[0]),
            ),
            InputBlock(
                block_id="cron",
                optional=True,
                label=PlainTextObject(text=part("home", "cron_label")),
                hint=PlainTextObject(text=part("home", "cron_hint")),
                element=PlainTextInputElement(action_id="value", max_length=120),
            ),
            InputBlock(
                block_id="tz",
                optional=True,
                label=PlainTextObject(text=part("home", "tz_label")),
                hint=PlainTextObject(text=part("home", "tz_hint")),
                element=PlainTextInputElement(action_id="value", max_length=64),
            ),
        ],
    )
    return view.to_dict()


# --- status, summary, history ----------------------------------------------------------------------


def status_message(
    status: Status,
    members: Iterable[str] | None,
    *,
    anonymous: bool = False,
    schedule: str | None = None,
    target: str | None = None,
) -> Message:
    fw, a = status.framework, status.assessment
    names = {d.id: d.name for d in fw.dimensions}
    lines = [{"name": names.get(p.dimension_id, p.dimension_id), "progress": progress_line(p)} for p in status.progress]
    member_set = sorted(set(members)) if members is not None else None
    waiting = sorted(set(member_set or ()) - status.respondents)
    answered = len(status.respondents)
    body = part("status", "body", a, fw, answered, lines, member_set, waiting, anonymous)
    blocks: list[Block] = [SectionBlock(text=md(body))]
    if target:
        blocks.append(SectionBlock(text=md(clip(target, MAX_SECTION))))
    if schedule:
        blocks.append(ContextBlock(elements=[md(schedule)]))
    return finalize(part("status", "text", a, fw, answered), blocks)


def summary_message(result: Result) -> Message:
    sc, fw = result.score, result.framework
    delta = result.delta
    deltas = {d.id: d for d in delta.dimensions} if delta is not None else {}
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(part("summary", "header", result), 150))),
        SectionBlock(text=md(part("summary", "head", result, delta))),
        SectionBlock(text=md(part("summary", "dimensions", result, deltas))),
    ]
    if sc.weakest:
        blocks.append(SectionBlock(text=md(part("summary", "weakest", sc.weakest[:3]))))
    if target := target_body(result):
        blocks.append(SectionBlock(text=md(clip(target, MAX_SECTION))))
    if sc.disagreements:
        prompts = {q.id: (d, i, q) for d in fw.dimensions for i, q in enumerate(d.questions, 1)}
        items = []
        for q in sc.disagreements[:8]:
            dim, number, question = prompts.get(q.question_id, (None, 0, None))
            label = f"{dim.name} Q{number}: {question.prompt}" if dim and question else q.question_id
            items.append({"label": clip(label, 160), "low": min(q.levels), "high": max(q.levels)})
        more = max(0, len(sc.disagreements) - 8)
        blocks.append(SectionBlock(text=md(part("summary", "disagreements", items, more))))
    if result.framework.roadmaps:  # a framework without roadmaps shows none
        blocks.append(DividerBlock())
        blocks.append(SectionBlock(text=md(roadmap_text(result))))
    if sc.weakest or (result.roadmap is not None and result.roadmap.next is not None):
        blocks.append(
            ActionsBlock(
                block_id=f"plan:review:{result.assessment.id}",
                elements=[
                    ButtonElement(
                        text=PlainTextObject(text=part("plan", "review_button")),
                        action_id=REVIEW_ACTION,
                        value=json.dumps({"a": result.assessment.id}),
                    )
                ],
            )
        )
    blocks.append(ContextBlock(elements=[md(part("summary", "context", result))]))
    return finalize(part("summary", "text", result), blocks)


def target_body(result: Result) -> str:
    """The team's target and where this result stands (gap per dimension, pace); "" when none is set."""
    return part("target", "body", result.framework, result.targets, result.target)


def target_line(result: Result) -> str:
    return part("target", "line", result.framework, result.targets, result.target)


def target_unmeasured(framework: Framework, targets: TeamTargets) -> str:
    """A target set before any finished assessment of its framework."""
    return part("target", "line", framework, targets, None)


def target_message(change: TargetChange, result: Result | None) -> Message:
    """The answer to ``/maturity target …``: what changed (or is set), then where the latest result
    stands against it."""
    text = part("target", "changed", change)
    blocks: list[Block] = [SectionBlock(text=md(text))]
    if result is not None and (body := target_body(result)):
        blocks.append(SectionBlock(text=md(body)))
    return finalize(text, blocks)


def home_priorities(result: Result | None) -> str:
    """App Home, per team: its target and its three top priorities; "" before a finished assessment."""
    if result is None:
        return ""
    return part("home", "priorities", target_line(result), result.score.weakest[:3])


def home_own_items(items: Sequence, today: date) -> str:
    """App Home, per team: the member's own open roadmap items (at most 5), "" when none."""
    return part("home", "own_items", list(items)[:5], len(items), today) if items else ""


def target_problem(problem: str) -> str:
    return part("target", "problem", problem)


def roadmap_text(result: Result) -> str:
    if not result.framework.roadmaps:
        return part("roadmap", "no_roadmaps", result.framework)
    return part("roadmap", "body", result.roadmap)


def roadmap_message(result: Result) -> Message:
    text = part("roadmap", "text", result)
    return finalize(text, [SectionBlock(text=md(text)), SectionBlock(text=md(roadmap_text(result)))])


def history_message(assessments: Sequence, frameworks: dict[str, Framework]) -> Message:
    rows = []
    for a in assessments:
        fw = frameworks.get(a.framework_id)
        level = f"Level {a.level} ({fw.level_name(a.level)})" if fw and a.level is not None else "no level"
        rows.append(
            {
                "closed_at": a.closed_at,
                "id": a.id,
                "framework_id": a.framework_id,
                "overall": a.overall,
                "level_text": level,
            }
        )
    return finalize(part("history", "text", rows), [SectionBlock(text=md(part("history", "body", rows)))])


_HELP: dict[tuple[tuple[str, ...], tuple[tuple[str, int], ...]], Message] = {}


def help_message(lines: Sequence[str], frameworks: Iterable[Framework], min_respondents: int = 3) -> Message:
    """The help text over the usage ``lines`` (``bot.listeners.commands.registry.usage_lines``);
    rendered once per set of frameworks (it is the same for everyone, and asked for often). Callers
    must not change the returned message."""
    frameworks = list(frameworks)
    key = (tuple(lines), tuple((f.id, f.version) for f in frameworks), min_respondents)
    message = _HELP.get(key)
    if message is None:
        body = part("help", "body", lines, frameworks, min_respondents)
        message = _HELP[key] = finalize(part("help", "text", lines), [SectionBlock(text=md(body))])
    return message


def usage_message(problem: str, lines: Sequence[str]) -> Message:
    """Why a command could not be read, then the usage ``lines``."""
    text = part("help", "usage_text", problem, lines)
    return finalize(text, [SectionBlock(text=md(text))])


def settings_message(channel_name: str | None, anonymous: bool, changed: bool = False) -> Message:
    text = part("settings", "text", channel_name, anonymous, changed)
    return finalize(text, [SectionBlock(text=md(text)), ContextBlock(elements=[md(part("settings", "context"))])])


def home_view(
    overviews: Sequence,
    frameworks: dict[str, Framework],
    extras: dict[str, str | None] | None = None,
    more: Sequence[str] = (),
    elsewhere: dict[str, Sequence] | None = None,
    org_blocks: Sequence[Block] = (),
) -> dict:
    """The App Home tab: the member's teams, their level, last and open assessments, a mini history;
    then, for who may see every team, ``org_blocks`` (the "All teams" section), which always fit:
    the member's own teams give way first.

    ``more``: the channels of the member's other teams, named in a closing line with how to see
    them. A team is shown whole or not at all: one that does not fit in the view's limits (100
    blocks, ~12k characters) joins ``more`` instead of being cut off. ``elsewhere``: the member's
    own open roadmap items in channels not among those teams (at most five channels)."""
    header = HeaderBlock(text=PlainTextObject(text="MLOps maturity"))
    tail: list[Block] = []
    for channel_id, items in list((elsewhere or {}).items())[:5]:
        tail.append(DividerBlock())
        tail.append(
            SectionBlock(text=md(clip(part("home", "elsewhere", channel_id, list(items)[:5], len(items)), 3000)))
        )
    if not overviews and not more:
        return _home(header, [SectionBlock(text=md(part("home", "empty"))), *tail, *org_blocks])
    groups = [_home_team(team, frameworks, extras or {}) for team in overviews]
    shown: list[Block] = []
    rest = list(more)
    for i, group in enumerate(groups):
        candidate = [*shown, *group]
        others = [t.channel_id for t in overviews[i + 1 :]] + list(more)
        note = _more_teams(others)
        if not _fits([header, *candidate, *tail, *([note] if note else []), *org_blocks]):
            rest = [t.channel_id for t in overviews[i:]] + list(more)
            break
        shown = candidate
    note = _more_teams(rest)
    return _home(header, [*shown, *tail, *([note] if note else []), *org_blocks])


def _home(header: Block, blocks: Sequence[Block]) -> dict:
    message = finalize("MLOps maturity", [header, *blocks], max_blocks=MAX_VIEW_BLOCKS)
    return {"type": "home", "blocks": message.blocks}


def _fits(blocks: Sequence[Block]) -> bool:
    """Within what ``finalize`` keeps whole for a view: its block count and block text."""
    return len(blocks) < MAX_VIEW_BLOCKS and sum(len(json.dumps(b.to_dict())) for b in blocks) <= MAX_BLOCK_TEXT


def _more_teams(channel_ids: Sequence[str]) -> ContextBlock | None:
    """ "20 more teams: #a, #b, … and 5 others — run `/maturity status` in their channel": as many
    channel links as fit in one text (3,000 characters)."""
    if not channel_ids:
        return None
    links = list(channel_ids)
    text = part("home", "more_teams", len(channel_ids), links)
    while len(text) > MAX_SECTION and links:
        # drop enough links at once for the text to fit (each link is "<#C…>, "), then check again
        excess = len(text) - MAX_SECTION
        drop = max(1, excess // (len(links[-1]) + 5) + 1)
        links = links[: max(0, len(links) - drop)]
        text = part("home", "more_teams", len(channel_ids), links)
    return ContextBlock(elements=[md(text)])


def _home_team(team: TeamOverview, frameworks: dict[str, Framework], extras: dict[str, str | None]) -> list[Block]:
    fw = frameworks.get(team.framework_id)
    latest = team.recent[0] if team.recent else None
    level_name = fw.level_name(latest.level) if fw and latest is not None and latest.level is not None else ""
    history = [a.overall for a in reversed(team.recent)]
    name = fw.name if fw else team.framework_id
    blocks: list[Block] = [
        DividerBlock(),
        SectionBlock(text=md(part("home", "team", team, name, latest, level_name, history))),
    ]
    if extra := extras.get(team.channel_id):
        blocks.append(SectionBlock(text=md(extra)))
    buttons = []
    if team.open is None:
        buttons.append(
            ButtonElement(
                text=PlainTextObject(text=part("home", "start_button")),
                action_id="home:assess",
                value=team.channel_id,
                style="primary",
            )
        )
    buttons.append(
        ButtonElement(
            text=PlainTextObject(text=part("home", "schedule_button")),
            action_id="home:schedule",
            value=team.channel_id,
        )
    )
    buttons.append(
        ButtonElement(
            text=PlainTextObject(text=part("home", "anonymity_button", team.anonymous)),
            action_id="home:anonymous",
            value=json.dumps({"c": team.channel_id, "on": not team.anonymous}),
        )
    )
    blocks.append(ActionsBlock(block_id=f"home:{team.channel_id}", elements=buttons))
    return blocks
