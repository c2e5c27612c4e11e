"""operators' phones (browser or SIP, with digest H(A1)) and per-queue auto-answer

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("queues", schema=None) as batch_op:
        batch_op.add_column(sa.Column("auto_answer", sa.Boolean(), server_default="0", nullable=False))
    op.create_table(
        "operator_phones",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=8), server_default="browser", nullable=False),
        sa.Column("ha1_md5", sa.String(length=32), nullable=True),
        sa.Column("ha1_sha256", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_operator_phones_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_operator_phones")),
    )


def downgrade() -> None:
    op.drop_table("operator_phones")
    with op.batch_alter_table("queues", schema=None) as batch_op:
        batch_op.drop_column("auto_answer")
