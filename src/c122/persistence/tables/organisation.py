"""The organisation's records: services, groups, queues, lines, case types and shifts."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from c122.persistence.tables.base import metadata
from c122.persistence.tables.base import search_text_column as _search_text

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
    Column("monitoring_shown", Boolean, nullable=False, server_default="0"),
    # Operators may choose their own idle interval within these bounds (OPS-05).
    Column("idle_choice_allowed", Boolean, nullable=False, server_default="0"),
    Column("idle_choice_min_s", Float, nullable=False, server_default="60"),
    Column("idle_choice_max_s", Float, nullable=False, server_default="3600"),
    Column("early_ready", Boolean, nullable=False, server_default="1"),  # «Готов» before wrap-up ends
    Column("long_call_s", Float, nullable=True, server_default="600"),  # the board's long-call mark
    Column("chat_limit", Integer, nullable=False, server_default="3"),  # chats an operator holds at once
    Column("recording_retention_days", Integer, nullable=True),  # NULL: the configured default
    Column("operator_camera", Boolean, nullable=False, server_default="0"),  # operators may send video
    Column("record_video", Boolean, nullable=False, server_default="0"),  # video calls recorded (WebM)
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
    Column("service_level_s", Float, nullable=False, server_default="20"),
    Column("service_level_formula", String(32), nullable=False, server_default="short_abandons_ignored"),
    Column("service_level_target_pct", Float, nullable=False, server_default="80"),
    Column("callbacks_enabled", Boolean, nullable=False, server_default="1"),
    Column("repeat_call_window_s", Float, nullable=False, server_default="1800"),
    Column("removal_message", Text, nullable=True),
    Column("auto_answer", Boolean, nullable=False, server_default="0"),
    # A text queue (OPS-25): the channels whose requests it takes (app, sms, messenger); NULL: calls.
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
    # The card type of a call without an IVR choice (TEL-14).
    Column("default_case_type_id", Integer, ForeignKey("case_types.id", ondelete="SET NULL"), nullable=True),
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

# The hotline's shifts (docs/contact-center/statistics.md): local HH:MM in the hotline's time zone;
# an end not after the start runs over midnight.
shifts = Table(
    "shifts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("starts_at", String(5), nullable=False),
    Column("ends_at", String(5), nullable=False),
    _search_text(),
)
