"""a saved report's e-mail schedule, when it is sent next and what its last send did (ADM-03)

Revision ID: 0029
Revises: 0028
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("saved_reports") as batch:
        batch.add_column(sa.Column("schedule", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("schedule_next_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("schedule_status", sa.JSON(), nullable=True))
    op.create_index("ix_saved_reports_schedule_next_at", "saved_reports", ["schedule_next_at"])


def downgrade() -> None:
    op.drop_index("ix_saved_reports_schedule_next_at", table_name="saved_reports")
    with op.batch_alter_table("saved_reports") as batch:
        batch.drop_column("schedule_status")
        batch.drop_column("schedule_next_at")
        batch.drop_column("schedule")
