"""The tracked roadmap in Slack: the modal of the items proposed when an assessment closes (opened
from the summary's button), the ``/maturity plan`` message with status buttons, and the
add-an-item modal."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.messages import MAX_BLOCKS, MAX_SECTION, Message, clip, finalize, md
from bot.templating import part
from conversations.assessments import Result
from conversations.frameworks import Framework
from conversations.plans import ITEM_STATUSES, PlanView, Proposal, propose

log = logging.getLogger("maturity.plans")

ACCEPT_CALLBACK = "plan:accept"
ADD_CALLBACK = "plan:add"
ADD_ACTION = "plan:add"
STATUS_ACTION = "plan:status"
MAX_ITEMS_SHOWN = 22  # two blocks each, within a message's 50
NEXT_STATUSES = {
    "todo": ("doing", "done", "dropped"),
    "doing": ("done", "dropped"),
    "done": ("todo",),
    "dropped": ("todo",),
}


def _level_text(result: Result) -> str:
    level = result.score.target_level
    if level is None:
        return "the next level"
    return f"Level {level} ({result.framework.level_name(level)})"


def proposals_for(result: Result, existing_titles: Sequence[str]) -> list[Proposal]:
    focus = result.roadmap.next.focus if result.roadmap is not None and result.roadmap.next is not None else ()
    priorities = [w.dimension_id for w in result.score.weakest]
    return propose(result.framework, focus, priorities, existing_titles)


# --- modals ---------------------------------------------------------------------------------------


def _dimension_options(framework: Framework) -> list[Option]:
    return [Option(value=d.id, text=PlainTextObject(text=clip(d.name, 75))) for d in framework.dimensions]


def _item_inputs(framework: Framework, prefix: str, title: str = "", dimension_id: str | None = None) -> list[Block]:
    options = _dimension_options(framework)
    initial = next((o for o in options if o.value == dimension_id), None)
    dim = StaticSelectElement(action_id="v", options=options)
    if initial is not None:
        dim = StaticSelectElement(action_id="v", options=options, initial_option=initial)
    return [
        InputBlock(
            block_id=prefix + "title",
            label=PlainTextObject(text=part("plan", "title_label")),
            element=PlainTextInputElement(action_id="v", initial_value=title or None, max_length=150),
        ),
        InputBlock(block_id=prefix + "dim", label=PlainTextObject(text=part("plan", "dimension_label")), element=dim),
        InputBlock(
            block_id=prefix + "owner",
            optional=True,
            label=PlainTextObject(text=part("plan", "owner_label")),
            element=UserSelectElement(action_id="v"),
        ),
        InputBlock(
            block_id=prefix + "due",
            optional=True,
            label=PlainTextObject(text=part("plan", "due_label")),
            element=DatePickerElement(action_id="v"),
        ),
    ]


def accept_modal(result: Result, channel_id: str, proposals: Sequence[Proposal]) -> dict[str, Any]:
    """Keep, edit or drop each proposed item (at most 8 x 5 blocks, inside a modal's 100)."""
    keep = Option(value="keep", text=PlainTextObject(text=part("plan", "keep_option")))
    blocks: list[Block] = [SectionBlock(text=md(part("plan", "modal_intro", len(proposals))))]
    for n, proposal in enumerate(proposals):
        prefix = f"p{n}:"
        blocks.append(
            InputBlock(
                block_id=prefix + "keep",
                optional=True,
                label=PlainTextObject(text=part("plan", "keep_label", n + 1)),
                element=CheckboxesElement(action_id="v", options=[keep], initial_options=[keep]),
            )
        )
        blocks.extend(_item_inputs(result.framework, prefix, proposal.title, proposal.dimension_id))
    view = View(
        type="modal",
        callback_id=ACCEPT_CALLBACK,
        private_metadata=json.dumps({"c": channel_id, "a": result.assessment.id, "n": len(proposals)}),
        title=PlainTextObject(text=part("plan", "modal_title")),
        submit=PlainTextObject(text=part("plan", "modal_submit")),
        blocks=blocks,
    )
    return view.to_dict()


def add_modal(framework: Framework, channel_id: str) -> dict[str, Any]:
    blocks = _item_inputs(framework, "")
    blocks.append(
        InputBlock(
            block_id="link",
            optional=True,
            label=PlainTextObject(text=part("plan", "link_label")),
            element=PlainTextInputElement(action_id="v", max_length=500),
        )
    )
    blocks.append(
        InputBlock(
            block_id="notes",
            optional=True,
            label=PlainTextObject(text=part("plan", "notes_label")),
            element=PlainTextInputElement(action_id="v", multiline=True, max_length=2000),
        )
    )
    view = View(
        type="modal",
        callback_id=ADD_CALLBACK,
        private_metadata=json.dumps({"c": channel_id}),
        title=PlainTextObject(text=part("plan", "add_title")),
        submit=PlainTextObject(text=part("plan", "modal_submit")),
        blocks=blocks,
    )
    return view.to_dict()


# --- /maturity plan -------------------------------------------------------------------------------


def plan_message(view: PlanView, channel_name: str | None) -> Message:
    blocks: list[Block] = [SectionBlock(text=md(part("plan", "text", view, channel_name)))]
    if not view.items:
        blocks.append(SectionBlock(text=md(part("plan", "empty"))))
    shown = view.items[:MAX_ITEMS_SHOWN]
    for v in shown:
        blocks.append(SectionBlock(text=md(clip(part("plan", "item", v), MAX_SECTION))))
        blocks.append(
            ActionsBlock(
                block_id=f"plan:item:{v.item.id}",
                elements=[
                    ButtonElement(
                        text=PlainTextObject(text=part("plan", "button", status)),
                        action_id=f"{STATUS_ACTION}:{status}",
                        value=json.dumps({"i": v.item.id, "s": status}),
                        style="primary" if status == "done" else None,
                    )
                    for status in NEXT_STATUSES.get(v.item.status, ())
                    if status in ITEM_STATUSES
                ],
            )
        )
    if len(view.items) > len(shown):
        blocks.append(SectionBlock(text=md(part("plan", "more", len(view.items) - len(shown)))))
    blocks.append(
        ActionsBlock(
            block_id="plan:actions",
            elements=[
                ButtonElement(
                    text=PlainTextObject(text=part("plan", "add_button")), action_id=ADD_ACTION, value=view.channel_id
                )
            ],
        )
    )
    return finalize(part("plan", "text", view, channel_name), blocks[:MAX_BLOCKS])
