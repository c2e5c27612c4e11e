"""each call leg and each link of a call to a case carries the call's filtered columns (and the link its
call's start and its case's source): an operator's calls are paged from their legs' index and a case
filter's calls from the links, in the calls' order, the filters tested there instead of on each call;
the indexes of a group's and an operator's calls hold every filter of the call

Revision ID: 0061
Revises: 0057
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0061"
down_revision = "0057"
branch_labels = None
depends_on = None

COPIES = ("direction", "status", "line_number", "case_type_id", "group_id", "operator_id")
TYPES = {"direction": sa.String(16), "status": sa.String(16), "line_number": sa.String(64)}
COPIED = [f"call_{name}" for name in COPIES]
PARTY_INDEX = ["party", "call_started_at", "call_id", "role", "kind"]


def upgrade() -> None:
    # In place, not batch: the columns are nullable and the rows stay where they are. The party index
    # is dropped first (every leg is rewritten: building it again once is faster than updating it).
    op.drop_index("ix_call_legs_party_call_started_at", table_name="call_legs")
    for table in ("call_legs", "call_cases"):
        for name in COPIES:
            op.add_column(table, sa.Column(f"call_{name}", TYPES.get(name, sa.Integer()), nullable=True))
    op.add_column("call_cases", sa.Column("call_started_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("call_cases", sa.Column("case_source", sa.String(16), nullable=True))
    # One statement per table, joined (UPDATE … FROM: PostgreSQL and SQLite ≥ 3.33), in the migration's
    # one transaction: a failure leaves the schema as it was, and the migration runs again whole.
    copied = ", ".join(f"call_{name} = r.{name}" for name in COPIES)
    op.execute(f"UPDATE call_legs SET {copied} FROM call_records AS r WHERE r.id = call_legs.call_id")
    op.execute(
        f"UPDATE call_cases SET call_started_at = r.started_at, {copied}"
        " FROM call_records AS r WHERE r.id = call_cases.call_id"
    )
    op.execute("UPDATE call_cases SET case_source = k.source FROM cases AS k WHERE k.id = call_cases.case_id")
    op.create_index("ix_call_legs_party_call_started_at", "call_legs", [*PARTY_INDEX, *COPIED])
    # A senior's group and an operator's own calls are walked whatever the filters: their indexes hold
    # them all (the line and the call type were read from each call).
    for lead, other in (("operator_id", "group_id"), ("group_id", "operator_id")):
        name = f"ix_call_records_{lead}_started_at_id"
        op.drop_index(name, table_name="call_records")
        tested = ["direction", "status", "line_number", "case_type_id", other]
        op.create_index(name, "call_records", [lead, "started_at", "id", *tested])
    op.create_index(
        "ix_call_cases_case_source_call_started_at",
        "call_cases",
        ["case_source", "call_started_at", "call_id", *COPIED],
    )


def downgrade() -> None:
    for lead in ("operator_id", "group_id"):
        name = f"ix_call_records_{lead}_started_at_id"
        op.drop_index(name, table_name="call_records")
        op.create_index(name, "call_records", [lead, "started_at", "id", "direction", "status"])
    op.drop_index("ix_call_cases_case_source_call_started_at", table_name="call_cases")
    op.drop_index("ix_call_legs_party_call_started_at", table_name="call_legs")
    for name in ("case_source", "call_started_at", *COPIED):
        op.drop_column("call_cases", name)
    for name in COPIED:
        op.drop_column("call_legs", name)
    op.create_index("ix_call_legs_party_call_started_at", "call_legs", PARTY_INDEX)
