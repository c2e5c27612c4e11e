"""call distribution: queue and group settings, memberships, skills, state and queue logs, ACD state

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def group_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("idle_to_away_s", sa.Float(), server_default="600", nullable=True),
        sa.Column("away_to_logout_s", sa.Float(), server_default="1200", nullable=True),
        sa.Column("continuous_work_s", sa.Float(), server_default="7200", nullable=True),
        sa.Column("break_allowance", sa.JSON(), nullable=True),
    ]


def queue_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("strategy", sa.String(length=32), server_default="longest_idle", nullable=False),
        sa.Column("weight", sa.Integer(), server_default="0", nullable=False),
        sa.Column("ring_timeout_s", sa.Float(), server_default="20", nullable=False),
        sa.Column("no_answer_limit", sa.Integer(), server_default="3", nullable=False),
        sa.Column("wrap_up_s", sa.Float(), server_default="30", nullable=False),
        sa.Column("manual_ready", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("max_wait_s", sa.Float(), nullable=True),
        sa.Column("overflow_destination", sa.String(length=200), nullable=True),
        sa.Column("max_length", sa.Integer(), nullable=True),
        sa.Column("join_when_empty", sa.String(length=16), server_default="never", nullable=False),
        sa.Column("leave_when_empty", sa.String(length=16), server_default="never", nullable=False),
        sa.Column("escalation_step_s", sa.Float(), nullable=True),
        sa.Column("required_skills", sa.JSON(), nullable=True),
        sa.Column("short_abandon_s", sa.Float(), server_default="5", nullable=False),
        sa.Column("sla_wait_s", sa.Float(), server_default="60", nullable=False),
        sa.Column("callbacks_enabled", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("repeat_call_window_s", sa.Float(), server_default="1800", nullable=False),
        sa.Column("removal_message", sa.Text(), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("groups", schema=None) as batch_op:
        for column in group_columns():
            batch_op.add_column(column)
    with op.batch_alter_table("queues", schema=None) as batch_op:
        for column in queue_columns():
            batch_op.add_column(column)

    op.create_table(
        "queue_members",
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), server_default="1", nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queues.id"], name=op.f("fk_queue_members_queue_id_queues"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_queue_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("queue_id", "user_id", name=op.f("pk_queue_members")),
    )
    with op.batch_alter_table("queue_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_queue_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "operator_skills",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_operator_skills_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "skill", name=op.f("pk_operator_skills")),
    )

    op.create_table(
        "operator_state_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("old_status", sa.String(length=16), nullable=False),
        sa.Column("new_status", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=64), server_default="", nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=True),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_state_log")),
    )
    with op.batch_alter_table("operator_state_log", schema=None) as batch_op:
        batch_op.create_index("ix_operator_state_log_operator_at", ["operator_id", "at"], unique=False)

    op.create_table(
        "queue_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("call_id", sa.String(length=64), nullable=True),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("waited_s", sa.Float(), nullable=True),
        sa.Column("talk_s", sa.Float(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("old_status", sa.String(length=16), nullable=True),
        sa.Column("new_status", sa.String(length=16), nullable=True),
        sa.Column("detail", sa.Text(), server_default="", nullable=False),
        sa.Column("is_callback", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("sla_breached", sa.Boolean(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_log")),
    )
    with op.batch_alter_table("queue_log", schema=None) as batch_op:
        batch_op.create_index("ix_queue_log_queue_at", ["queue_id", "at"], unique=False)

    op.create_table(
        "acd_records",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "record_id", name=op.f("pk_acd_records")),
    )
    op.create_table(
        "acd_meta",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acd_meta")),
    )


def downgrade() -> None:
    op.drop_table("acd_meta")
    op.drop_table("acd_records")
    with op.batch_alter_table("queue_log", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_log_queue_at")
    op.drop_table("queue_log")
    with op.batch_alter_table("operator_state_log", schema=None) as batch_op:
        batch_op.drop_index("ix_operator_state_log_operator_at")
    op.drop_table("operator_state_log")
    op.drop_table("operator_skills")
    with op.batch_alter_table("queue_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_queue_members_user_id"))
    op.drop_table("queue_members")
    with op.batch_alter_table("queues", schema=None) as batch_op:
        for column in reversed(queue_columns()):
            batch_op.drop_column(column.name)
    with op.batch_alter_table("groups", schema=None) as batch_op:
        for column in reversed(group_columns()):
            batch_op.drop_column(column.name)
