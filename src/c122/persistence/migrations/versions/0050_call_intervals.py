"""the calls summed per 15-minute interval of a hotline day, queue and group (call_intervals), filled
from the call records so far; the reports read it when it covers a report

Revision ID: 0050
Revises: 0051
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from c122.persistence import call_rollup

revision = "0050"
down_revision = "0051"
branch_labels = None
depends_on = None

_KEY = ["local_day", "slot", "queue_id", "group_id"]
_COUNTS = ("calls", "offered", "answered", "abandoned", "short_abandons", "answered_within_t", "outbound")
_SUMS = ("wait_sum", "talk_sum", "hold_sum", "wrap_up_sum")


def upgrade() -> None:
    op.create_table(
        "call_intervals",
        sa.Column("local_day", sa.Integer(), nullable=False),
        sa.Column("slot", sa.SmallInteger(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in _COUNTS],
        *[sa.Column(name, sa.Float(), nullable=False) for name in _SUMS],
    )
    op.create_index("ux_call_intervals_key", "call_intervals", _KEY, unique=True)
    op.get_bind().execute(call_rollup.rebuild_statement())


def downgrade() -> None:
    op.drop_index("ux_call_intervals_key", table_name="call_intervals")
    op.drop_table("call_intervals")
