"""each call leg and each link of a call to a case carries the call's filtered columns (and the link its
call's start and its case's source): an operator's calls are paged from their legs' index and a case
filter's calls from the links, in the calls' order, the filters tested there instead of on each call;
the indexes of a group's and an operator's calls hold every filter of the call

Revision ID: 0061
Revises: 0057
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.types import TypeEngine

revision = "0061"
down_revision = "0057"
branch_labels = None
depends_on = None

COPIES = ("direction", "status", "line_number", "case_type_id", "group_id", "operator_id")
TYPES: dict[str, TypeEngine[Any]] = {
    "direction": sa.String(16),
    "status": sa.String(16),
    "line_number": sa.String(64),
}
COPIED = [f"call_{name}" for name in COPIES]
PARTY_INDEX = ["party", "call_started_at", "call_id", "role", "kind"]
BY_CALL_START = ["call_started_at", "call_id", "position", "role", "kind", "party"]  # migration 0060
BATCH_CALLS = 100_000
"""The copies are written for this many calls at a time, each batch committed (at 10,000,000 calls one
statement for the 19 million legs outlasted the tools' 10-minute statement timeout)."""


def upgrade() -> None:
    """Resumable: the columns are added where missing, each batch of calls is committed and copies only
    the rows not copied yet (a record's direction is never empty), and each index is made where it is
    missing or different; so a migration stopped part-way continues where it stopped."""
    existing = {
        table: {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}
        for table in ("call_legs", "call_cases")
    }
    columns: list[tuple[str, TypeEngine[Any]]] = [
        (f"call_{name}", TYPES.get(name, sa.Integer())) for name in COPIES
    ]
    wanted: dict[str, list[tuple[str, TypeEngine[Any]]]] = {
        "call_legs": columns,
        "call_cases": [
            *columns,
            ("call_started_at", sa.DateTime(timezone=True)),
            ("case_source", sa.String(16)),
        ],
    }
    for table, added in wanted.items():
        for name, type_ in added:
            if name not in existing[table]:
                # In place, not batch: nullable, and the rows stay where they are.
                op.add_column(table, sa.Column(name, type_, nullable=True))
    # Every leg is rewritten: its indexes in the calls' start order are built again once after, not
    # updated 19 million times at places all over them (the batches go by the calls' ids).
    _drop_index_if_any("call_legs", "ix_call_legs_party_call_started_at")
    _drop_index_if_any("call_legs", "ix_call_legs_call_started_at")
    with op.get_context().autocommit_block():
        _copy_in_batches()
        _index("call_legs", "ix_call_legs_call_started_at", BY_CALL_START)
        _index("call_legs", "ix_call_legs_party_call_started_at", [*PARTY_INDEX, *COPIED])
        _index(
            "call_cases", "ix_call_cases_case_id_call_id", ["case_id", "call_id", "call_started_at", *COPIED]
        )
        _index(
            "call_cases",
            "ix_call_cases_case_source_call_started_at",
            ["case_source", "call_started_at", "call_id", *COPIED],
        )
        # A senior's group and an operator's own calls are walked whatever the filters: their indexes
        # hold them all (the line and the call type were read from each call).
        for lead, other in (("operator_id", "group_id"), ("group_id", "operator_id")):
            tested = ["direction", "status", "line_number", "case_type_id", other]
            _index(
                "call_records", f"ix_call_records_{lead}_started_at_id", [lead, "started_at", "id", *tested]
            )
        op.execute("ANALYZE call_legs" if _postgres() else "ANALYZE")
        if _postgres():
            op.execute("ANALYZE call_cases")
            op.execute("ANALYZE call_records")


def _copy_in_batches() -> None:
    db = op.get_bind()
    copied = ", ".join(f"call_{name} = r.{name}" for name in COPIES)
    statements = [
        f"UPDATE call_legs SET {copied} FROM call_records AS r"
        " WHERE r.id = call_legs.call_id AND call_legs.call_direction IS NULL"
        " AND call_legs.call_id > :low AND call_legs.call_id <= :high AND r.id > :low AND r.id <= :high",
        f"UPDATE call_cases SET call_started_at = r.started_at, {copied} FROM call_records AS r"
        " WHERE r.id = call_cases.call_id AND call_cases.call_direction IS NULL"
        " AND call_cases.call_id > :low AND call_cases.call_id <= :high AND r.id > :low AND r.id <= :high",
        "UPDATE call_cases SET case_source = k.source FROM cases AS k"
        " WHERE k.id = call_cases.case_id AND call_cases.case_source IS NULL"
        " AND call_cases.call_id > :low AND call_cases.call_id <= :high",
    ]
    bound = sa.text("SELECT id FROM call_records WHERE id > :low ORDER BY id LIMIT 1 OFFSET :step")
    last = sa.text("SELECT max(id) FROM call_records")
    low = ""
    while True:
        high = db.execute(bound, {"low": low, "step": BATCH_CALLS - 1}).scalar()
        if high is None:
            high = db.execute(last).scalar()
            if high is None or high <= low:
                return
        for statement in statements:
            db.execute(sa.text(statement), {"low": low, "high": high})
        low = high


def _postgres() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def _indexes(table: str) -> dict[str, list[str]]:
    return {
        i["name"]: [str(c) for c in i["column_names"]]
        for i in sa.inspect(op.get_bind()).get_indexes(table)
        if i["name"]
    }


def _drop_index_if_any(table: str, name: str) -> None:
    if name in _indexes(table):
        op.drop_index(name, table_name=table)


def _index(table: str, name: str, columns: Sequence[str]) -> None:
    """The index `name` on `columns`, made where missing or different."""
    found = _indexes(table).get(name)
    if found == list(columns):
        return
    if found is not None:
        op.drop_index(name, table_name=table)
    op.create_index(name, table, list(columns))


def downgrade() -> None:
    for lead in ("operator_id", "group_id"):
        name = f"ix_call_records_{lead}_started_at_id"
        op.drop_index(name, table_name="call_records")
        op.create_index(name, "call_records", [lead, "started_at", "id", "direction", "status"])
    op.drop_index("ix_call_cases_case_source_call_started_at", table_name="call_cases")
    op.drop_index("ix_call_cases_case_id_call_id", table_name="call_cases")
    op.create_index("ix_call_cases_case_id_call_id", "call_cases", ["case_id", "call_id"])
    op.drop_index("ix_call_legs_party_call_started_at", table_name="call_legs")
    for name in ("case_source", "call_started_at", *COPIED):
        op.drop_column("call_cases", name)
    for name in COPIED:
        op.drop_column("call_legs", name)
    op.create_index("ix_call_legs_party_call_started_at", "call_legs", PARTY_INDEX)
