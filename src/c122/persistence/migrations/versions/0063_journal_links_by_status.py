"""the links of calls to cases by the call's status in the calls' order, and the case's id in the
source's index: a journal page with an applicant's name and a status walks only the links of calls of
that status (an operator's name + missed calls: every link was walked to find 41 calls, 200 ms at
10,000,000 calls), and one with a name and a source tests the name in the source's index without
fetching each link (an operator's: 167 → 55 ms)

Revision ID: 0063
Revises: 0062
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0063"
down_revision = "0062"
branch_labels = None
depends_on = None

LINKS_BY_STATUS = "ix_call_cases_call_status_call_started_at"
LINKS_BY_SOURCE = "ix_call_cases_case_source_call_started_at"  # migration 0061
COPIES = ("direction", "status", "line_number", "case_type_id", "group_id", "operator_id")  # migration 0061
COPIED = [f"call_{name}" for name in COPIES]


def upgrade() -> None:
    """Resumable: each index is made where missing, the source's made again where it lacks the case."""
    indexes = {i["name"]: i["column_names"] for i in sa.inspect(op.get_bind()).get_indexes("call_cases")}
    if LINKS_BY_STATUS not in indexes:
        others = [name for name in COPIED if name != "call_status"]
        op.create_index(
            LINKS_BY_STATUS, "call_cases", ["call_status", "call_started_at", "call_id", "case_id", *others]
        )
    if "case_id" not in indexes.get(LINKS_BY_SOURCE, []):
        _source_index(["case_source", "call_started_at", "call_id", "case_id", *COPIED])


def downgrade() -> None:
    _source_index(["case_source", "call_started_at", "call_id", *COPIED])
    op.drop_index(LINKS_BY_STATUS, table_name="call_cases")


def _source_index(columns: list[str]) -> None:
    op.execute(f"DROP INDEX IF EXISTS {LINKS_BY_SOURCE}")
    op.create_index(LINKS_BY_SOURCE, "call_cases", columns)
