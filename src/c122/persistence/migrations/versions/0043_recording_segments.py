"""the conversations in each call's recording (its segments): who was in each and when

Revision ID: 0043
Revises: 0045
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0043"
down_revision = "0045"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "call_recording_segments",
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("legs", sa.String(length=400), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("ended_at", TS, nullable=True),
        sa.Column("offset_s", sa.Float(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("mixed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["call_records.id"],
            name=op.f("fk_call_recording_segments_call_id_call_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("call_id", "position", name=op.f("pk_call_recording_segments")),
    )


def downgrade() -> None:
    op.drop_table("call_recording_segments")
