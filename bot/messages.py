"""Block Kit messages and their plain-text fallbacks.

Built with slack-sdk's block models, whose ``to_dict()`` checks per-field lengths; the message-level
limits Slack enforces but WebClient does not (50 blocks, ~13k characters of block text) are kept
here by ``finalize``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from conversations.assessments import DimensionProgress, Result, Status, ThreadAnswer
from conversations.commands import usage
from conversations.frameworks import Dimension, Framework
from scoring import arrow, format_score

MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_BLOCK_TEXT = 12_000  # Slack rejects messages past ~13k characters of block text
MAX_SECTION = 3000
ANSWER_ACTION_PREFIX = "answer:"


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[dict]

    def kwargs(self) -> dict:
        return {"text": self.text, "blocks": self.blocks}


def esc(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
    return "no level yet" if level is None else f"Level {level} ({framework.level_name(level)})"


def _when(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d") if dt else "—"


# --- opening ---------------------------------------------------------------------------------------


def intro_message(framework: Framework, opened_by: str | None, assessment_id: int) -> Message:
    questions = sum(len(d.questions) for d in framework.dimensions)
    who = f"<@{opened_by}> opened" if opened_by else "Time for"
    text = (
        f"{who.replace('Time for', 'Time for a')} an MLOps maturity assessment: {framework.name} — "
        f"{len(framework.dimensions)} dimensions, {questions} questions. Answer in each dimension's thread."
    )
    scale = f"{framework.scale.min}–{framework.scale.max}"
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(f"MLOps maturity check: {framework.name}", 150))),
        SectionBlock(
            text=md(
                f"{who} an assessment with *{len(framework.dimensions)} dimensions* and *{questions} questions* "
                f"on a {scale} scale. Each dimension below has its own thread:\n"
                f"• click a level under each question (only you see what you picked), or\n"
                f"• reply in the thread with one level per question in order, then any evidence — "
                f"e.g. `2 1 3 2 we track runs in MLflow` (`?` = don't know, `2=3` answers question 2 only).\n"
                f"Typed replies are visible to the channel; button clicks are not. "
                f"Answer again any time to change your answer."
            )
        ),
        ContextBlock(
            elements=[
                md(
                    f"Framework `{framework.id}` v{framework.version} · assessment #{assessment_id} · "
                    f"`/maturity status` to see progress, `/maturity finish` to close it"
                )
            ]
        ),
    ]
    return finalize(text, blocks)


def _progress_line(progress: DimensionProgress | None) -> str:
    if progress is None or progress.respondents == 0:
        return "No answers yet."
    people = "person has" if progress.respondents == 1 else "people have"
    counts = " · ".join(f"Q{i} {n}" for i, n in enumerate(progress.answers_by_question.values(), 1))
    return f"*{progress.respondents}* {people} answered ({counts})."


def dimension_message(
    framework: Framework,
    dimension: Dimension,
    position: int,
    assessment_id: int,
    progress: DimensionProgress | None = None,
    *,
    closed: bool = False,
) -> Message:
    count = len(framework.dimensions)
    text = (
        f"{dimension.name} ({position} of {count}): {len(dimension.questions)} questions — "
        f"answer with the buttons or reply in this thread."
    )
    if closed:
        text = f"{dimension.name} ({position} of {count}): this assessment is closed."
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(f"{position}/{count} · {dimension.name}", 150))),
        SectionBlock(
            text=md(
                f"_{esc(dimension.description)}_ Weight {dimension.weight:.0%}. Reply here with "
                f"{len(dimension.questions)} levels in order, e.g. "
                f"`{' '.join(str(min(framework.scale.max, framework.scale.min + 2)) for _ in dimension.questions)}"
                f" evidence…`"
            )
        ),
    ]
    for number, question in enumerate(dimension.questions, 1):
        anchors = "\n".join(f"`{level}` {esc(question.anchors[level])}" for level in framework.levels_range)
        blocks.append(
            SectionBlock(block_id=f"qt:{question.id}", text=md(f"*Q{number}. {esc(question.prompt)}*\n{anchors}"))
        )
        if not closed:
            buttons = [
                ButtonElement(
                    text=PlainTextObject(text=str(level)),
                    action_id=f"{ANSWER_ACTION_PREFIX}{question.id}:{level}",
                    value=json.dumps({"a": assessment_id, "q": question.id, "l": level}),
                )
                for level in framework.levels_range
            ]
            buttons.append(
                ButtonElement(
                    text=PlainTextObject(text="?"),
                    action_id=f"{ANSWER_ACTION_PREFIX}{question.id}:dk",
                    value=json.dumps({"a": assessment_id, "q": question.id, "l": None}),
                )
            )
            blocks.append(ActionsBlock(block_id=f"q:{question.id}", elements=buttons))
    footer = "This assessment is closed." if closed else _progress_line(progress)
    if closed and progress is not None and progress.respondents:
        footer = f"Closed · {_progress_line(progress)}"
    blocks.append(ContextBlock(elements=[md(footer)]))
    return finalize(text, blocks)


# --- answering -------------------------------------------------------------------------------------


def answer_confirmation(answer: ThreadAnswer) -> str:
    numbers = {q.id: i for i, q in enumerate(answer.dimension.questions, 1)}
    parts = []
    for question_id, level in answer.recorded.items():
        question = answer.dimension.question(question_id) if hasattr(answer.dimension, "question") else None
        label = "don't know" if level is None else str(level)
        anchor = f" — {question.anchors[level]}" if question is not None and level is not None else ""
        parts.append(f"Q{numbers.get(question_id, '?')} {label}{anchor}")
    text = f"Recorded for {answer.dimension.name}: " + "; ".join(parts) + "."
    if answer.comment:
        text += " Your comment is kept as evidence."
    return text


def unreadable_reply(explanation: str) -> str:
    return f"I couldn't record that reply, so nothing changed. {explanation}"


# --- status, summary, history ----------------------------------------------------------------------


def status_message(status: Status, members: Iterable[str] | None, *, anonymous: bool = False) -> Message:
    fw = status.framework
    a = status.assessment
    names = {d.id: d.name for d in fw.dimensions}
    lines = [f"• {esc(names.get(p.dimension_id, p.dimension_id))}: {_progress_line(p)}" for p in status.progress]
    waiting = sorted(set(members or ()) - status.respondents)
    answered = len(status.respondents)
    text = (
        f"Assessment #{a.id} ({fw.name}) opened {_when(a.opened_at)}: "
        f"{answered} {'person has' if answered == 1 else 'people have'} answered so far."
    )
    body = text + "\n" + "\n".join(lines)
    if members is not None and anonymous:
        body += f"\nAnonymity mode: {len(waiting)} of {len(set(members))} members have not answered yet."
    elif members is not None:
        body += "\n" + (
            "Everyone in the channel has answered."
            if not waiting
            else f"Not answered yet ({len(waiting)}): "
            + " ".join(f"<@{u}>" for u in waiting[:40])
            + (" …" if len(waiting) > 40 else "")
        )
    return finalize(text, [SectionBlock(text=md(body))])


def summary_message(result: Result) -> Message:
    fw, sc = result.framework, result.score
    dims_text = ", ".join(f"{d.name} {format_score(d.score)}" for d in sc.dimensions)
    overall = format_score(sc.overall)
    level = level_label(fw, sc.level)
    answered = (
        f"{sc.respondents} of {sc.member_count} members answered"
        if sc.member_count
        else (f"{sc.respondents} people answered")
    )
    text = (
        f"MLOps maturity assessment #{result.assessment.id} closed: overall {overall} — {level}. "
        f"{dims_text}. {answered}."
    )
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(f"MLOps maturity: {level}", 150))),
    ]
    head = f"*Overall {overall}* on {fw.scale.min}–{fw.scale.max} · *{level}* · {answered}"
    if sc.response_rate is not None:
        head += f" ({sc.response_rate:.0%})"
    delta = result.delta
    if delta is not None and delta.overall_delta is not None:
        head += (
            f"\nSince #{result.previous_assessment.id} ({_when(result.previous_assessment.closed_at)}): "
            f"{arrow(delta.overall_delta)} {delta.overall_delta:+.2f}"
        )
        if delta.level_changed:
            head += f" — level {delta.previous_level} → {delta.current_level}"
    blocks.append(SectionBlock(text=md(head)))

    dim_lines = []
    deltas = {d.id: d for d in delta.dimensions} if delta is not None else {}
    for d in sc.dimensions:
        line = f"• *{esc(d.name)}* ({d.weight:.0%}): {format_score(d.score)}"
        line += f" · {level_label(fw, d.level)}" if d.level is not None else " · not scored (no answers)"
        dd = deltas.get(d.id)
        if dd is not None and dd.delta is not None:
            line += f" · {arrow(dd.delta)} {dd.delta:+.2f}"
        dim_lines.append(line)
    blocks.append(SectionBlock(text=md("*Dimensions*\n" + "\n".join(dim_lines))))

    if sc.weakest:
        weak_lines = [
            f"{i}. *{esc(w.name)}* {format_score(w.score)} — {w.gap:.2f} short of Level {w.next_level} "
            f"(weight {w.weight:.0%})"
            for i, w in enumerate(sc.weakest[:3], 1)
        ]
        blocks.append(
            SectionBlock(text=md("*Weakest dimensions* (gap to next level × weight)\n" + "\n".join(weak_lines)))
        )

    if sc.disagreements:
        prompts = {q.id: (d, i, q) for d in fw.dimensions for i, q in enumerate(d.questions, 1)}
        dis_lines = []
        for q in sc.disagreements[:8]:
            dim, number, question = prompts.get(q.question_id, (None, 0, None))
            label = f"{dim.name} Q{number}: {question.prompt}" if question else q.question_id
            dis_lines.append(f"• {esc(clip(label, 160))} — answers from {min(q.levels)} to {max(q.levels)}")
        more = f"\n…and {len(sc.disagreements) - 8} more" if len(sc.disagreements) > 8 else ""
        blocks.append(
            SectionBlock(text=md("*Where members disagree* (2+ levels apart)\n" + "\n".join(dis_lines) + more))
        )

    blocks.append(DividerBlock())
    blocks.append(SectionBlock(text=md(roadmap_text(result))))
    blocks.append(
        ContextBlock(
            elements=[
                md(
                    f"`{fw.id}` v{result.spec.version} · assessment #{result.assessment.id} · "
                    f"{len(result.comments)} comments kept as evidence · `/maturity roadmap` any time"
                )
            ]
        )
    )
    return finalize(text, blocks)


def roadmap_text(result: Result) -> str:
    choice = result.roadmap
    if choice is None:
        return "*Roadmap*: no level yet — nobody gave a numeric answer."
    if choice.next is None:
        return (
            "*Roadmap*: top of the scale. Keep it there: watch drift, cost and incident trends, "
            "and re-assess every quarter."
        )
    r = choice.next
    text = (
        f"*Next: Roadmap {r.number} — {esc(r.title)}* (reference level {r.from_level}→{r.to_level})\n"
        f"Duration {r.duration} · budget {r.cost} · team: {esc(r.team)}\n" + "\n".join(f"• {esc(f)}" for f in r.focus)
    )
    if choice.accelerated is not None:
        a = choice.accelerated
        text += (
            f"\n_Or the accelerated path, Roadmap {a.number} ({a.from_level}→{a.to_level}): "
            f"{a.duration}, {a.cost}, team {esc(a.team)}._"
        )
    return text


def roadmap_message(result: Result) -> Message:
    fw, sc = result.framework, result.score
    text = (
        f"Roadmap for this channel (assessment #{result.assessment.id}, overall {format_score(sc.overall)} — "
        f"{level_label(fw, sc.level)})"
    )
    r = result.roadmap.next if result.roadmap else None
    if r is not None:
        text += f": Roadmap {r.number}, {r.duration}, {r.cost}."
    return finalize(text, [SectionBlock(text=md(text)), SectionBlock(text=md(roadmap_text(result)))])


def history_message(assessments: Sequence, frameworks: dict[str, Framework]) -> Message:
    if not assessments:
        return finalize(
            "No finished assessments in this channel yet.",
            [SectionBlock(text=md("No finished assessments in this channel yet. Start one with `/maturity assess`."))],
        )
    lines = []
    for a in assessments:
        fw = frameworks.get(a.framework_id)
        level = f"Level {a.level} ({fw.level_name(a.level)})" if fw and a.level is not None else "no level"
        lines.append(f"• {_when(a.closed_at)} · #{a.id} `{a.framework_id}` · {format_score(a.overall)} · {level}")
    text = f"{len(assessments)} finished assessments in this channel."
    return finalize(text, [SectionBlock(text=md("*History*\n" + "\n".join(lines)))])


def help_message(frameworks: Iterable[Framework]) -> Message:
    fw_lines = "\n".join(
        f"• `{f.id}` — {esc(f.name)} ({f.scale.min}–{f.scale.max}, {len(f.dimensions)} dimensions)" for f in frameworks
    )
    body = (
        "*How it works*: `/maturity assess` posts one message per dimension. Answer each question with "
        "the buttons, or reply in the dimension's thread with one level per question in order, then any "
        "evidence: `3 2 4 1 we use MLflow` (`?` or `-` = don't know; `2=3` answers question 2 only). "
        "Answering again replaces your earlier answer. `/maturity finish` posts the scores, the weakest "
        "dimensions, where members disagree, and the roadmap to the next level.\n"
        "*Privacy*: typed thread replies are visible to everyone in the channel; button clicks are not "
        "(only the summary's aggregates are posted).\n\n"
        f"{usage()}\n\n*Frameworks*\n{fw_lines}"
    )
    return finalize("How to use /maturity: " + usage().replace("\n", " "), [SectionBlock(text=md(body))])


def usage_message(problem: str) -> Message:
    text = f"{problem} {usage()}"
    return finalize(text, [SectionBlock(text=md(text))])


def settings_message(channel_name: str | None, anonymous: bool, changed: bool = False) -> Message:
    where = f"#{channel_name}" if channel_name else "this channel"
    state = "on" if anonymous else "off"
    verb = "is now" if changed else "is"
    detail = (
        "Summaries, digests and exports show aggregates only, and I never say who answered what."
        if anonymous
        else "Status lists who has not answered yet; exports include who answered what."
    )
    text = f"Anonymity mode for {where} {verb} {state}. {detail}"
    return finalize(
        text,
        [
            SectionBlock(text=md(text)),
            ContextBlock(elements=[md("Change it with `/maturity settings anonymous on|off` or from the app's Home.")]),
        ],
    )


def home_view(overviews: Sequence, frameworks: dict[str, Framework]) -> dict:
    """The App Home tab: the member's teams, their level, last and open assessments, a mini history."""
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text="MLOps maturity"))]
    if not overviews:
        blocks.append(
            SectionBlock(
                text=md(
                    "You have not taken part in an assessment yet. Run `/maturity assess` in your team's "
                    "channel: I post one thread per dimension and the team answers there."
                )
            )
        )
    for team in overviews:
        fw = frameworks.get(team.framework_id)
        latest = team.recent[0] if team.recent else None
        where = f"<#{team.channel_id}>"
        if latest is not None and fw is not None and latest.level is not None:
            level = f"*Level {latest.level} — {esc(fw.level_name(latest.level))}* ({format_score(latest.overall)})"
            when = f"last assessed {_when(latest.closed_at)}"
        else:
            level, when = "_no finished assessment yet_", ""
        name = esc(fw.name) if fw else team.framework_id
        lines = [f"{where} · {name}", f"{level} {('· ' + when) if when else ''}".strip()]
        if team.recent:
            history = " → ".join(format_score(a.overall) for a in reversed(team.recent))
            lines.append(f"History: {history}")
        if team.open is not None:
            lines.append(f"Assessment #{team.open.id} is open since {_when(team.open.opened_at)}.")
        if team.anonymous:
            lines.append("Anonymity mode is on.")
        blocks.append(DividerBlock())
        blocks.append(SectionBlock(text=md("\n".join(lines))))
        buttons = []
        if team.open is None:
            buttons.append(
                ButtonElement(
                    text=PlainTextObject(text="Start an assessment"),
                    action_id="home:assess",
                    value=team.channel_id,
                    style="primary",
                )
            )
        buttons.append(
            ButtonElement(
                text=PlainTextObject(text="Anonymity: turn off" if team.anonymous else "Anonymity: turn on"),
                action_id="home:anonymous",
                value=json.dumps({"c": team.channel_id, "on": not team.anonymous}),
            )
        )
        blocks.append(ActionsBlock(block_id=f"home:{team.channel_id}", elements=buttons))
    message = finalize("MLOps maturity", blocks, max_blocks=MAX_VIEW_BLOCKS)
    return {"type": "home", "blocks": message.blocks}
