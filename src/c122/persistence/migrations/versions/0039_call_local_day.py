"""each call record's hotline day and minute of the day, stored for the reports, with the records so
far filled in (in the configured hotline_time_zone) and an index by day and group

Revision ID: 0039
Revises: 0029
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from c122.config import ConfigError, load_settings
from c122.domain.reports import offset_spans

revision = "0039"
down_revision = "0029"
branch_labels = None
depends_on = None

DAY = 86_400


def _zone() -> ZoneInfo:
    """The hotline's zone as the server is configured (C122_HOTLINE_TIME_ZONE or the TOML file)."""
    try:
        return ZoneInfo(load_settings().hotline_time_zone)
    except ConfigError:
        return ZoneInfo("Europe/Moscow")


def upgrade() -> None:
    with op.batch_alter_table("call_records") as batch:
        batch.add_column(sa.Column("local_day", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("local_minute", sa.SmallInteger(), nullable=True))
    op.create_index("ix_call_records_local_day_group_id", "call_records", ["local_day", "group_id"])
    bind = op.get_bind()
    calls = sa.table(
        "call_records",
        sa.column("started_at", sa.DateTime(timezone=True)),
        sa.column("local_day", sa.Integer()),
        sa.column("local_minute", sa.Integer()),
    )
    first, last = bind.execute(
        sa.select(sa.func.min(calls.c.started_at), sa.func.max(calls.c.started_at))
    ).one()
    if first is None:
        return
    if isinstance(first, str):  # SQLite keeps UTC text
        first, last = (datetime.fromisoformat(v).replace(tzinfo=UTC) for v in (first, last))
    # The same arithmetic as the reports' compiler: the UTC second plus the zone's offset at it.
    if bind.dialect.name == "sqlite":
        epoch = sa.cast(sa.func.strftime("%s", calls.c.started_at), sa.Integer)
    else:
        epoch = sa.cast(sa.func.floor(sa.extract("epoch", calls.c.started_at)), sa.BigInteger)
    spans = offset_spans(_zone(), first, last + timedelta(seconds=1))
    offset = (
        sa.case(*[(epoch < spans[i + 1][0], spans[i][1]) for i in range(len(spans) - 1)], else_=spans[-1][1])
        if len(spans) > 1
        else sa.literal(spans[0][1])
    )
    local = epoch + offset
    bind.execute(sa.update(calls).values(local_day=local // DAY, local_minute=(local % DAY) // 60))


def downgrade() -> None:
    op.drop_index("ix_call_records_local_day_group_id", table_name="call_records")
    with op.batch_alter_table("call_records") as batch:
        batch.drop_column("local_minute")
        batch.drop_column("local_day")
