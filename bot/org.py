"""The organisation view in Slack: who may see every team (workspace admins and owners, per
``users.info``, and the members they named), the ``/maturity teams`` message, its heat map upload,
and the admin's "All teams" section of App Home."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block, ContextBlock, DividerBlock, HeaderBlock, PlainTextObject, SectionBlock

from bot.messages import MAX_BLOCKS, Message, finalize, md
from bot.slack_io import BEST_EFFORT_ERRORS, log_failure, slack_error
from bot.templating import part
from conversations.caching import BoundedCache
from conversations.org import FrameworkGroup, OrgService, OrgView, TeamRow

log = logging.getLogger("maturity.org")

TOP_TEAMS = 20  # teams listed in the message (each a section, within ~12k characters); the rest are counted
HOME_TEAMS = 10  # teams in the admin's App Home section

# The heat map and trend PNGs per what they are drawn from (every row of the view and the rows per
# panel): asked again with nothing changed (no assessment closed, the same day), the view is
# uploaded without drawing again (~1 s of CPU for 500 teams). 8 views of ~0.6 MB at most.
PICTURES_MAX = 8
_PICTURES: BoundedCache[str, tuple[bytes, bytes | None]] = BoundedCache(PICTURES_MAX)

_MENTION = re.compile(r"^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


# --- who may see it --------------------------------------------------------------------------------


def workspace_role(client: WebClient, user_id: str) -> bool:
    """Whether users.info says the member is a workspace admin or owner. Asked every time (never
    cached: a demoted admin loses the view at once); when Slack won't say, the answer is no."""
    try:
        user = client.users_info(user=user_id).get("user") or {}
    except BEST_EFFORT_ERRORS as exc:
        log_failure("users.info", exc, user=user_id)
        return False
    if user.get("deleted") or user.get("is_bot"):
        return False
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


def may_see_org(client: WebClient, org: OrgService, workspace_id: str, user_id: str) -> bool:
    return org.is_named(workspace_id, user_id) or workspace_role(client, user_id)


def resolve_user(client: WebClient, who: str) -> str | None:
    """A member named as typed: a mention ``<@U…>``/``<@U…|name>``, a user id, or ``@name`` (looked
    up with users.list: slash commands arrive unescaped). None if no such member."""
    who = who.strip()
    if match := _MENTION.match(who):
        return match[1]
    if _USER_ID.match(who):
        return who
    name = who.lstrip("@").lower()
    if not name:
        return None
    cursor = None
    try:
        for _page in range(50):  # at most 50 pages of 200 members
            page = client.users_list(limit=200, cursor=cursor) if cursor else client.users_list(limit=200)
            for u in page.get("members") or []:
                profile = u.get("profile") or {}
                names = {str(u.get("name") or "").lower(), str(profile.get("display_name") or "").lower()}
                if name in names and not u.get("deleted"):
                    return str(u["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    except BEST_EFFORT_ERRORS as exc:
        log_failure("users.list", exc)
    return None


def user_exists(client: WebClient, user_id: str) -> bool | None:
    """True for a person of the workspace, False for an app or a deactivated account, None if unknown."""
    try:
        user = client.users_info(user=user_id).get("user") or {}
    except BEST_EFFORT_ERRORS as exc:
        log_failure("users.info", exc, user=user_id)
        return None
    return not (user.get("is_bot") or user.get("deleted") or user.get("is_app_user"))


# --- messages --------------------------------------------------------------------------------------


def reply(name: str, /, *args: object) -> str:
    return part("org", name, *args)


def _listed(view: OrgView, limit: int) -> list[tuple[int, TeamRow]]:
    """The teams the message lists: the best of each framework, in framework order, ``limit`` in all."""
    out: list[tuple[int, TeamRow]] = []
    for g in view.groups:
        for rank, t in enumerate(g.teams, 1):
            if len(out) >= limit:
                return out
            out.append((rank, t))
    return out


def teams_message(view: OrgView, limit: int = TOP_TEAMS) -> Message:
    """The ``/maturity teams`` answer: per framework the teams, best first (within Slack's 50 blocks:
    ``limit`` teams, and a count of the rest), then most improved, most declined and overdue."""
    listed = _listed(view, limit)
    text = part("org", "text", view, [t for _, t in listed][:10])
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=part("org", "header"))),
        ContextBlock(elements=[md(part("org", "context", view))]),
    ]
    if not view.team_count:
        blocks.append(SectionBlock(text=md(part("org", "empty"))))
        return finalize(text, blocks)
    blocks.append(SectionBlock(text=md(part("org", "ranked", view))))
    shown_ids = {id(t) for _, t in listed}
    for g in view.groups:
        rows = [(rank, t) for rank, t in listed if t.framework_id == g.framework_id and id(t) in shown_ids]
        if not rows:
            continue
        blocks.append(DividerBlock())
        blocks.append(SectionBlock(text=md(part("org", "group", g))))
        for rank, t in rows:
            blocks.append(SectionBlock(text=md(part("org", "team", t, rank))))
    rest = view.team_count - len(listed)
    if rest:
        blocks.append(ContextBlock(elements=[md(part("org", "rest", rest))]))
    assert len(blocks) <= MAX_BLOCKS, len(blocks)
    return finalize(text, blocks)


def home_section(view: OrgView, limit: int = HOME_TEAMS) -> list[Block]:
    """The admin's "All teams" section of App Home: a header, the top ``limit`` teams (one section
    each, at most ``limit`` + 3 blocks), and a pointer to ``/maturity teams`` for the rest."""
    listed = _listed(view, limit)
    blocks: list[Block] = [
        DividerBlock(),
        HeaderBlock(text=PlainTextObject(text=part("org", "home_header"))),
        ContextBlock(elements=[md(part("org", "context", view))]),
    ]
    for rank, t in listed:
        blocks.append(SectionBlock(text=md(part("org", "team", t, rank))))
    blocks.append(ContextBlock(elements=[md(part("org", "home_rest", view.team_count - len(listed)))]))
    return blocks


def upload_heatmap(
    client: WebClient, view: OrgView, *, channel: str, thread_ts: str | None = None, max_rows: int | None = None
) -> str | None:
    """Draw the heat map, and the workspace median per quarter when there is one, and upload them
    (one files_upload_v2) into ``channel``; the error, or None."""
    from bot.charts import HEATMAP_MAX_ROWS

    rows = max_rows or HEATMAP_MAX_ROWS
    png, trend = pictures(view.groups, rows)
    day = f"{view.generated_at:%Y-%m-%d}"
    uploads = [{"content": png, "filename": f"maturity-teams-{day}.png", "title": "Every team: heat map"}]
    if trend is not None:
        uploads.append(
            {
                "content": trend,
                "filename": f"maturity-teams-trend-{day}.png",
                "title": "Workspace median per quarter",
            }
        )
    shown = sum(min(len(g.teams), rows) for g in view.groups)
    try:
        client.files_upload_v2(
            channel=channel,
            thread_ts=thread_ts,
            initial_comment=part("org", "heatmap_comment", view, shown),
            file_uploads=uploads,
        )
    except BEST_EFFORT_ERRORS as exc:
        log_failure("files.upload_v2", exc, channel=channel)
        return slack_error(exc)
    return None


def pictures(groups: Sequence[FrameworkGroup], rows: int) -> tuple[bytes, bytes | None]:
    """The heat map (``rows`` teams per panel) and, when any framework has a median, the trend
    chart: drawn once per content. The key is a digest of the groups' whole ``repr`` (frozen
    dataclasses: every field of every team, so nothing drawn can change under a cached picture)."""
    from bot.charts import heatmap_chart, org_trend_chart

    key = hashlib.sha256(repr((rows, tuple(groups))).encode("utf-8")).hexdigest()
    found = _PICTURES.get(key)
    if found is None:
        trend = org_trend_chart(groups) if any(g.medians for g in groups) else None
        found = (heatmap_chart(groups, rows), trend)
        _PICTURES.put(key, found)
    return found


def listed_teams(view: OrgView, limit: int = TOP_TEAMS) -> Sequence[TeamRow]:
    return [t for _, t in _listed(view, limit)]
