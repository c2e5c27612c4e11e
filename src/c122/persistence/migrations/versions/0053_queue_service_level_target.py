"""each queue's service-level target: the share of calls answered within T it aims for (TEL-08)

Revision ID: 0053
Revises: 0054
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0053"
down_revision = "0054"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # In place, not batch: queues is referenced by foreign keys.
    op.add_column(
        "queues", sa.Column("service_level_target_pct", sa.Float(), nullable=False, server_default="80")
    )


def downgrade() -> None:
    op.drop_column("queues", "service_level_target_pct")
