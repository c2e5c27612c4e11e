"""SIP registrations and established dialogs, kept so that a restart of the process keeps operators'
phones reachable and can end the calls it cannot resume: part of the one `metadata` in tables/base.py."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, Integer, String, Table, Text

from c122.persistence.tables.base import UtcDateTime, metadata

sip_registrations = Table(
    "sip_registrations",
    metadata,
    Column("account", String(128), primary_key=True),
    Column("contact", String(512), primary_key=True),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
    Column("call_id", String(256), nullable=False),
    Column("cseq", Integer, nullable=False),
    Column("source_transport", String(8), nullable=False),
    Column("source_host", String(255), nullable=False),
    Column("source_port", Integer, nullable=False),
    Column("q", Float, nullable=False),
)

sip_dialogs = Table(
    "sip_dialogs",
    metadata,
    Column("call_id", String(256), primary_key=True),
    Column("local_tag", String(128), primary_key=True),
    Column("remote_tag", String(128), nullable=False),
    Column("local_uri", Text, nullable=False),
    Column("remote_uri", Text, nullable=False),
    Column("remote_target", Text, nullable=False),
    Column("route_set", JSON, nullable=False),
    Column("local_cseq", Integer, nullable=False),
    Column("remote_cseq", Integer, nullable=True),
    Column("local_contact", Text, nullable=False),
    Column("transport", String(8), nullable=False),
    Column("flow_transport", String(8), nullable=True),
    Column("flow_host", String(255), nullable=True),
    Column("flow_port", Integer, nullable=True),
    Column("established_at", UtcDateTime, nullable=False),
    Column("invite", Text, nullable=True),  # a call of ours still ringing: the INVITE, to CANCEL it
    Column("invite_transport", String(8), nullable=True),
    Column("invite_host", String(255), nullable=True),
    Column("invite_port", Integer, nullable=True),
)

# A conversation between two SIP/RTP legs (a caller and an operator's SIP phone), kept while it lasts so
# that a restarted process can take it over: the legs' media and dialog keys, and the call flow's state.
kept_conversations = Table(
    "kept_conversations",
    metadata,
    Column("call_id", String(64), primary_key=True),
    Column("legs", JSON, nullable=False),
    Column("flow", JSON, nullable=False),
    Column("kept_at", UtcDateTime, nullable=False),
)
