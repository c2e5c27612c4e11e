"""trunk passwords sealed at rest: the column holds the sealed text, longer than the password

Revision ID: 0048
Revises: 0035
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0048"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trunks") as batch:
        batch.alter_column(
            "password", type_=sa.Text(), existing_type=sa.String(length=128), existing_nullable=True
        )


def downgrade() -> None:
    with op.batch_alter_table("trunks") as batch:
        batch.alter_column(
            "password", type_=sa.String(length=128), existing_type=sa.Text(), existing_nullable=True
        )
