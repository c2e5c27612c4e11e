"""Text channels: bot sessions, each channel's flow and queue, messenger chats and the updates taken

Revision ID: 0036
Revises: 0034
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bot_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("flow_name", sa.String(length=200), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_sessions")),
        sa.UniqueConstraint("channel", "address", name="uq_bot_sessions_channel_address"),
    )
    op.create_table(
        "channel_settings",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("flow_name", sa.String(length=200), nullable=True),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queues.id"], name=op.f("fk_channel_settings_queue_id_queues"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_channel_settings")),
    )
    op.create_table(
        "messenger_chats",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_messenger_chats_case_id_cases"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("platform", "chat_id", name=op.f("pk_messenger_chats")),
    )
    with op.batch_alter_table("messenger_chats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_messenger_chats_case_id"), ["case_id"], unique=False)
    op.create_table(
        "messenger_updates",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "update_id", name=op.f("pk_messenger_updates")),
    )


def downgrade() -> None:
    op.drop_table("messenger_updates")
    with op.batch_alter_table("messenger_chats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messenger_chats_case_id"))
    op.drop_table("messenger_chats")
    op.drop_table("channel_settings")
    op.drop_table("bot_sessions")
