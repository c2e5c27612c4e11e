"""each queue's service-level threshold and formula, admin settings of the statistics (TEL-08)

Revision ID: 0024
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("queues") as batch:
        batch.add_column(sa.Column("service_level_s", sa.Float(), nullable=False, server_default="20"))
        batch.add_column(
            sa.Column(
                "service_level_formula",
                sa.String(length=32),
                nullable=False,
                server_default="short_abandons_ignored",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("queues") as batch:
        batch.drop_column("service_level_formula")
        batch.drop_column("service_level_s")
