"""Saved user-defined reports (ADM-03): a definition as JSON, its owner and whom it is shared with."""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table

from c122.persistence.tables.base import UtcDateTime, metadata

saved_reports = Table(
    "saved_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("definition", JSON, nullable=False),
    Column("view", JSON, nullable=False),  # how the builder shows it: table, pivot or a chart
    # Roles and group ids it is shared with; ids of groups deleted later are ignored on reading.
    Column("shared_roles", JSON, nullable=False),
    Column("shared_group_ids", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_saved_reports_owner_id", "owner_id"),
)
