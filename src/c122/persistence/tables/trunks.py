"""Carrier trunks kept by administrators, and the one-time import of the configuration file's trunks."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Integer, String, Table, Text

from c122.persistence.tables.base import UtcDateTime, metadata

trunks = Table(
    "trunks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("host", String(255), nullable=False),
    Column("port", Integer, nullable=False),
    Column("transport", String(8), nullable=False),
    Column("username", String(64), nullable=True),
    Column("password", Text, nullable=True),  # sealed (persistence/sealing.py); never read back by the API
    Column("register", Boolean, nullable=False),
    Column("prefixes", JSON, nullable=False),
    Column("caller_id", String(16), nullable=True),
    Column("codecs", JSON, nullable=False),
    Column("max_calls", Integer, nullable=True),
    Column("keepalive_s", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

trunk_imports = Table(
    "trunk_imports",
    metadata,
    Column("id", Integer, primary_key=True),  # one row: the configuration file's trunks were imported
    Column("imported_at", UtcDateTime, nullable=False),
    Column("count", Integer, nullable=False),
)
