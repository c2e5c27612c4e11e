"""Push to the citizen app: the devices' subscriptions, every delivery attempt's outcome, and the
broadcasts to app users with who opened them."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, PrimaryKeyConstraint, String, Table, Text

from c122.persistence.tables.base import UtcDateTime, metadata

push_subscriptions = Table(
    "push_subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("device_id", Integer, ForeignKey("citizen_devices.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),  # web, native
    Column("endpoint", String(1000), nullable=False, unique=True),  # web: the URL; native: the token
    Column("p256dh", String(128), nullable=False, server_default=""),
    Column("auth", String(64), nullable=False, server_default=""),
    Column("region", String(64), nullable=False, server_default=""),
    Column("topics", String(400), nullable=False, server_default=""),  # case type ids, comma-separated
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_push_subscriptions_device_id", "device_id"),
)

# No foreign key to the subscription: a delivery's record outlives a dropped subscription.
push_deliveries = Table(
    "push_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("subscription_id", Integer, nullable=False),
    Column("device_id", Integer, nullable=False),
    Column("kind", String(16), nullable=False),  # status, message, broadcast
    Column("state", String(16), nullable=False),  # delivered, gone, failed
    Column("status_code", Integer, nullable=True),
    Column("reason", String(200), nullable=False, server_default=""),
    Column("case_id", Integer, nullable=True),
    Column("broadcast_id", Integer, nullable=True),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_push_deliveries_device_id", "device_id", "id"),
    Index("ix_push_deliveries_broadcast_id", "broadcast_id"),
)

app_broadcasts = Table(
    "app_broadcasts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(120), nullable=False),
    Column("text", Text, nullable=False),
    Column("region", String(64), nullable=False, server_default=""),
    Column("topic_id", Integer, nullable=True),
    Column("author_id", Integer, nullable=False),
    Column("author_name", String(200), nullable=False, server_default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("recipients", Integer, nullable=False, server_default="0"),
    Column("delivered", Integer, nullable=False, server_default="0"),
    Column("failed", Integer, nullable=False, server_default="0"),
    Column("finished_at", UtcDateTime, nullable=True),
)

app_broadcast_opens = Table(
    "app_broadcast_opens",
    metadata,
    Column("broadcast_id", Integer, ForeignKey("app_broadcasts.id", ondelete="CASCADE"), nullable=False),
    Column("device_id", Integer, ForeignKey("citizen_devices.id", ondelete="CASCADE"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("broadcast_id", "device_id"),
)
