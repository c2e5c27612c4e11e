"""the citizen app's calls: which device placed each, and how it ended (a restart included)

Revision ID: 0051
Revises: 0052
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0051"
down_revision = "0052"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "citizen_calls",
        sa.Column("call_id", sa.String(64), primary_key=True),
        sa.Column(
            "device_id", sa.Integer(), sa.ForeignKey("citizen_devices.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("placed_at", TS, nullable=False),
        sa.Column("ended_at", TS, nullable=True),
        sa.Column("cause", sa.String(32), nullable=True),
    )
    op.create_index("ix_citizen_calls_device_id", "citizen_calls", ["device_id", "placed_at"])


def downgrade() -> None:
    op.drop_index("ix_citizen_calls_device_id", table_name="citizen_calls")
    op.drop_table("citizen_calls")
