"""the hotline's own notices in a conversation are the system's, not an operator's

A status notice («Уведомление о статусе») was stored as an operator's message without an operator;
it becomes the system's.

Revision ID: 0052
Revises: 0041
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0052"
down_revision = "0041"
branch_labels = None
depends_on = None

NOTICE_AUTHOR = "Уведомление о статусе"

messages = sa.table(
    "conversation_messages",
    sa.column("author", sa.String()),
    sa.column("author_user_id", sa.Integer()),
    sa.column("author_name", sa.String()),
)


def _move(old: str, new: str) -> None:
    op.execute(
        messages.update()
        .where(
            messages.c.author == old,
            messages.c.author_user_id.is_(None),
            messages.c.author_name == NOTICE_AUTHOR,
        )
        .values(author=new)
    )


def upgrade() -> None:
    _move("operator", "system")


def downgrade() -> None:
    _move("system", "operator")
