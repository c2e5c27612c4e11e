"""the phone book: speed-dial contacts of the organisation and of each user, and favourites

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "phone_book_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("note", sa.String(length=500), server_default="", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_phone_book_contacts_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_book_contacts")),
    )
    op.create_index("ix_phone_book_contacts_owner_number", "phone_book_contacts", ["owner_id", "number"])
    op.create_table(
        "phone_book_favourites",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["phone_book_contacts.id"],
            name=op.f("fk_phone_book_favourites_contact_id_phone_book_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_phone_book_favourites_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "contact_id", name=op.f("pk_phone_book_favourites")),
    )


def downgrade() -> None:
    op.drop_table("phone_book_favourites")
    op.drop_index("ix_phone_book_contacts_owner_number", table_name="phone_book_contacts")
    op.drop_table("phone_book_contacts")
