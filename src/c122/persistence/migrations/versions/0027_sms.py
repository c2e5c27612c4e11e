"""SMS to and from applicants: the outbox and the delivery state

Revision ID: 0027
Revises: 0024
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sms_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("problem", sa.String(length=500), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_sms_messages_case_id_cases"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_sms_messages_author_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_messages")),
    )
    op.create_index("ix_sms_messages_due", "sms_messages", ["state", "next_attempt_at"])
    op.create_index("ix_sms_messages_case_id", "sms_messages", ["case_id"])
    op.create_index("ix_sms_messages_phone", "sms_messages", ["phone", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_sms_messages_phone", table_name="sms_messages")
    op.drop_index("ix_sms_messages_case_id", table_name="sms_messages")
    op.drop_index("ix_sms_messages_due", table_name="sms_messages")
    op.drop_table("sms_messages")
