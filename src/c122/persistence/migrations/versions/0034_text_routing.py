"""text requests routed like calls: the addresses each conversation is reached at, SMS answers as
messages of the conversation, text queues and the per-group chat limit, and the queue log's media

Revision ID: 0034
Revises: 0031
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_conversation_contacts_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_contacts")),
        sa.UniqueConstraint("case_id", "channel", "address", name="uq_conversation_contacts_case_id"),
    )
    op.create_index(
        op.f("ix_conversation_contacts_case_id"), "conversation_contacts", ["case_id"], unique=False
    )
    op.create_index(
        "ix_conversation_contacts_channel_address", "conversation_contacts", ["channel", "address"]
    )
    with op.batch_alter_table("conversation_messages") as batch:
        batch.add_column(sa.Column("sms_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_conversation_messages_sms_id_sms_messages"),
            "sms_messages",
            ["sms_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("queues") as batch:
        batch.add_column(sa.Column("text_channels", sa.JSON(), nullable=True))
    with op.batch_alter_table("groups") as batch:
        batch.add_column(sa.Column("chat_limit", sa.Integer(), server_default="3", nullable=False))
    with op.batch_alter_table("queue_log") as batch:
        batch.add_column(sa.Column("media", sa.String(length=8), server_default="voice", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("queue_log") as batch:
        batch.drop_column("media")
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("chat_limit")
    with op.batch_alter_table("queues") as batch:
        batch.drop_column("text_channels")
    with op.batch_alter_table("conversation_messages") as batch:
        batch.drop_constraint(op.f("fk_conversation_messages_sms_id_sms_messages"), type_="foreignkey")
        batch.drop_column("sms_id")
    op.drop_index("ix_conversation_contacts_channel_address", table_name="conversation_contacts")
    op.drop_index(op.f("ix_conversation_contacts_case_id"), table_name="conversation_contacts")
    op.drop_table("conversation_contacts")
