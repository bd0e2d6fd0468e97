"""Typed answers in a dimension's thread.

Two forms, then an optional comment (kept as evidence):

* levels in question order, separated by spaces or commas: ``3 2 4 1 we use MLflow``;
  ``?`` or ``-`` means "don't know";
* one or more ``N=L`` pairs (question number N, level L): ``2=3`` or ``1=2 4=? flaky alerts``.

Anything else is unreadable and raises :class:`ReplyError`, whose message explains the format with
an example for this dimension; nothing is recorded then.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NoReturn

from conversations.text import clip

DONT_KNOW_TOKENS = frozenset({"?", "-"})
_TOKEN = re.compile(r"[^\s,]+")
_LEVEL = re.compile(r"^(\d+|\?|-)$")
_PAIR = re.compile(r"^(\d+)=(\d+|\?|-)$")
_DECIMAL = re.compile(r"^\d+[.]\d+$")
_LEADING_MENTION = re.compile(r"^\s*(<@[A-Z0-9]+(\|[^>]*)?>\s*)+")
_COMMENT_LEAD = re.compile(r"^[\s\-—–:;,.|]+")
_TRAILING_PUNCT = ".!;:)"
MAX_COMMENT = 2000
# A level or question number has a few digits; past this many (ignoring leading zeros) a number is
# read as "not a level" without being converted (int() refuses more than 4,300 digits).
_MAX_DIGITS = 6


@dataclass(frozen=True)
class ParsedReply:
    answers: dict[int, int | None]  # question number (1-based) -> level, None = don't know
    comment: str | None


class ReplyError(ValueError):
    """A reply that cannot be read; ``str()`` is the explanation to show the member."""

    def __init__(
        self,
        problem: str,
        *,
        question_count: int,
        scale_min: int,
        scale_max: int,
        level_names: Sequence[str] = (),
        example_comment: str | None = None,
    ) -> None:
        self.problem = problem
        self.example = example_reply(question_count, scale_min, scale_max, example_comment)
        scale = scale_text(scale_min, scale_max, level_names)
        super().__init__(
            f"{problem} Reply with one level per question, in order, from {scale} "
            f"(`?` = don't know), then any comment — e.g. `{self.example}` — or answer one question "
            f"with `N=L`, e.g. `2={min(scale_max, scale_min + 2)}`."
        )


DEFAULT_EXAMPLE_COMMENT = "we track runs in MLflow"


def example_reply(question_count: int, scale_min: int, scale_max: int, comment: str | None = None) -> str:
    """A reply that reads on this scale: levels in question order, then the framework's example evidence."""
    pattern = [2, 1, 3, 2, 1]
    levels = [str(min(scale_max, scale_min + pattern[i % len(pattern)])) for i in range(question_count)]
    return " ".join(levels) + " " + (comment or DEFAULT_EXAMPLE_COMMENT)


def scale_text(scale_min: int, scale_max: int, level_names: Sequence[str] = ()) -> str:
    """``0 to 4``, or with the framework's level names ``1 (Experimenting) to 3 (Operating)``."""
    if len(level_names) == scale_max - scale_min + 1:
        return f"{scale_min} ({level_names[0]}) to {scale_max} ({level_names[-1]})"
    return f"{scale_min} to {scale_max}"


def _number(token: str) -> int | None:
    """The whole number ``token`` spells (digits only), or None when it is too long to be a level
    or a question number."""
    digits = token.lstrip("0") or "0"
    return int(digits) if len(digits) <= _MAX_DIGITS else None


def _level(
    token: str, number: int, scale_min: int, scale_max: int, fail: Callable[[str], NoReturn], names: Sequence[str]
) -> int | None:
    if token in DONT_KNOW_TOKENS:
        return None
    value = _number(token)
    if value is None or not scale_min <= value <= scale_max:
        shown = clip(token) if value is None else value
        fail(
            f"Question {number}: {shown} is not a level here "
            f"(levels go from {scale_text(scale_min, scale_max, names)})."
        )
    return value


def parse_reply(
    text: str,
    *,
    question_count: int,
    scale_min: int,
    scale_max: int,
    level_names: Sequence[str] = (),
    example_comment: str | None = None,
) -> ParsedReply:
    """Read a typed reply for a dimension with ``question_count`` questions on the given scale
    (``level_names`` and ``example_comment``: the framework's own, quoted when it cannot be read)."""

    def fail(problem: str) -> NoReturn:
        raise ReplyError(
            problem,
            question_count=question_count,
            scale_min=scale_min,
            scale_max=scale_max,
            level_names=level_names,
            example_comment=example_comment,
        )

    if question_count < 1:
        raise ValueError("question_count must be at least 1")
    # NUL cannot be stored in PostgreSQL text (and means nothing in a reply): drop it first.
    body = _LEADING_MENTION.sub("", (text or "").replace("\x00", ""))
    tokens = list(_TOKEN.finditer(body))
    if not tokens:
        fail("I couldn't find any answers in that reply.")

    def word(match: re.Match[str]) -> str:
        token = match.group()
        return token if _DECIMAL.match(token) else token.rstrip(_TRAILING_PUNCT) or token

    answers: dict[int, int | None] = {}
    end = 0
    first = word(tokens[0])
    if _PAIR.match(first):
        for match in tokens:
            pair = _PAIR.match(word(match))
            if not pair:
                break
            number = _number(pair.group(1))
            if number is None or not 1 <= number <= question_count:
                shown = clip(pair.group(1)) if number is None else number
                fail(f"There is no question {shown} in this thread (it has {question_count}).")
            if number in answers:
                fail(f"Question {number} is answered twice in that reply.")
            answers[number] = _level(pair.group(2), number, scale_min, scale_max, fail, level_names)
            end = match.end()
    elif _LEVEL.match(first):
        for match in tokens:
            token = word(match)
            if _PAIR.match(token):
                fail("Please use either levels in order or `N=L` pairs, not both in one reply.")
            if not _LEVEL.match(token):
                if _DECIMAL.match(token):
                    fail(f"`{clip(token)}` is not a whole level.")
                break
            if len(answers) == question_count:
                if token in DONT_KNOW_TOKENS:
                    break  # a dash after the last level starts the comment
                fail(f"This thread has {question_count} questions, but that reply gives more levels.")
            number = len(answers) + 1
            answers[number] = _level(token, number, scale_min, scale_max, fail, level_names)
            end = match.end()
    elif _DECIMAL.match(first):
        fail(f"`{clip(first)}` is not a whole level.")
    else:
        fail("I couldn't read levels at the start of that reply.")

    comment = unescape_slack(_COMMENT_LEAD.sub("", body[end:]).strip())
    return ParsedReply(answers=answers, comment=comment[:MAX_COMMENT] or None)


# Slack's markup in message text: <https://x|label>, <mailto:..>, <@U123>, <#C123|name>, <!here>.
# Everything else arrives with &, < and > escaped as &amp;, &lt; and &gt;.
_MARKUP = re.compile(r"<((?:https?://|mailto:)[^<>|\s]+|[@#][UWBC][A-Z0-9]+|![a-z^][^<>|]*)(?:\|([^<>]*))?>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}


def _decode(text: str) -> str:
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


def unescape_slack(text: str) -> str:
    """The text a member typed, from message text as Slack delivers it: ``&amp;``, ``&lt;`` and
    ``&gt;`` decoded; Slack's links and mentions kept as its markup (``<https://x|label>``,
    ``<@U123>``), which :func:`slack_parts` reads for reports and exports."""
    out, at = [], 0
    for match in _MARKUP.finditer(text):
        out.append(_decode(text[at : match.start()]))
        out.append(match.group())
        at = match.end()
    out.append(_decode(text[at:]))
    return "".join(out)


@dataclass(frozen=True)
class TextPart:
    """A piece of a stored comment: plain ``text``, a ``link`` (``target`` is the URL), a ``user``
    mention (``target`` is the user id) or a ``channel`` mention."""

    kind: str
    text: str
    target: str | None = None


def slack_parts(text: str) -> list[TextPart]:
    """A stored comment split into plain text, links and mentions (labels decoded)."""
    parts: list[TextPart] = []
    at = 0
    for match in _MARKUP.finditer(text):
        if match.start() > at:
            parts.append(TextPart("text", text[at : match.start()]))
        target, label = match.group(1), _decode(match.group(2) or "")
        if target.startswith(("http", "mailto:")):
            url = _decode(target)
            parts.append(TextPart("link", label or url.removeprefix("mailto:"), url))
        elif target.startswith("@"):
            parts.append(TextPart("user", label, target[1:]))
        elif target.startswith("#"):
            parts.append(TextPart("channel", label or target[1:], target[1:]))
        else:
            parts.append(TextPart("text", "@" + (label or target[1:].split("^")[0])))
        at = match.end()
    if at < len(text):
        parts.append(TextPart("text", text[at:]))
    return parts
