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
    # The e-mail schedule (domain/report_schedules.py), when it is sent next (a retry's time while one
    # is pending) and what the last send did; all empty for a report that is not sent.
    Column("schedule", JSON, nullable=True),
    Column("schedule_next_at", UtcDateTime, nullable=True),
    Column("schedule_status", JSON, nullable=True),
    Index("ix_saved_reports_owner_id", "owner_id"),
    Index("ix_saved_reports_schedule_next_at", "schedule_next_at"),
)
