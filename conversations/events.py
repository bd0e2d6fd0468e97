"""Slack events acted on once: the claim of an event id, and the pruning of old claims.

A typed reply's claim is taken in the same transaction as its answer (``AssessmentService.handle_reply``);
the other events the bot acts on (App Home opened, uninstalled, tokens revoked) are claimed here.
"""

from __future__ import annotations

from datetime import datetime

from storage import repo
from storage.db import Database


def claim_event(db: Database, event_id: str, workspace_id: str | None) -> bool:
    """True the first time ``event_id`` is claimed; False for a redelivery."""
    with db.session() as s:
        return repo.claim_event(s, event_id, workspace_id)


def prune_event_claims(db: Database, older_than: datetime) -> int:
    """Deletes the claims taken before ``older_than``; returns how many."""
    with db.session() as s:
        return repo.prune_events(s, older_than=older_than)
