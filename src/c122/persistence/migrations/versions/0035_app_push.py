"""push to the citizen app: the devices' subscriptions, delivery outcomes, broadcasts to app users and
who opened them

Revision ID: 0035
Revises: 0036
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0036"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("endpoint", sa.String(length=1000), nullable=False),
        sa.Column("p256dh", sa.String(length=128), server_default="", nullable=False),
        sa.Column("auth", sa.String(length=64), server_default="", nullable=False),
        sa.Column("region", sa.String(length=64), server_default="", nullable=False),
        sa.Column("topics", sa.String(length=400), server_default="", nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["citizen_devices.id"],
            name=op.f("fk_push_subscriptions_device_id_citizen_devices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_subscriptions")),
        sa.UniqueConstraint("endpoint", name=op.f("uq_push_subscriptions_endpoint")),
    )
    op.create_index("ix_push_subscriptions_device_id", "push_subscriptions", ["device_id"])
    op.create_table(
        "push_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), server_default="", nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("broadcast_id", sa.Integer(), nullable=True),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_deliveries")),
    )
    op.create_index("ix_push_deliveries_device_id", "push_deliveries", ["device_id", "id"])
    op.create_index("ix_push_deliveries_broadcast_id", "push_deliveries", ["broadcast_id"])
    op.create_table(
        "app_broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("region", sa.String(length=64), server_default="", nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("author_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("recipients", sa.Integer(), server_default="0", nullable=False),
        sa.Column("delivered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("failed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_broadcasts")),
    )
    op.create_table(
        "app_broadcast_opens",
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["app_broadcasts.id"],
            name=op.f("fk_app_broadcast_opens_broadcast_id_app_broadcasts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["citizen_devices.id"],
            name=op.f("fk_app_broadcast_opens_device_id_citizen_devices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("broadcast_id", "device_id", name=op.f("pk_app_broadcast_opens")),
    )


def downgrade() -> None:
    op.drop_table("app_broadcast_opens")
    op.drop_table("app_broadcasts")
    op.drop_index("ix_push_deliveries_broadcast_id", table_name="push_deliveries")
    op.drop_index("ix_push_deliveries_device_id", table_name="push_deliveries")
    op.drop_table("push_deliveries")
    op.drop_index("ix_push_subscriptions_device_id", table_name="push_subscriptions")
    op.drop_table("push_subscriptions")
