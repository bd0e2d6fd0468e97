"""A workspace as a whole: deleting everything stored for it (``maturity purge``)."""

from __future__ import annotations

from storage import repo
from storage.db import Database


def purge_workspace(db: Database, workspace_id: str) -> dict[str, int]:
    """Deletes every token, team, assessment and answer of a workspace; the rows deleted per table."""
    with db.session() as s:
        return repo.purge_workspace(s, workspace_id)
