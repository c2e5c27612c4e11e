"""an index on the legs by their call's start: an export reads the legs of a batch of calls as one
range of it instead of looking each call's legs up; the cases' calls by case hold the call's id, so
the case filters read the matching calls from that index alone

Revision ID: 0060
Revises: 0055
"""

from __future__ import annotations

from alembic import op

revision = "0060"
down_revision = "0055"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_call_legs_call_started_at",
        "call_legs",
        ["call_started_at", "call_id", "position", "role", "kind", "party"],
    )
    op.create_index("ix_call_cases_case_id_call_id", "call_cases", ["case_id", "call_id"])
    op.drop_index("ix_call_cases_case_id", table_name="call_cases")


def downgrade() -> None:
    op.create_index("ix_call_cases_case_id", "call_cases", ["case_id"])
    op.drop_index("ix_call_cases_case_id_call_id", table_name="call_cases")
    op.drop_index("ix_call_legs_call_started_at", table_name="call_legs")
