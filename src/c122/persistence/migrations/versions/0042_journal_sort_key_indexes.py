"""the call journal's indexes hold its whole sort key (started_at, id) and then the direction and status:
a page, newest first, is read in order from the index and stops after its last row, and those two
filters are tested in the index; on PostgreSQL, statistics of those columns taken together, so the
planner knows which filters go together (a line's calls are all inbound) and picks the index that holds
both

Revision ID: 0042
Revises: 0048
"""

from __future__ import annotations

from alembic import op

revision = "0042"
down_revision = "0048"
branch_labels = None
depends_on = None

# The column each journal index leads with (None: the period alone).
LEADING = (
    None,
    "operator_id",
    "group_id",
    "line_number",
    "direction",
    "status",
    "case_type_id",
    "caller",
    "called",
)
TESTED = ("direction", "status")
# Without them the planner takes the columns as independent: "line X and outbound" looked like 390,000
# calls of 10,000,000 (there are none), so it walked the direction index expecting a page at once.
STATISTICS = "st_call_records_journal"


def _old(lead: str | None) -> tuple[str, list[str]]:
    key = [lead, "started_at"] if lead else ["started_at"]
    return "ix_call_records_" + "_".join(key), key


def _new(lead: str | None) -> tuple[str, list[str]]:
    key = [*_old(lead)[1], "id"]
    return "ix_call_records_" + "_".join(key), [*key, *(c for c in TESTED if c != lead)]


def upgrade() -> None:
    for lead in LEADING:
        name, columns = _new(lead)
        op.create_index(name, "call_records", columns)
        op.drop_index(_old(lead)[0], table_name="call_records")
    if op.get_bind().dialect.name == "postgresql":
        together = "direction, status, line_number, group_id"
        op.execute(f"CREATE STATISTICS {STATISTICS} (mcv) ON {together} FROM call_records")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")
    for lead in LEADING:
        name, columns = _old(lead)
        op.create_index(name, "call_records", columns)
        op.drop_index(_new(lead)[0], table_name="call_records")
