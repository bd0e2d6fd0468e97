"""Reminder hours: each member is reminded within the team's working hours of their own timezone

Revision ID: 0006_reminder_hours
Revises: 0005
Create Date: 2026-12-03

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_reminder_hours"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminder_hours_start", sa.Integer(), server_default="9", nullable=False))
        batch_op.add_column(sa.Column("reminder_hours_end", sa.Integer(), server_default="17", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_column("reminder_hours_end")
        batch_op.drop_column("reminder_hours_start")
