"""a group's idle interval choice (whether operators may choose, within which bounds) and the
operator's own idle interval

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("idle_choice_allowed", sa.Boolean(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("idle_choice_min_s", sa.Float(), server_default="60", nullable=False))
        batch_op.add_column(sa.Column("idle_choice_max_s", sa.Float(), server_default="3600", nullable=False))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idle_to_away_s", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("idle_to_away_s")
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_column("idle_choice_max_s")
        batch_op.drop_column("idle_choice_min_s")
        batch_op.drop_column("idle_choice_allowed")
