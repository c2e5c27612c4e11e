"""Tables of the chat bot and the text channels (issue #22): bot sessions kept across a restart, and
each text channel's flow and queue as the administrator set them."""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Table, UniqueConstraint

from c122.persistence.tables.base import UtcDateTime, metadata

bot_sessions = Table(
    "bot_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(16), nullable=False),  # app, sms, messenger
    Column("address", String(200), nullable=False),  # a phone number, "telegram:<chat id>", …
    Column("flow_name", String(200), nullable=False),
    Column("state", JSON, nullable=False),  # domain IvrState.to_dict()
    Column("transcript", JSON, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("channel", "address", name="uq_bot_sessions_channel_address"),
)

channel_settings = Table(
    "channel_settings",
    metadata,
    Column("channel", String(16), primary_key=True),
    Column("flow_name", String(200), nullable=True),  # None: no bot, straight to the queue
    Column("queue_id", Integer, ForeignKey("queues.id", ondelete="SET NULL"), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
)
