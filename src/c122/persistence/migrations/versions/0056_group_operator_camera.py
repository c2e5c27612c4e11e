"""a group's operator_camera setting: its operators may send their camera on a video call (TEL-25)

Revision ID: 0056
Revises: 0053
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0056"
down_revision = "0053"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # In place, not batch: groups is referenced by foreign keys.
    op.add_column("groups", sa.Column("operator_camera", sa.Boolean(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("groups", "operator_camera")
