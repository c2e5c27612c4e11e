"""recordings compressed after the call: the file, its checksum, and its deletion by retention

Revision ID: 0022
Revises: 0027
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recording_files",
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("codec", sa.String(length=16), nullable=False),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("wav_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_reason", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("call_id", name=op.f("pk_recording_files")),
    )
    op.create_index("ix_recording_files_stored_at", "recording_files", ["stored_at"])


def downgrade() -> None:
    op.drop_index("ix_recording_files_stored_at", table_name="recording_files")
    op.drop_table("recording_files")
