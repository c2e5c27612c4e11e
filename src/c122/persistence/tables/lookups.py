"""Lookup plug-ins: outside registries queried from the card. `settings` holds what the API shows;
`secret` the credentials (the SQL URL, header values), which the API never returns."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Integer, String, Table

from c122.persistence.tables.base import UtcDateTime, metadata

lookups = Table(
    "lookups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("key_kinds", JSON, nullable=False),
    Column("roles", JSON, nullable=False),
    Column("timeout_ms", Integer, nullable=False),
    Column("cache_s", Integer, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("settings", JSON, nullable=False),
    Column("secret", JSON, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("updated_at", UtcDateTime, nullable=False),
)
