"""the message board: notices a senior pins for their groups, with an optional expiry

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "board_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pinned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_board_notices_author_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_notices")),
    )
    op.create_index(op.f("ix_board_notices_expires_at"), "board_notices", ["expires_at"])
    op.create_table(
        "board_notice_groups",
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["board_notices.id"],
            name=op.f("fk_board_notice_groups_notice_id_board_notices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_board_notice_groups_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("notice_id", "group_id", name=op.f("pk_board_notice_groups")),
    )
    op.create_index(op.f("ix_board_notice_groups_group_id"), "board_notice_groups", ["group_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_board_notice_groups_group_id"), table_name="board_notice_groups")
    op.drop_table("board_notice_groups")
    op.drop_index(op.f("ix_board_notices_expires_at"), table_name="board_notices")
    op.drop_table("board_notices")
