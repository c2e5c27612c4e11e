"""Tables of the messenger channel (issue #22): which case a messenger chat talks to, and the updates
already taken (a replayed update id is ignored)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, String, Table

from c122.persistence.tables.base import UtcDateTime, metadata

messenger_chats = Table(
    "messenger_chats",
    metadata,
    Column("platform", String(16), primary_key=True),  # telegram (vk, max: the same way)
    Column("chat_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False, server_default=""),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="SET NULL"), nullable=True, index=True),
    Column("updated_at", UtcDateTime, nullable=False),
)

messenger_updates = Table(
    "messenger_updates",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("update_id", BigInteger, primary_key=True),
    Column("received_at", UtcDateTime, nullable=False),
)
