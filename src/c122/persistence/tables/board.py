"""The message board: pinned notices and the groups each is for. The author's name is copied at
pinning so the board reads the same after the account is deleted."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text

from c122.persistence.tables.base import UtcDateTime, metadata

board_notices = Table(
    "board_notices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("author_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("author_name", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("expires_at", UtcDateTime, nullable=True, index=True),
    Column("pinned_at", UtcDateTime, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
)

board_notice_groups = Table(
    "board_notice_groups",
    metadata,
    Column("notice_id", Integer, ForeignKey("board_notices.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", Integer, ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True, index=True),
)
