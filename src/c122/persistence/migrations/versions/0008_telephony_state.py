"""SIP registrations and SIP dialogs: what the telephony keeps across a restart

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sip_registrations",
        sa.Column("account", sa.String(length=128), nullable=False),
        sa.Column("contact", sa.String(length=512), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("call_id", sa.String(length=256), nullable=False),
        sa.Column("cseq", sa.Integer(), nullable=False),
        sa.Column("source_transport", sa.String(length=8), nullable=False),
        sa.Column("source_host", sa.String(length=255), nullable=False),
        sa.Column("source_port", sa.Integer(), nullable=False),
        sa.Column("q", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("account", "contact", name=op.f("pk_sip_registrations")),
    )
    with op.batch_alter_table("sip_registrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sip_registrations_expires_at"), ["expires_at"], unique=False)
    op.create_table(
        "sip_dialogs",
        sa.Column("call_id", sa.String(length=256), nullable=False),
        sa.Column("local_tag", sa.String(length=128), nullable=False),
        sa.Column("remote_tag", sa.String(length=128), nullable=False),
        sa.Column("local_uri", sa.Text(), nullable=False),
        sa.Column("remote_uri", sa.Text(), nullable=False),
        sa.Column("remote_target", sa.Text(), nullable=False),
        sa.Column("route_set", sa.JSON(), nullable=False),
        sa.Column("local_cseq", sa.Integer(), nullable=False),
        sa.Column("remote_cseq", sa.Integer(), nullable=True),
        sa.Column("local_contact", sa.Text(), nullable=False),
        sa.Column("transport", sa.String(length=8), nullable=False),
        sa.Column("flow_transport", sa.String(length=8), nullable=True),
        sa.Column("flow_host", sa.String(length=255), nullable=True),
        sa.Column("flow_port", sa.Integer(), nullable=True),
        sa.Column("established_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invite", sa.Text(), nullable=True),
        sa.Column("invite_transport", sa.String(length=8), nullable=True),
        sa.Column("invite_host", sa.String(length=255), nullable=True),
        sa.Column("invite_port", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("call_id", "local_tag", name=op.f("pk_sip_dialogs")),
    )


def downgrade() -> None:
    op.drop_table("sip_dialogs")
    with op.batch_alter_table("sip_registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sip_registrations_expires_at"))
    op.drop_table("sip_registrations")
