"""the applicants' names of the cases in a narrow table of their own on PostgreSQL too
(cases_applicant_search: the case's id and its search text, with a pg_trgm GIN index), kept in step with
cases by a trigger: the journal's name filter rechecks the trigram index's candidates on these narrow
rows instead of the cases' wide ones; every link of a call to a case in the calls' order, and the calls
of a line and a direction in one index in the journal's order (both databases)

Revision ID: 0062
Revises: 0061
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0062"
down_revision = "0061"
branch_labels = None
depends_on = None

TABLE = "cases_applicant_search"  # SQLite's FTS5 table of the same name and purpose: migration 0054
_FUNCTION = "cases_applicant_search_sync"
_TRIGGER = "cases_applicant_search_sync"
_BODY = f"""
CREATE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM {TABLE} WHERE case_id = OLD.id;
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF NEW.id = OLD.id AND NEW.applicant_text = OLD.applicant_text THEN
            RETURN NEW;
        END IF;
        DELETE FROM {TABLE} WHERE case_id = OLD.id;
    END IF;
    INSERT INTO {TABLE} (case_id, applicant_text) VALUES (NEW.id, NEW.applicant_text);
    RETURN NEW;
END
$$
"""


LINE_DIRECTION = "ix_call_records_line_number_direction_started_at_id"
LINKS_BY_START = "ix_call_cases_call_started_at_call_id"
COPIES = ("direction", "status", "line_number", "case_type_id", "group_id", "operator_id")  # migration 0061
COPIED = [f"call_{name}" for name in COPIES]


def upgrade() -> None:
    """Resumable: the index, the table, its rows and its index are made where missing."""
    bind = op.get_bind()
    if LINE_DIRECTION not in {i["name"] for i in sa.inspect(bind).get_indexes("call_records")}:
        op.create_index(
            LINE_DIRECTION, "call_records", ["line_number", "direction", "started_at", "id", "status"]
        )
    if LINKS_BY_START not in {i["name"] for i in sa.inspect(bind).get_indexes("call_cases")}:
        op.create_index(LINKS_BY_START, "call_cases", ["call_started_at", "call_id", "case_id", *COPIED])
    if bind.dialect.name != "postgresql":
        return  # SQLite has its FTS5 table (migration 0054)
    op.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (case_id integer PRIMARY KEY, applicant_text text NOT NULL)"
    )
    op.execute(f"DROP TRIGGER IF EXISTS {_TRIGGER} ON cases")
    op.execute(f"DROP FUNCTION IF EXISTS {_FUNCTION}()")
    op.execute(_BODY)
    op.execute(
        f"CREATE TRIGGER {_TRIGGER} AFTER INSERT OR DELETE OR UPDATE OF id, applicant_text ON cases"
        f" FOR EACH ROW EXECUTE FUNCTION {_FUNCTION}()"
    )
    # The trigger keeps what is written from now on; the cases written before are copied once, in the
    # same transaction (no case slips between the two).
    op.execute(
        f"INSERT INTO {TABLE} (case_id, applicant_text) SELECT id, applicant_text FROM cases"
        f" ON CONFLICT (case_id) DO NOTHING"
    )
    op.execute(
        f"CREATE INDEX IF NOT EXISTS ix_{TABLE}_applicant_text ON {TABLE}"
        " USING gin (applicant_text gin_trgm_ops)"
    )
    op.execute(f"ANALYZE {TABLE}")


def downgrade() -> None:
    op.drop_index(LINKS_BY_START, table_name="call_cases")
    op.drop_index(LINE_DIRECTION, table_name="call_records")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP TRIGGER IF EXISTS {_TRIGGER} ON cases")
    op.execute(f"DROP FUNCTION IF EXISTS {_FUNCTION}()")
    op.execute(f"DROP TABLE IF EXISTS {TABLE}")
