"""the call journal's links from calls to their cases and the indexes of its filters

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_INDEXES = (
    ("ix_call_records_case_type_id_started_at", ["case_type_id", "started_at"]),
    ("ix_call_records_caller_started_at", ["caller", "started_at"]),
    ("ix_call_records_called_started_at", ["called", "started_at"]),
)


def upgrade() -> None:
    for name, columns in _INDEXES:
        op.create_index(name, "call_records", columns, unique=False)
    links = op.create_table(
        "call_cases",
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_call_cases_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("call_id", "case_id", name=op.f("pk_call_cases")),
    )
    op.create_index("ix_call_cases_case_id", "call_cases", ["case_id"], unique=False)
    # The cases stored so far list their calls in `call_ids`: link them.
    cases = sa.table("cases", sa.column("id", sa.Integer()), sa.column("call_ids", sa.JSON()))
    bind = op.get_bind()
    rows = [
        {"call_id": str(call_id), "case_id": case_id}
        for case_id, call_ids in bind.execute(sa.select(cases.c.id, cases.c.call_ids))
        for call_id in dict.fromkeys(call_ids or ())
    ]
    if rows:
        op.bulk_insert(links, rows)


def downgrade() -> None:
    op.drop_index("ix_call_cases_case_id", table_name="call_cases")
    op.drop_table("call_cases")
    for name, _ in _INDEXES:
        op.drop_index(name, table_name="call_records")
