"""Conversations kept for a restart, at the telephony's level: what is kept, and that one is taken over
whole or not at all. Real media engine on loopback and the real store on SQLite and PostgreSQL; the SIP
stack is built but never started (nothing is sent). The end-to-end case, with a killed `c122 serve`,
SIPp and baresip, is tests/integration/faults/test_restart.py."""

from __future__ import annotations

import random
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from c122.persistence.database import create_engine
from c122.persistence.telephony_state import SqlTelephonyState
from c122.services.restart.ports import StoredConversation, StoredDialog, StoredLeg
from c122.telephony.control import CallControl
from c122.telephony.control.model import ChannelState
from c122.telephony.control.signalling import MediaParams, SignallingSink
from c122.telephony.kept_conversations import KeptConversations
from c122.telephony.media.engine import MediaEngine
from c122.telephony.media.messages import Direction
from c122.telephony.sip import SipStack
from c122.telephony.sip import sdp as sip_sdp
from c122.telephony.sip.kept_dialogs import KeptDialogs

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


class BrowserLikeSignalling:
    """A leg whose signalling is not SIP (as an operator's WebRTC browser leg): it is never kept."""

    caller = "operator1"
    called = "browser"

    def attach(self, sink: SignallingSink) -> None:
        pass

    def offered(self) -> MediaParams:
        return MediaParams("PCMU", 101, ("127.0.0.1", 9), Direction.SENDRECV)

    async def ring(self) -> None:
        pass

    async def answer(self, host: str, port: int) -> MediaParams:
        return self.offered()

    async def reject(self, status: int) -> None:
        pass

    async def hangup(self) -> None:
        pass

    async def renegotiate(self, host: str, port: int, direction: Direction) -> MediaParams | None:
        return None


@dataclass
class Telephony:
    base: int
    media: MediaEngine
    control: CallControl
    stack: SipStack
    store: SqlTelephonyState
    dialogs: KeptDialogs
    kept: KeptConversations


@pytest.fixture
async def telephony(database_url: str) -> AsyncIterator[Telephony]:
    base = random.randrange(30000, 44000, 100)
    media = MediaEngine(bind_host="127.0.0.1", port_min=base, port_max=base + 99)
    await media.start()
    database = create_engine(database_url)
    store = SqlTelephonyState(database)
    control = CallControl(media)
    stack = SipStack("127.0.0.1", udp_port=0, tcp_port=None, protection=None)
    dialogs = KeptDialogs(stack, store)
    kept = KeptConversations(control, stack, dialogs, store)
    try:
        yield Telephony(base, media, control, stack, store, dialogs, kept)
    finally:
        await kept.close()
        await dialogs.close()
        await media.stop()
        await database.dispose()


def dialog(call_id: str) -> StoredDialog:
    return StoredDialog(
        call_id=call_id, local_tag="ours", remote_tag="theirs", local_uri="<sip:hotline@127.0.0.1>;tag=ours",
        remote_uri="<sip:peer@127.0.0.1>;tag=theirs", remote_target="sip:peer@127.0.0.1:5099", route_set=(),
        local_cseq=3, remote_cseq=1, local_contact="<sip:hotline@127.0.0.1:5060>", transport="udp",
        flow_transport=None, flow_host=None, flow_port=None, established_at=NOW,
    )  # fmt: skip


def leg(channel_id: str, call_id: str, port: int, peer_port: int) -> StoredLeg:
    return StoredLeg(
        channel_id=channel_id, direction="inbound", caller="79161234567", called="88001220122",
        sip_call_id=call_id, local_tag="ours", rtp_port=port, remote_host="127.0.0.1", remote_port=peer_port,
        codec="PCMU", dtmf_payload_type=101, local_sdp=str(sip_sdp.make_offer("127.0.0.1", port)),
        remote_sdp=str(sip_sdp.make_offer("127.0.0.1", peer_port)),
    )  # fmt: skip


async def left_by_a_stopped_process(telephony: Telephony) -> None:
    """What a killed process left: two dialogs and their conversation, on two ports of the range."""
    await telephony.store.save_dialogs({("a@x", "ours"): dialog("a@x"), ("b@x", "ours"): dialog("b@x")})
    legs = (
        leg("ch-caller", "a@x", telephony.base + 10, 47000),
        leg("ch-phone", "b@x", telephony.base + 20, 47002),
    )
    await telephony.store.save_conversations(
        {"call-1": StoredConversation("call-1", legs, {"queue_id": 4}, NOW)}
    )
    await telephony.dialogs.load()


async def test_a_leg_that_is_not_sip_is_never_kept(telephony: Telephony) -> None:
    legs = [telephony.control.incoming(BrowserLikeSignalling()) for _ in range(2)]
    for channel in legs:
        await channel.answer()
    assert await telephony.kept.keep("call-1", legs[0].id, legs[1].id, {"queue_id": 4}) is False
    await telephony.kept.close()
    assert await telephony.store.conversations() == []


async def test_a_conversation_is_taken_over_on_its_own_ports_without_ending_its_dialogs(
    telephony: Telephony,
) -> None:
    await left_by_a_stopped_process(telephony)

    (taken,) = await telephony.kept.take_over()

    assert (taken.call_id, taken.caller_leg, taken.operator_leg) == ("call-1", "ch-caller", "ch-phone")
    assert taken.flow == {"queue_id": 4}
    channels = {c.id: c for c in telephony.control.channels}
    assert {c: channels[c].state for c in channels} == {
        "ch-caller": ChannelState.UP,
        "ch-phone": ChannelState.UP,
    }
    assert telephony.media.endpoint("ch-caller").port == telephony.base + 10
    assert telephony.media.endpoint("ch-phone").target == ("127.0.0.1", 47002)
    assert telephony.dialogs.left(("a@x", "ours")) is None  # continues: no BYE
    assert telephony.dialogs.end_previous() == 0
    assert await telephony.store.conversations() == []  # kept again by the call flow when it resumes


async def test_a_conversation_one_of_whose_ports_is_taken_is_not_taken_over_at_all(
    telephony: Telephony,
) -> None:
    await left_by_a_stopped_process(telephony)
    blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    blocker.bind(("127.0.0.1", telephony.base + 21))  # another program took the phone's RTCP port
    try:
        assert await telephony.kept.take_over() == []
    finally:
        blocker.close()

    assert telephony.control.channels == []  # the caller's leg, opened first, is closed again
    assert telephony.media.health().ports_free == 50
    assert telephony.dialogs.left(("a@x", "ours")) is not None  # both get the restart's BYE
    assert telephony.dialogs.left(("b@x", "ours")) is not None
