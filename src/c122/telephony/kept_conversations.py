"""Conversations kept in the database so that a restarted process takes them over instead of ending them.

While a caller and an operator's SIP phone talk through a bridge, both legs are stored (`keep`): the
channel ids, the SIP dialog keys (the dialogs themselves are `KeptDialogs`' rows), our RTP port, the
peer's media address (latched from its packets), codec, DTMF type and both SDPs, with the call flow's
own state. On start, before the SIP stack listens and before any other port is handed out, each stored
conversation whose two dialogs are still there is taken over (`take_over`): the same RTP ports are bound
again, each dialog continues as a confirmed call of this run, and each leg is a channel UP under its old
id. A conversation that cannot be taken over whole (a port taken, a dialog missing, bad data) is not
taken over at all: its dialogs stay with `KeptDialogs`, which ends them with a BYE.

A leg that is not plain SIP/RTP over UDP is never kept: a browser's (WebRTC) DTLS-SRTP keys die with the
process, and a TCP, TLS or WebSocket peer's connection does too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Mapping
from datetime import UTC, datetime
from typing import Any, Final

from c122.services.call_flow.ports import KeptCall
from c122.services.restart.ports import StoredConversation, StoredDialog, StoredLeg, TelephonyStateStore
from c122.telephony.control import CallControl
from c122.telephony.control.model import Channel, ChannelState
from c122.telephony.control.signalling import MediaParams
from c122.telephony.control.sip_gateway import SipSignalling
from c122.telephony.media.messages import DescribeEndpoint, Direction, EndpointDescribed
from c122.telephony.sip import SipStack
from c122.telephony.sip.coalescing_writer import CoalescingWriter
from c122.telephony.sip.kept_dialogs import KeptDialogs
from c122.telephony.sip.resumed import ResumedCall
from c122.telephony.sip.sdp import parse_sdp

log = logging.getLogger(__name__)

# A phone's first packets may come a moment after the bridge forms: the legs are described again then,
# so that the latched address, not only the SDP's, is what a restart sends to.
RELATCH_CHECK_S: Final = 2.0


class KeptConversations:
    def __init__(
        self, control: CallControl, stack: SipStack, dialogs: KeptDialogs, store: TelephonyStateStore
    ) -> None:
        self._control = control
        self._stack = stack
        self._dialogs = dialogs
        self._store = store
        self._writer: CoalescingWriter[str, StoredConversation | None] = CoalescingWriter(
            self._store.save_conversations, "kept conversation"
        )
        self._kept: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    # -- this run's conversations (`ConversationKeeper`) -------------------------------------------------

    async def keep(self, call_id: str, caller_leg: str, operator_leg: str, flow: Mapping[str, Any]) -> bool:
        caller, operator = await self._leg(caller_leg), await self._leg(operator_leg)
        if caller is None or operator is None:
            self.forget(call_id)
            return False
        self._kept.add(call_id)
        stored = StoredConversation(call_id, (caller[0], operator[0]), dict(flow), _now())
        self._writer.put(call_id, stored)
        if not (caller[1] and operator[1]):
            self._spawn(self._keep_latched(stored))
        return True

    async def _keep_latched(self, stored: StoredConversation) -> None:
        await asyncio.sleep(RELATCH_CHECK_S)
        caller, operator = stored.legs
        if stored.call_id in self._kept:
            await self.keep(stored.call_id, caller.channel_id, operator.channel_id, stored.flow)

    def forget(self, call_id: str) -> None:
        if call_id in self._kept:
            self._kept.discard(call_id)
            self._writer.put(call_id, None)

    async def _leg(self, leg_id: str) -> tuple[StoredLeg, bool] | None:
        """The leg as a restart needs it, and whether its peer's address is latched yet."""
        channel = self._control.find(leg_id)
        if channel is None or channel.state is not ChannelState.UP:
            return None
        signalling = channel.signalling
        if not isinstance(signalling, SipSignalling):
            return None  # a browser leg: its DTLS-SRTP keys cannot outlive the process
        call = signalling.call
        dialog = call.dialog
        if (
            call.state != "confirmed"
            or dialog is None
            or dialog.transport != "udp"
            or dialog.flow is not None
            or call.local_sdp is None
            or call.remote_sdp is None
        ):
            return None
        described = await self._control.media.execute(DescribeEndpoint(leg_id))
        if not isinstance(described, EndpointDescribed) or described.remote is None:
            return None
        leg = StoredLeg(
            channel_id=leg_id,
            direction=channel.direction,
            caller=signalling.caller,
            called=signalling.called,
            sip_call_id=dialog.call_id,
            local_tag=dialog.local_tag,
            rtp_port=described.port,
            remote_host=described.remote[0],
            remote_port=described.remote[1],
            codec=described.codec,
            dtmf_payload_type=described.dtmf_payload_type,
            local_sdp=str(call.local_sdp),
            remote_sdp=str(call.remote_sdp),
        )
        return leg, described.latched

    async def close(self) -> None:
        """A clean stop hangs every call up (`SipGateway.close`): nothing is left to take over."""
        for call_id in list(self._kept):
            self.forget(call_id)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._writer.close()

    # -- the previous run's conversations ----------------------------------------------------------------

    async def take_over(self) -> list[KeptCall]:
        """Takes over what the previous process kept; call after `KeptDialogs.load`, before the stack
        starts. The rows of the previous run go: the call flow keeps the resumed calls again."""
        left = await self._store.conversations()
        taken: list[KeptCall] = []
        for stored in left:
            try:
                taken.append(await self._take_over(stored))
            except Exception as exc:  # one call that cannot be taken over is ended; the others go on
                log.warning("restart: call %s cannot be taken over, it is ended: %s", stored.call_id, exc)
        if left:
            await self._store.save_conversations({stored.call_id: None for stored in left})
            log.warning("restart: %d of %d conversation(s) taken over", len(taken), len(left))
        return taken

    async def _take_over(self, stored: StoredConversation) -> KeptCall:
        if len(stored.legs) != 2:
            raise ValueError("a conversation has two legs")
        found = [self._dialogs.left(leg.dialog) for leg in stored.legs]
        dialogs = [dialog for dialog in found if dialog is not None]
        if len(dialogs) != len(found):
            raise ValueError("a leg's SIP dialog was not stored")
        taken: list[tuple[Channel, ResumedCall]] = []
        try:
            for leg, dialog in zip(stored.legs, dialogs, strict=True):
                taken.append(await self._resume_leg(leg, dialog))
        except BaseException:
            for channel, call in taken:
                call.abandon()
                with contextlib.suppress(Exception):
                    await channel.close("system_restart", None)
            raise
        for (_channel, call), dialog in zip(taken, dialogs, strict=True):
            self._dialogs.take_over(dialog)
            self._stack.adopt(call)
        caller, operator = stored.legs
        return KeptCall(stored.call_id, caller.channel_id, operator.channel_id, stored.flow)

    async def _resume_leg(self, leg: StoredLeg, dialog: StoredDialog) -> tuple[Channel, ResumedCall]:
        local, remote = parse_sdp(leg.local_sdp), parse_sdp(leg.remote_sdp)
        audio = local.audio
        host = local.media_address(audio) if audio is not None else None
        if host is None:
            raise ValueError("our stored SDP has no audio address")
        call = ResumedCall(self._stack, KeptDialogs.dialog_of(dialog), local, remote)
        signalling = SipSignalling(call, leg.caller, leg.called, local=(host, leg.rtp_port))
        params = MediaParams(
            codec=leg.codec,
            dtmf_payload_type=leg.dtmf_payload_type,
            remote=(leg.remote_host, leg.remote_port),
            direction=Direction.SENDRECV,
        )
        try:
            channel = await self._control.resume(
                leg.channel_id, leg.direction, signalling, params, leg.rtp_port
            )
        except BaseException:
            call.abandon()
            raise
        return channel, call

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _now() -> datetime:
    return datetime.now(UTC)
