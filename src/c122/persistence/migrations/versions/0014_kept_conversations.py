"""Conversations a restarted process takes over: both SIP/RTP legs' media and the call flow's state

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kept_conversations",
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("legs", sa.JSON(), nullable=False),
        sa.Column("flow", sa.JSON(), nullable=False),
        sa.Column("kept_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("call_id", name=op.f("pk_kept_conversations")),
    )


def downgrade() -> None:
    op.drop_table("kept_conversations")
