"""each group's recording retention, edited on the policies screen (NULL: the configured default)

Revision ID: 0041
Revises: 0043
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0041"
down_revision = "0043"
branch_labels = None
depends_on = None


# Not batches: on SQLite a batch copies the table, and dropping the old copy fails (or, without foreign
# key checks, clears the rows) for what refers to groups; SQLite alters a column in place since 3.35.


def upgrade() -> None:
    op.add_column("groups", sa.Column("recording_retention_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("groups", "recording_retention_days")
