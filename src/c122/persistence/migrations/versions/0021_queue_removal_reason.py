"""a senior's reason for taking a caller out of a queue, kept with the queue log's exit record (the
senior is the record's operator_id)

Revision ID: 0021
Revises: 0026
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("queue_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("queue_log", schema=None) as batch_op:
        batch_op.drop_column("note")
