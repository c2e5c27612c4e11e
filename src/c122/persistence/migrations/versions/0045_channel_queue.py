"""one queue setting per text channel: a queue's text channels move to the channel's queue

The «Каналы и чат-бот» screen sets the queue of each text channel; queues no longer list the channels
they take. A channel without a queue there gets the first queue (by id) that listed it.

Revision ID: 0045
Revises: 0040
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0045"
down_revision = "0040"
branch_labels = None
depends_on = None

CHANNELS = ("app", "sms", "messenger")

queues = sa.table("queues", sa.column("id", sa.Integer()), sa.column("text_channels", sa.JSON()))
settings = sa.table(
    "channel_settings",
    sa.column("channel", sa.String()),
    sa.column("flow_name", sa.String()),
    sa.column("queue_id", sa.Integer()),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    db = op.get_bind()
    taking: dict[str, int] = {}
    listed = db.execute(sa.select(queues.c.id, queues.c.text_channels).order_by(queues.c.id))
    for queue_id, channels in listed:
        for channel in channels or ():
            taking.setdefault(channel, queue_id)
    chosen = db.execute(sa.select(settings.c.channel, settings.c.queue_id))
    current = {row.channel: row.queue_id for row in chosen}
    now = datetime.now(UTC)
    for channel, queue_id in taking.items():
        if channel not in CHANNELS:
            continue
        if channel not in current:
            db.execute(sa.insert(settings).values(channel=channel, queue_id=queue_id, updated_at=now))
        elif current[channel] is None:
            db.execute(
                sa.update(settings)
                .where(settings.c.channel == channel)
                .values(queue_id=queue_id, updated_at=now)
            )
    # Not a batch: on SQLite a batch copies the table, and dropping the old copy would clear the rows
    # that refer to queues (channels' queues, members); SQLite drops a column in place since 3.35.
    op.drop_column("queues", "text_channels")


def downgrade() -> None:
    with op.batch_alter_table("queues") as batch:
        batch.add_column(sa.Column("text_channels", sa.JSON(), nullable=True))
    db = op.get_bind()
    by_queue: dict[int, list[str]] = {}
    for channel, queue_id in db.execute(sa.select(settings.c.channel, settings.c.queue_id)):
        if queue_id is not None:
            by_queue.setdefault(queue_id, []).append(channel)
    for queue_id, channels in by_queue.items():
        db.execute(sa.update(queues).where(queues.c.id == queue_id).values(text_channels=sorted(channels)))
