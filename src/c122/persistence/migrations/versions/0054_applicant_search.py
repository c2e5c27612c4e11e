"""the applicants' names of the cases in an FTS5 trigram index on SQLite (cases_applicant_search), kept
in step with cases by triggers: the journal's name filter reads it instead of every case

Revision ID: 0054
Revises: 0050
"""

from __future__ import annotations

from alembic import op

revision = "0054"
down_revision = "0050"
branch_labels = None
depends_on = None

# External content: the index holds the trigrams only; the text stays in cases.applicant_text.
# case_sensitive 1: the text and the query are case-folded already, so a match is exactly LIKE's.
_CREATE = """
CREATE VIRTUAL TABLE cases_applicant_search USING fts5(
    applicant_text, content='cases', content_rowid='id', tokenize='trigram case_sensitive 1'
)
"""
_TRIGGERS = {
    "cases_applicant_search_insert": """
        AFTER INSERT ON cases BEGIN
            INSERT INTO cases_applicant_search (rowid, applicant_text) VALUES (new.id, new.applicant_text);
        END""",
    "cases_applicant_search_delete": """
        AFTER DELETE ON cases BEGIN
            INSERT INTO cases_applicant_search (cases_applicant_search, rowid, applicant_text)
            VALUES ('delete', old.id, old.applicant_text);
        END""",
    "cases_applicant_search_update": """
        AFTER UPDATE OF id, applicant_text ON cases BEGIN
            INSERT INTO cases_applicant_search (cases_applicant_search, rowid, applicant_text)
            VALUES ('delete', old.id, old.applicant_text);
            INSERT INTO cases_applicant_search (rowid, applicant_text) VALUES (new.id, new.applicant_text);
        END""",
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return  # PostgreSQL reads the pg_trgm index on cases.applicant_text (migration 0003)
    options = {row[0] for row in bind.exec_driver_sql("PRAGMA compile_options")}
    version = tuple(int(p) for p in bind.exec_driver_sql("SELECT sqlite_version()").scalar_one().split("."))
    if "ENABLE_FTS5" not in options or version < (3, 34):
        raise RuntimeError(
            f"SQLite {'.'.join(map(str, version))} without FTS5's trigram tokenizer (needs 3.34 with"
            " ENABLE_FTS5): the journal's applicant-name search needs it; use a Python built with a newer"
            " SQLite, or PostgreSQL"
        )
    op.execute(_CREATE)
    op.execute("INSERT INTO cases_applicant_search (cases_applicant_search) VALUES ('rebuild')")
    for name, body in _TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE cases_applicant_search")
