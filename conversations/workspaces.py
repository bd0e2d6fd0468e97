"""A workspace as a whole: finding it from the command line (``maturity report``), and deleting
everything stored for it (``maturity purge``)."""

from __future__ import annotations

from storage import repo
from storage.db import Database


def purge_workspace(db: Database, workspace_id: str) -> dict[str, int]:
    """Deletes every token, team, assessment and answer of a workspace; the rows deleted per table."""
    with db.session() as s:
        return repo.purge_workspace(s, workspace_id)


def workspaces_with_channel(db: Database, channel_id: str) -> list[str]:
    """The workspaces that have a team in this channel (the one lookup not scoped by workspace:
    the administrator's CLI has to find the workspace first)."""
    with db.read() as s:
        return repo.workspaces_of_channel(s, channel_id)


def workspaces_with_teams(db: Database) -> list[str]:
    """Every workspace with a team (``maturity report --org`` has to find the workspace first)."""
    with db.read() as s:
        return repo.workspaces_with_teams(s)
