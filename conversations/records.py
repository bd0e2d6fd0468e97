"""What reports and exports read as it is stored: a team's history of closed assessments, the
responses and comments of one assessment. Plain reads (one unit of work each); what they mean is
computed elsewhere (``conversations.assessments``, ``bot.reports``)."""

from __future__ import annotations

from dataclasses import dataclass

from storage import repo
from storage.db import Database
from storage.models import Assessment, Comment, Response, Workspace

__all__ = ["TeamRecord", "comments_of", "responses_of", "team_record"]


@dataclass(frozen=True)
class TeamRecord:
    """A team's stored record around one of its assessments."""

    anonymous: bool  # the team is in anonymity mode
    workspace_name: str | None
    channel_name: str | None
    history: tuple[Assessment, ...]  # its closed assessments, newest first
    responses: tuple[Response, ...]  # of the assessment asked for, oldest first


def team_record(
    db: Database, workspace_id: str, channel_id: str, assessment_id: int, *, history_limit: int
) -> TeamRecord | None:
    """The channel's team, its workspace's name, its last ``history_limit`` closed assessments and
    the responses of ``assessment_id``, read together; None when the channel has no team."""
    with db.session() as s:
        team = repo.get_team(s, workspace_id, channel_id)
        if team is None:
            return None
        workspace = s.get(Workspace, workspace_id)
        return TeamRecord(
            anonymous=bool(team.anonymous),
            workspace_name=workspace.name if workspace is not None else None,
            channel_name=team.channel_name,
            history=tuple(repo.closed_assessments(s, workspace_id, team.id, history_limit)),
            responses=tuple(repo.list_responses(s, workspace_id, assessment_id)),
        )


def responses_of(db: Database, workspace_id: str, assessment_id: int) -> list[Response]:
    """The assessment's responses, oldest first."""
    with db.session() as s:
        return list(repo.list_responses(s, workspace_id, assessment_id))


def comments_of(db: Database, workspace_id: str, assessment_id: int) -> list[Comment]:
    """The assessment's comments, oldest first."""
    with db.session() as s:
        return list(repo.list_comments(s, workspace_id, assessment_id))
