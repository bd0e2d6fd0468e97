"""The organisation view: members named to see every team of the workspace

Revision ID: 0009_org_admins
Revises: 0008_roadmap_items
Create Date: 2026-12-03

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_org_admins"
down_revision: str | Sequence[str] | None = "0008_roadmap_items"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "org_admins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("added_by", sa.String(length=32), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name="fk_org_admins_workspace_id_workspaces", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_org_admins"),
        sa.UniqueConstraint("workspace_id", "user_id", name="uq_org_admins_workspace_id_user_id"),
    )


def downgrade() -> None:
    op.drop_table("org_admins")
