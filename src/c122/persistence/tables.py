"""The relational schema, as SQLAlchemy Core tables. Alembic migrations create exactly this."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every database; SQLite stores no zone, so it is put back on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value if value.tzinfo else value.replace(tzinfo=UTC)


def _search_text() -> Column[str]:
    """Case-folded searchable text, kept by the repository, so search works alike on SQLite and PostgreSQL."""
    return Column("search_text", Text, nullable=False, server_default="")


services = Table(
    "services",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("description", Text, nullable=False, server_default=""),
    _search_text(),
)

groups = Table(
    "groups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("service_id", Integer, ForeignKey("services.id", ondelete="RESTRICT"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    _search_text(),
    UniqueConstraint("service_id", "name", name="uq_groups_service_id_name"),
)

queues = Table(
    "queues",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("group_id", Integer, ForeignKey("groups.id", ondelete="RESTRICT"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    _search_text(),
    UniqueConstraint("group_id", "name", name="uq_queues_group_id_name"),
)

lines = Table(
    "lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(16), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("service_id", Integer, ForeignKey("services.id", ondelete="RESTRICT"), nullable=False, index=True),
    Column("entry_flow", String(200), nullable=True),
    _search_text(),
)

case_types = Table(
    "case_types",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("icon", String(32), nullable=False),
    _search_text(),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("login", String(64), nullable=False, unique=True),
    Column("full_name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("enabled", Boolean, nullable=False, server_default="1"),
    Column("password_hash", String(255), nullable=False),
    _search_text(),
)

user_groups = Table(
    "user_groups",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", Integer, ForeignKey("groups.id", ondelete="RESTRICT"), primary_key=True, index=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("source", String(64), nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    Column("revoked_reason", String(64), nullable=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("action", String(64), nullable=False),
    Column("entity", String(64), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("detail", JSON, nullable=True),
    Index("ix_audit_log_entity", "entity", "entity_id"),
)


def utc_now() -> datetime:
    return datetime.now(UTC)
