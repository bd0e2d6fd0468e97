"""business case: platform comparisons (rounds and members' scores) and ROI business cases

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "platform_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("criteria_json", sa.Text(), nullable=False),
        sa.Column("started_by", sa.String(length=32), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_platform_evaluations_team_id_teams"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_platform_evaluations_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_evaluations")),
    )
    with op.batch_alter_table("platform_evaluations", schema=None) as batch_op:
        batch_op.create_index("ix_platform_evaluations_workspace_team", ["workspace_id", "team_id"], unique=False)

    op.create_table(
        "platform_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("platform_key", sa.String(length=80), nullable=False),
        sa.Column("platform_name", sa.String(length=80), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("scores_json", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["platform_evaluations.id"],
            name=op.f("fk_platform_scores_evaluation_id_platform_evaluations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_platform_scores_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_scores")),
        sa.UniqueConstraint(
            "evaluation_id",
            "platform_key",
            "user_id",
            name=op.f("uq_platform_scores_evaluation_id_platform_key_user_id"),
        ),
    )
    with op.batch_alter_table("platform_scores", schema=None) as batch_op:
        batch_op.create_index(
            "ix_platform_scores_workspace_evaluation", ["workspace_id", "evaluation_id"], unique=False
        )

    op.create_table(
        "business_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=True),
        sa.Column("inputs_json", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_business_cases_team_id_teams"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_business_cases_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_cases")),
    )
    with op.batch_alter_table("business_cases", schema=None) as batch_op:
        batch_op.create_index("ix_business_cases_workspace_team", ["workspace_id", "team_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("business_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_business_cases_workspace_team")
    op.drop_table("business_cases")
    with op.batch_alter_table("platform_scores", schema=None) as batch_op:
        batch_op.drop_index("ix_platform_scores_workspace_evaluation")
    op.drop_table("platform_scores")
    with op.batch_alter_table("platform_evaluations", schema=None) as batch_op:
        batch_op.drop_index("ix_platform_evaluations_workspace_team")
    op.drop_table("platform_evaluations")
