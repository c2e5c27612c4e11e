"""cards follow their calls: a line's default card type, missed cards, who had a card; whether a
group lets «Готов» end a wrap-up early

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("default_case_type_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_lines_default_case_type_id_case_types"),
            "case_types",
            ["default_case_type_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("missed", sa.Boolean(), server_default="0", nullable=False))
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("early_ready", sa.Boolean(), server_default="1", nullable=False))
    op.create_table(
        "case_handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("from_user_id", sa.Integer(), nullable=True),
        sa.Column("to_user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_handovers_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_handovers")),
    )
    with op.batch_alter_table("case_handovers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_handovers_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_handovers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_handovers_case_id"))
    op.drop_table("case_handovers")
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_column("early_ready")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("missed")
    with op.batch_alter_table("lines", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_lines_default_case_type_id_case_types"), type_="foreignkey")
        batch_op.drop_column("default_case_type_id")
