"""The citizen channels: devices confirmed by a one-time code, the requests they sent (a case each),
media on them, and each case's conversation — messages that say by which channel they came or went."""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from c122.persistence.tables.base import UtcDateTime, metadata

citizen_devices = Table(
    "citizen_devices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("phone", String(16), nullable=False, index=True),
    Column("platform", String(32), nullable=False),
    # Keyed hashes only: neither the code nor the token can be read back.
    Column("code_hash", String(64), nullable=False, server_default=""),
    Column("code_sent_at", UtcDateTime, nullable=True),
    Column("code_expires_at", UtcDateTime, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("locked_until", UtcDateTime, nullable=True),
    Column("confirmed_at", UtcDateTime, nullable=True),
    Column("token_hash", String(64), nullable=True, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
)

citizen_requests = Table(
    "citizen_requests",
    metadata,
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("device_id", Integer, ForeignKey("citizen_devices.id", ondelete="CASCADE"), nullable=False),
    Column("accuracy_m", Float, nullable=True),
    Column("located_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_citizen_requests_device_id", "device_id", "case_id"),
)

citizen_media = Table(
    "citizen_media",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("device_id", Integer, ForeignKey("citizen_devices.id", ondelete="SET NULL"), nullable=True),
    Column("kind", String(16), nullable=False),
    Column("content_type", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("stored_name", String(200), nullable=False),
    Column("exif_latitude", Float, nullable=True),
    Column("exif_longitude", Float, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

# One conversation per case, whatever channels its messages take.
conversations = Table(
    "conversations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("channel", String(16), nullable=False),  # the channel it was opened by
    Column("created_at", UtcDateTime, nullable=False),
)

conversation_messages = Table(
    "conversation_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("conversation_id", Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(16), nullable=False),  # app, sms, messenger
    Column("author", String(16), nullable=False),  # citizen, operator, bot, system
    Column("author_user_id", Integer, nullable=True),
    Column("author_name", String(200), nullable=False, server_default=""),
    Column("text", Text, nullable=False),
    Column("media_id", Integer, ForeignKey("citizen_media.id", ondelete="SET NULL"), nullable=True),
    # An answer sent by SMS: its outbox row, whose state (queued, sent, delivered, failed) the chat shows.
    Column("sms_id", Integer, ForeignKey("sms_messages.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_conversation_messages_conversation_id", "conversation_id", "id"),
)

# Where a case's conversation is reached on a channel: the SMS number, the messenger's chat id. An
# incoming text from the address continues the newest open case reached there.
conversation_contacts = Table(
    "conversation_contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    Column("address", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("case_id", "channel", "address", name="uq_conversation_contacts_case_id"),
    Index("ix_conversation_contacts_channel_address", "channel", "address"),
)

# The device's app calls, so that a call cut by a restart is answered as ended, with why, rather than
# as unknown: the legs live in the process's memory (telephony/webrtc/app_calls.py).
citizen_calls = Table(
    "citizen_calls",
    metadata,
    Column("call_id", String(64), primary_key=True),
    Column("device_id", Integer, ForeignKey("citizen_devices.id", ondelete="CASCADE"), nullable=False),
    Column("placed_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime, nullable=True),
    Column("cause", String(32), nullable=True),
    Index("ix_citizen_calls_device_id", "device_id", "placed_at"),
)
