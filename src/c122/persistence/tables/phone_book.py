"""The phone book: speed-dial contacts (owner NULL: the organisation's list) and each user's favourites."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from c122.persistence.tables.base import UtcDateTime, metadata

phone_book_contacts = Table(
    "phone_book_contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    Column("name", String(200), nullable=False),
    Column("number", String(32), nullable=False),
    Column("note", String(500), nullable=False, server_default=""),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_phone_book_contacts_owner_number", "owner_id", "number"),
)

phone_book_favourites = Table(
    "phone_book_favourites",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("contact_id", Integer, ForeignKey("phone_book_contacts.id", ondelete="CASCADE"), primary_key=True),
)
