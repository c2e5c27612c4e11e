"""Tables of case cards and applicants (OPS-09..OPS-17): part of the one `metadata` in tables/base.py.

History tables keep plain user ids without foreign keys: a card's history outlives a deleted account.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from c122.persistence.tables.base import UtcDateTime, metadata


def trigram_index(name: str, column: str = "search_text") -> Index:
    """Search matches words anywhere in the text: PostgreSQL answers that from a pg_trgm GIN index;
    SQLite gets a plain index there (it scans the text, see docs/contact-center/cases.md)."""
    return Index(name, column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})


applicants = Table(
    "applicants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("last_name", String(100), nullable=False, server_default=""),
    Column("first_name", String(100), nullable=False, server_default=""),
    Column("patronymic", String(100), nullable=False, server_default=""),
    Column("birth_date", Date, nullable=True),
    Column("oms", String(16), nullable=False, server_default=""),
    Column("snils", String(11), nullable=False, server_default=""),
    Column("health_info", Text, nullable=False, server_default=""),
    Column("home_address", Text, nullable=False, server_default=""),
    Column("emergency_contacts", JSON, nullable=False),
    # Case-folded name, phones and birth date: what the card list search matches an applicant by.
    Column("search_text", Text, nullable=False, server_default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    trigram_index("ix_applicants_search_text"),
)

applicant_phones = Table(
    "applicant_phones",
    metadata,
    Column("applicant_id", Integer, ForeignKey("applicants.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),  # 0 is the number shown in the card header
    Column("phone", String(16), nullable=False, index=True),
)

# One counter per hotline day and case type; the upsert that bumps it runs in the creating transaction.
case_counters = Table(
    "case_counters",
    metadata,
    Column("day", Date, primary_key=True),
    Column("type_id", Integer, ForeignKey("case_types.id", ondelete="RESTRICT"), primary_key=True),
    Column("last_number", Integer, nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("name", String(300), nullable=False, index=True),
    # The sequence the number was drawn from: the hotline day and the type at creation.
    Column("day", Date, nullable=False),
    Column("key_type_id", Integer, ForeignKey("case_types.id", ondelete="RESTRICT"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("type_id", Integer, ForeignKey("case_types.id", ondelete="RESTRICT"), nullable=False),
    Column("source", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attention", Boolean, nullable=False, server_default="0"),
    Column("missed", Boolean, nullable=False, server_default="0"),
    Column("description", Text, nullable=False, server_default=""),
    Column("operator_comment", Text, nullable=False, server_default=""),
    Column("address", Text, nullable=False, server_default=""),
    Column("location_text", Text, nullable=False, server_default=""),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    Column("applicant_id", Integer, ForeignKey("applicants.id", ondelete="RESTRICT"), nullable=True),
    Column("operator_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("group_id", Integer, ForeignKey("groups.id", ondelete="SET NULL"), nullable=True),
    Column("call_ids", JSON, nullable=False),
    Column("message_ids", JSON, nullable=False),
    Column("search_text", Text, nullable=False, server_default=""),
    # The applicant's search text, copied: a name search is then one ordered scan of `cases`.
    Column("applicant_text", Text, nullable=False, server_default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # The last line of defence of the numbering protocol: two cases can never share a name.
    UniqueConstraint("day", "key_type_id", "number", name="uq_cases_day_key_type_id_number"),
    Index("ix_cases_created_at", "created_at"),
    Index("ix_cases_status_created_at", "status", "created_at"),
    Index("ix_cases_applicant_id", "applicant_id"),
    Index("ix_cases_group_id_created_at", "group_id", "created_at"),
    Index("ix_cases_operator_id", "operator_id"),
    # The journal's source filter starts from the matching cases (persistence/calls.py, case_match).
    Index("ix_cases_source", "source"),
    trigram_index("ix_cases_search_text"),
    trigram_index("ix_cases_applicant_text", "applicant_text"),
)

case_status_history = Table(
    "case_status_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("attention", Boolean, nullable=False),
    Column("by_user_id", Integer, nullable=True),
    Column("at", UtcDateTime, nullable=False),
)

case_type_history = Table(
    "case_type_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("from_type_id", Integer, nullable=False),
    Column("to_type_id", Integer, nullable=False),
    Column("by_user_id", Integer, nullable=True),
    Column("at", UtcDateTime, nullable=False),
)

# Who had the card, as it followed its call from operator to operator (OPS-20).
case_handovers = Table(
    "case_handovers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("from_user_id", Integer, nullable=True),
    Column("to_user_id", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("call_id", String(64), nullable=True),
    Column("at", UtcDateTime, nullable=False),
)

case_scripts = Table(
    "case_scripts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "case_type_id", Integer, ForeignKey("case_types.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("version", Integer, nullable=False),  # the current version
)

# Every saved version stays: answers are read against the version they were given for.
case_script_versions = Table(
    "case_script_versions",
    metadata,
    Column("script_id", Integer, ForeignKey("case_scripts.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("questions", JSON, nullable=False),
    Column("saved_at", UtcDateTime, nullable=False),
    Column("saved_by", Integer, nullable=True),
)

case_answers = Table(
    "case_answers",
    metadata,
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("script_id", Integer, ForeignKey("case_scripts.id", ondelete="CASCADE"), primary_key=True),
    Column("script_version", Integer, nullable=False),
    Column("answers", JSON, nullable=False),
    Column("answered_by", Integer, nullable=True),
    Column("answered_at", UtcDateTime, nullable=False),
)
