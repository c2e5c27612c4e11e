"""Tables of IVR flows and voice prompts (issue #8): part of the one `metadata` in tables/base.py.

A flow keeps every saved version: a call that entered version N finishes on it, and an old version can
be read back. A line refers to a flow by name (lines.entry_flow), so there is no foreign key to check
there; the flow service refuses to delete a flow a line still uses.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Table, Text

from c122.persistence.tables.base import UtcDateTime, metadata

ivr_flows = Table(
    "ivr_flows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),  # what lines.entry_flow holds
    Column("version", Integer, nullable=False),  # the current (latest) version
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

ivr_flow_versions = Table(
    "ivr_flow_versions",
    metadata,
    Column("flow_id", Integer, ForeignKey("ivr_flows.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("body", JSON, nullable=False),  # domain flow_to_dict()
    Column("saved_at", UtcDateTime, nullable=False),
    Column("saved_by", Integer, nullable=True),  # plain user id: history outlives a deleted account
)

ivr_prompts = Table(
    "ivr_prompts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("title", String(200), nullable=False),
    Column("source", String(8), nullable=False),  # "upload" | "tts"
    Column("text", Text, nullable=True),  # what was synthesised, for "tts"
    Column("duration_ms", Integer, nullable=False),
    # Relative to the prompts directory; empty while the audio is missing (e.g. no synthesiser).
    Column("file_path", String(300), nullable=False, server_default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
