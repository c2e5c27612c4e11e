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
    Float,
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
    # Operator policies of the group (OPS-03, OPS-04); NULL turns the timer off.
    Column("idle_to_away_s", Float, nullable=True, server_default="600"),
    Column("away_to_logout_s", Float, nullable=True, server_default="1200"),
    Column("continuous_work_s", Float, nullable=True, server_default="7200"),
    Column("break_allowance", JSON, nullable=True),  # reason code -> allowed seconds; NULL: the defaults
    UniqueConstraint("service_id", "name", name="uq_groups_service_id_name"),
)

queues = Table(
    "queues",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("group_id", Integer, ForeignKey("groups.id", ondelete="RESTRICT"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    _search_text(),
    # Call distribution settings (TEL-04, TEL-05, TEL-10); see docs/contact-center/acd.md.
    Column("strategy", String(32), nullable=False, server_default="longest_idle"),
    Column("weight", Integer, nullable=False, server_default="0"),
    Column("ring_timeout_s", Float, nullable=False, server_default="20"),
    Column("retry_s", Float, nullable=False, server_default="5"),
    Column("no_answer_limit", Integer, nullable=False, server_default="3"),
    Column("wrap_up_s", Float, nullable=False, server_default="30"),
    Column("manual_ready", Boolean, nullable=False, server_default="0"),
    Column("max_wait_s", Float, nullable=True),
    Column("overflow_destination", String(200), nullable=True),
    Column("max_length", Integer, nullable=True),
    Column("join_when_empty", String(16), nullable=False, server_default="never"),
    Column("leave_when_empty", String(16), nullable=False, server_default="never"),
    Column("escalation_step_s", Float, nullable=True),
    Column("required_skills", JSON, nullable=True),
    Column("short_abandon_s", Float, nullable=False, server_default="5"),
    Column("sla_wait_s", Float, nullable=False, server_default="60"),
    Column("callbacks_enabled", Boolean, nullable=False, server_default="1"),
    Column("repeat_call_window_s", Float, nullable=False, server_default="1800"),
    Column("removal_message", Text, nullable=True),
    Column("auto_answer", Boolean, nullable=False, server_default="0"),
    UniqueConstraint("group_id", "name", name="uq_queues_group_id_name"),
)

queue_members = Table(
    "queue_members",
    metadata,
    Column("queue_id", Integer, ForeignKey("queues.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("level", Integer, nullable=False, server_default="1"),  # tier: 1 is offered first
    Column("position", Integer, nullable=False, server_default="0"),  # order within the tier
)

operator_skills = Table(
    "operator_skills",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("skill", String(64), primary_key=True),
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

# --- call distribution: its append-only logs and its dynamic state ------------------------------
# The logs keep plain ids without foreign keys: history outlives deleted queues and accounts.

operator_state_log = Table(
    "operator_state_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("operator_id", Integer, nullable=False),
    Column("old_status", String(16), nullable=False),
    Column("new_status", String(16), nullable=False),
    Column("trigger", String(32), nullable=False),
    Column("reason", String(64), nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),
    Column("duration_s", Float, nullable=False),  # time spent in old_status
    Column("call_id", String(64), nullable=True),
    Column("queue_id", Integer, nullable=True),
    Index("ix_operator_state_log_operator_at", "operator_id", "at"),
)

queue_log = Table(
    "queue_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("queue_id", Integer, nullable=True),
    Column("call_id", String(64), nullable=True),
    Column("operator_id", Integer, nullable=True),
    Column("waited_s", Float, nullable=True),
    Column("talk_s", Float, nullable=True),
    Column("duration_s", Float, nullable=True),
    Column("position", Integer, nullable=True),
    Column("old_status", String(16), nullable=True),
    Column("new_status", String(16), nullable=True),
    Column("detail", Text, nullable=False, server_default=""),
    Column("is_callback", Boolean, nullable=False, server_default="0"),
    Column("sla_breached", Boolean, nullable=False, server_default="0"),
    Index("ix_queue_log_queue_at", "queue_id", "at"),
)

# One row per operator, waiting call, connected call and callback entry (kind + id), rewritten only
# when that record changed, so a command writes a handful of rows whatever the size of the centre.
acd_records = Table(
    "acd_records",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("record_id", String(64), primary_key=True),
    Column("data", JSON, nullable=False),
)

# The rest of the dynamic state in one row (id 1): cursors, history, group blocks, counters.
acd_meta = Table(
    "acd_meta",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("saved_at", UtcDateTime, nullable=False),
    Column("data", JSON, nullable=False),
)


# --- case cards and applicants: their tables live in case_tables.py, on this same metadata ---------
# Imported last, so that module finds `metadata` and `UtcDateTime` already defined.
# Call records and their legs live in call_tables.py, on this same metadata too.
from c122.persistence import call_tables as call_tables  # noqa: E402
from c122.persistence import case_tables as case_tables  # noqa: E402

# --- IVR flows and voice prompts: their tables live in flow_tables.py, on this same metadata --------
from c122.persistence import flow_tables as flow_tables  # noqa: E402

# --- operators' phones (browser or SIP) and SIP digest secrets: phone_tables.py, same metadata -----
from c122.persistence import phone_tables as phone_tables  # noqa: E402

# --- SIP registrations and established dialogs (what survives a restart): telephony_tables.py ------
from c122.persistence import telephony_tables as telephony_tables  # noqa: E402
