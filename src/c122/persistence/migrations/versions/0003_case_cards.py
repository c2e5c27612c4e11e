"""case cards: applicants, cases with history and per-day numbering, questionnaire scripts and answers

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def trigram(column: str) -> dict[str, object]:
    return {"postgresql_using": "gin", "postgresql_ops": {column: "gin_trgm_ops"}}


TRIGRAM = trigram("search_text")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # Substring search of names and phones (the card list's search box) uses trigram indexes.
        available = bind.exec_driver_sql("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if available.first() is None:
            raise RuntimeError(
                "PostgreSQL has no pg_trgm extension (the trigram indexes of the case and journal"
                " search need it): install the server's contrib package (Debian: postgresql-contrib)"
                " and migrate again"
            )
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")

    op.create_table(
        "applicants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_name", sa.String(length=100), server_default="", nullable=False),
        sa.Column("first_name", sa.String(length=100), server_default="", nullable=False),
        sa.Column("patronymic", sa.String(length=100), server_default="", nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("oms", sa.String(length=16), server_default="", nullable=False),
        sa.Column("snils", sa.String(length=11), server_default="", nullable=False),
        sa.Column("health_info", sa.Text(), server_default="", nullable=False),
        sa.Column("home_address", sa.Text(), server_default="", nullable=False),
        sa.Column("emergency_contacts", sa.JSON(), nullable=False),
        sa.Column("search_text", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applicants")),
    )
    with op.batch_alter_table("applicants", schema=None) as batch_op:
        batch_op.create_index("ix_applicants_search_text", ["search_text"], unique=False, **TRIGRAM)
    op.create_table(
        "applicant_phones",
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["applicants.id"],
            name=op.f("fk_applicant_phones_applicant_id_applicants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("applicant_id", "position", name=op.f("pk_applicant_phones")),
    )
    with op.batch_alter_table("applicant_phones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_applicant_phones_phone"), ["phone"], unique=False)

    op.create_table(
        "case_counters",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("type_id", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["type_id"],
            ["case_types.id"],
            name=op.f("fk_case_counters_type_id_case_types"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("day", "type_id", name=op.f("pk_case_counters")),
    )
    op.create_table(
        "case_scripts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_type_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_type_id"],
            ["case_types.id"],
            name=op.f("fk_case_scripts_case_type_id_case_types"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_scripts")),
    )
    with op.batch_alter_table("case_scripts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_scripts_case_type_id"), ["case_type_id"], unique=False)

    op.create_table(
        "case_script_versions",
        sa.Column("script_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["script_id"],
            ["case_scripts.id"],
            name=op.f("fk_case_script_versions_script_id_case_scripts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("script_id", "version", name=op.f("pk_case_script_versions")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("key_type_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("type_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attention", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("operator_comment", sa.Text(), server_default="", nullable=False),
        sa.Column("address", sa.Text(), server_default="", nullable=False),
        sa.Column("location_text", sa.Text(), server_default="", nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("applicant_id", sa.Integer(), nullable=True),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("call_ids", sa.JSON(), nullable=False),
        sa.Column("message_ids", sa.JSON(), nullable=False),
        sa.Column("search_text", sa.Text(), server_default="", nullable=False),
        sa.Column("applicant_text", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["applicants.id"],
            name=op.f("fk_cases_applicant_id_applicants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_cases_group_id_groups"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["key_type_id"],
            ["case_types.id"],
            name=op.f("fk_cases_key_type_id_case_types"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["users.id"], name=op.f("fk_cases_operator_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["type_id"], ["case_types.id"], name=op.f("fk_cases_type_id_case_types"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("day", "key_type_id", "number", name="uq_cases_day_key_type_id_number"),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_applicant_id", ["applicant_id"], unique=False)
        batch_op.create_index("ix_cases_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_cases_group_id_created_at", ["group_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_name"), ["name"], unique=False)
        batch_op.create_index("ix_cases_operator_id", ["operator_id"], unique=False)
        batch_op.create_index("ix_cases_status_created_at", ["status", "created_at"], unique=False)
        batch_op.create_index("ix_cases_search_text", ["search_text"], unique=False, **TRIGRAM)
        batch_op.create_index(
            "ix_cases_applicant_text", ["applicant_text"], unique=False, **trigram("applicant_text")
        )

    op.create_table(
        "case_answers",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("script_id", sa.Integer(), nullable=False),
        sa.Column("script_version", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_answers_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["script_id"],
            ["case_scripts.id"],
            name=op.f("fk_case_answers_script_id_case_scripts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "script_id", name=op.f("pk_case_answers")),
    )
    op.create_table(
        "case_status_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attention", sa.Boolean(), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_status_history_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_status_history")),
    )
    with op.batch_alter_table("case_status_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_status_history_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_type_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("from_type_id", sa.Integer(), nullable=False),
        sa.Column("to_type_id", sa.Integer(), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_type_history_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_type_history")),
    )
    with op.batch_alter_table("case_type_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_type_history_case_id"), ["case_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("case_type_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_type_history_case_id"))

    op.drop_table("case_type_history")
    with op.batch_alter_table("case_status_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_status_history_case_id"))

    op.drop_table("case_status_history")
    op.drop_table("case_answers")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_status_created_at")
        batch_op.drop_index("ix_cases_search_text")
        batch_op.drop_index("ix_cases_applicant_text")
        batch_op.drop_index("ix_cases_operator_id")
        batch_op.drop_index(batch_op.f("ix_cases_name"))
        batch_op.drop_index("ix_cases_group_id_created_at")
        batch_op.drop_index("ix_cases_created_at")
        batch_op.drop_index("ix_cases_applicant_id")

    op.drop_table("cases")
    op.drop_table("case_script_versions")
    with op.batch_alter_table("case_scripts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_scripts_case_type_id"))

    op.drop_table("case_scripts")
    op.drop_table("case_counters")
    with op.batch_alter_table("applicant_phones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applicant_phones_phone"))

    op.drop_table("applicant_phones")
    with op.batch_alter_table("applicants", schema=None) as batch_op:
        batch_op.drop_index("ix_applicants_search_text")
    op.drop_table("applicants")
