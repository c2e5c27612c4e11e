"""How each operator takes calls (browser or SIP phone) and the digest secrets of their SIP account:
part of the one `metadata` in tables/base.py. Only H(A1) is kept, never the SIP password."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table

from c122.persistence.tables.base import UtcDateTime, metadata

operator_phones = Table(
    "operator_phones",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("mode", String(8), nullable=False, server_default="browser"),
    Column("ha1_md5", String(32), nullable=True),
    Column("ha1_sha256", String(64), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
)
