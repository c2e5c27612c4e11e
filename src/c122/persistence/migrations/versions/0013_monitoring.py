"""monitoring sessions (listen, whisper, barge) with their modes; a group's monitoring_shown setting

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("monitoring_shown", sa.Boolean(), server_default="0", nullable=False))
    op.create_table(
        "monitoring_sessions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("audio", sa.String(length=16), nullable=False),
        sa.Column("operator_notified", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_sessions")),
    )
    op.create_index(op.f("ix_monitoring_sessions_call_id"), "monitoring_sessions", ["call_id"])
    op.create_index(op.f("ix_monitoring_sessions_supervisor_id"), "monitoring_sessions", ["supervisor_id"])
    op.create_table(
        "monitoring_modes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["monitoring_sessions.id"],
            name=op.f("fk_monitoring_modes_session_id_monitoring_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_modes")),
    )
    op.create_index(op.f("ix_monitoring_modes_session_id"), "monitoring_modes", ["session_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_monitoring_modes_session_id"), table_name="monitoring_modes")
    op.drop_table("monitoring_modes")
    op.drop_index(op.f("ix_monitoring_sessions_supervisor_id"), table_name="monitoring_sessions")
    op.drop_index(op.f("ix_monitoring_sessions_call_id"), table_name="monitoring_sessions")
    op.drop_table("monitoring_sessions")
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_column("monitoring_shown")
