"""a group's record_video setting: its video calls from the app are recorded as WebM (issue 23)

Revision ID: 0057
Revises: 0060
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0057"
down_revision = "0060"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # In place, not batch: groups is referenced by foreign keys.
    op.add_column("groups", sa.Column("record_video", sa.Boolean(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("groups", "record_video")
