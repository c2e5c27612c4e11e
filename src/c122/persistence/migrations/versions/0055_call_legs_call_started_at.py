"""each call leg carries its call's start (call_legs.call_started_at) and an index on the party and it:
the journal pages an operator's calls by their legs in the calls' order instead of sorting them all

Revision ID: 0055
Revises: 0056
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0055"
down_revision = "0056"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # In place, not batch: the column is nullable and the legs stay where they are.
    op.add_column("call_legs", sa.Column("call_started_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE call_legs SET call_started_at ="
        " (SELECT started_at FROM call_records WHERE call_records.id = call_legs.call_id)"
    )
    op.drop_index("ix_call_legs_party", table_name="call_legs")
    op.create_index(
        "ix_call_legs_party_call_started_at",
        "call_legs",
        ["party", "call_started_at", "call_id", "role", "kind"],
    )


def downgrade() -> None:
    op.drop_index("ix_call_legs_party_call_started_at", table_name="call_legs")
    op.create_index("ix_call_legs_party", "call_legs", ["party"])
    op.drop_column("call_legs", "call_started_at")
