"""the journal's source filter finds its cases by index

Revision ID: 0028
Revises: 0021
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_source", "cases", ["source"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cases_source", table_name="cases")
