"""carrier trunks kept by administrators, and the one-time import of the configuration file's trunks

Revision ID: 0030
Revises: 0039
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0039"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trunks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("transport", sa.String(length=8), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("password", sa.String(length=128), nullable=True),
        sa.Column("register", sa.Boolean(), nullable=False),
        sa.Column("prefixes", sa.JSON(), nullable=False),
        sa.Column("caller_id", sa.String(length=16), nullable=True),
        sa.Column("codecs", sa.JSON(), nullable=False),
        sa.Column("max_calls", sa.Integer(), nullable=True),
        sa.Column("keepalive_s", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trunks")),
        sa.UniqueConstraint("name", name=op.f("uq_trunks_name")),
    )
    op.create_table(
        "trunk_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trunk_imports")),
    )


def downgrade() -> None:
    op.drop_table("trunk_imports")
    op.drop_table("trunks")
