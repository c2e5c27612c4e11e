"""Dialogs kept in the database, so that a restarted process can end the calls it lost.

Each INVITE dialog is stored once it is established (and again when the peer refreshes it), and
forgotten when it ends; a call we place is stored from its INVITE on, with that INVITE. On start,
before the stack takes traffic, the dialogs a stopped process left are read; once it listens, each gets
an in-dialog BYE (RFC 3261 §15.1.1) with the stored Call-ID, tags, route set and remote target, and a
call still ringing gets a CANCEL (§9.1). While that BYE is under way, and for a while after, a BYE from
the peer for such a dialog is answered 200: only a dialog nobody knows gets 481.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Mapping
from datetime import UTC, datetime
from typing import Any, Final

from c122.services.restart.ports import DialogKey, StoredDialog, TelephonyStateStore
from c122.telephony.sip.call import Call
from c122.telephony.sip.coalescing_writer import CoalescingWriter
from c122.telephony.sip.dialog import Dialog
from c122.telephony.sip.events import Answered, CallEnded, CallEvent, ReInvited
from c122.telephony.sip.message import Headers, SipRequest, make_response, parse_message
from c122.telephony.sip.outgoing import OutgoingCall
from c122.telephony.sip.transaction import Destination, ServerTransaction
from c122.telephony.sip.ua import SipStack
from c122.telephony.sip.uri import SipUri

log = logging.getLogger(__name__)

# Our in-dialog requests after the last store (hold re-INVITEs, INFO digits) are not stored: the BYE
# jumps ahead. A UAS takes any higher CSeq as in order (RFC 3261 §12.2.2).
CSEQ_STEP: Final = 1000
# How long a BYE from the peer of an ended dialog of the previous run is still answered 200 (64*T1).
LINGER_S: Final = 32.0
RESTART_REASON: Final = 'Q.850;cause=41;text="service restarted"'


class KeptDialogs:
    def __init__(self, stack: SipStack, store: TelephonyStateStore) -> None:
        self._stack = stack
        self._store = store
        self._writer: CoalescingWriter[DialogKey, StoredDialog | None] = CoalescingWriter(
            self._write, "SIP dialog"
        )
        self._stored: set[DialogKey] = set()  # the keys that have a row: only those need a DELETE
        self._kept: dict[DialogKey, datetime] = {}  # stored dialogs of this run: when established
        self._left: list[StoredDialog] = []  # what the previous run left, read before the stack starts
        self._previous: dict[DialogKey, Dialog] = {}  # those being ended, answered 200 to a BYE
        self._tasks: set[asyncio.Task[None]] = set()
        stack.on_dialog_event = self._on_event
        stack.on_unknown_dialog = self._previous_run_request
        stack.on_invite_sent = self._invite_sent

    async def load(self) -> int:
        """Reads the dialogs a stopped process left; call before the stack starts."""
        self._left = await self._store.dialogs()
        self._stored.update((d.call_id, d.local_tag) for d in self._left)
        return len(self._left)

    def left(self, key: DialogKey) -> StoredDialog | None:
        """An established dialog the previous process left, if it is still to be ended."""
        return next((d for d in self._left if (d.call_id, d.local_tag) == key and d.invite is None), None)

    @staticmethod
    def dialog_of(stored: StoredDialog) -> Dialog:
        """The stored dialog to continue; our next CSeq jumps ahead as for the BYE (`CSEQ_STEP`)."""
        dialog = _dialog(stored)
        dialog.local_cseq += CSEQ_STEP
        return dialog

    def take_over(self, stored: StoredDialog) -> None:
        """The dialog continues in this run (its call is re-attached): no BYE; kept as this run's own, so
        that its end forgets it."""
        key = (stored.call_id, stored.local_tag)
        self._left = [d for d in self._left if (d.call_id, d.local_tag) != key]
        self._kept[key] = stored.established_at

    def end_previous(self) -> int:
        """Sends a BYE in each dialog the previous process left (a CANCEL for a call of ours that was
        still ringing); returns how many."""
        left, self._left = self._left, []
        for stored in left:
            if stored.invite is not None:
                self._spawn(self._cancel(stored))
                continue
            dialog = _dialog(stored)
            dialog.local_cseq += CSEQ_STEP
            self._previous[dialog.key[:2]] = dialog
            self._spawn(self._bye(dialog))
        if left:
            log.warning("restart: ending %d SIP dialog(s) left by the previous run", len(left))
        return len(left)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._writer.close()

    # -- this run's dialogs -----------------------------------------------------------------------------

    def _on_event(self, call: Call, event: CallEvent) -> None:
        key = _key(call)
        if key is None:
            return
        if isinstance(event, Answered | ReInvited) and call.state == "confirmed" and call.dialog is not None:
            since = self._kept.setdefault(key, datetime.now(UTC))
            self._writer.put(key, _stored(call.dialog, since))
        elif isinstance(event, CallEnded) and self._kept.pop(key, None) is not None:
            self._writer.put(key, None)

    def _invite_sent(self, call: OutgoingCall, request: SipRequest, hop: Destination) -> None:
        """A call we place is kept from its INVITE on, to be cancelled if the process dies while it rings."""
        key = _key(call)
        if key is not None and call.state == "early":
            since = self._kept.setdefault(key, datetime.now(UTC))
            self._writer.put(key, _ringing(request, hop, since))

    async def _write(self, batch: Mapping[DialogKey, StoredDialog | None]) -> None:
        """Stores the batch; a dialog that was kept and forgotten before any batch stored it (both in
        one batch, or while the database was away) has no row: nothing to write."""
        changes = {key: d for key, d in batch.items() if d is not None or key in self._stored}
        if not changes:
            return
        await self._store.save_dialogs(changes)
        for key, dialog in changes.items():
            if dialog is None:
                self._stored.discard(key)
            else:
                self._stored.add(key)

    # -- the previous run's dialogs ---------------------------------------------------------------------

    async def _bye(self, dialog: Dialog) -> None:
        key = (dialog.call_id, dialog.local_tag)
        try:
            extra = Headers([("Reason", RESTART_REASON)])
            request = self._stack.messages.dialog_request(dialog, "BYE", extra=extra)
            response = await self._stack.send_request(request, dialog.destination())
            log.info("restart: BYE on %s answered %d", dialog.call_id, response.status)
        except Exception as exc:  # an unreachable peer must not stop the others
            log.info("restart: BYE on %s failed: %r", dialog.call_id, exc)
        self._writer.put(key, None)
        await asyncio.sleep(LINGER_S)
        self._previous.pop(key, None)

    async def _cancel(self, stored: StoredDialog) -> None:
        """A call of ours that was still ringing: CANCEL it (§9.1), so the phone stops ringing."""
        assert stored.invite is not None
        try:
            invite = parse_message(stored.invite.encode())
            assert isinstance(invite, SipRequest)
            hop = Destination(
                stored.invite_transport or "udp", stored.invite_host or "", stored.invite_port or 0
            )
            response = await self._stack.send_request(self._stack.messages.cancel_for(invite), hop)
            log.info("restart: CANCEL on %s answered %d", stored.call_id, response.status)
        except Exception as exc:  # an unreachable peer must not stop the others
            log.info("restart: CANCEL on %s failed: %r", stored.call_id, exc)
        self._writer.put((stored.call_id, stored.local_tag), None)

    def _previous_run_request(self, request: SipRequest, stx: ServerTransaction) -> bool:
        key = (request.call_id, request.to.tag or "")
        if key not in self._previous:
            return False
        response = make_response(request, 200 if request.method == "BYE" else 481)
        self._stack.messages.add_server(response)
        stx.respond(response)
        return True


def _key(call: Call) -> DialogKey | None:
    if call.dialog is not None:
        return (call.dialog.call_id, call.dialog.local_tag)
    if isinstance(call, OutgoingCall):
        return (call.call_id, call.request.from_.tag or "")
    return None


def _ringing(request: SipRequest, hop: Destination, since: datetime) -> StoredDialog:
    """A call we place that is not answered yet: enough to CANCEL its INVITE (§9.1)."""
    return StoredDialog(
        call_id=request.call_id,
        local_tag=request.from_.tag or "",
        remote_tag="",
        local_uri=request.headers.get("From") or "",
        remote_uri=request.headers.get("To") or "",
        remote_target=str(request.request_uri),
        route_set=tuple(request.headers.get_all("Route")),
        local_cseq=request.cseq[0],
        remote_cseq=None,
        local_contact=request.headers.get("Contact") or "",
        transport=hop.transport,
        flow_transport=None,
        flow_host=None,
        flow_port=None,
        established_at=since,
        invite=request.serialize().decode("utf-8", "replace"),
        invite_transport=hop.transport,
        invite_host=hop.host,
        invite_port=hop.port,
    )


def _stored(dialog: Dialog, since: datetime) -> StoredDialog:
    flow = dialog.flow
    return StoredDialog(
        call_id=dialog.call_id,
        local_tag=dialog.local_tag,
        remote_tag=dialog.remote_tag,
        local_uri=dialog.local_uri,
        remote_uri=dialog.remote_uri,
        remote_target=str(dialog.remote_target),
        route_set=tuple(dialog.route_set),
        local_cseq=dialog.local_cseq,
        remote_cseq=dialog.remote_cseq,
        local_contact=dialog.local_contact,
        transport=dialog.transport,
        flow_transport=flow.transport if flow is not None else None,
        flow_host=flow.host if flow is not None else None,
        flow_port=flow.port if flow is not None else None,
        established_at=since,
    )


def _dialog(stored: StoredDialog) -> Dialog:
    """The stored dialog again. The connection it arrived on (TCP, TLS, WebSocket) died with the process:
    a TCP or TLS peer is reached at its remote target again; a WebSocket peer cannot be."""
    return Dialog(
        call_id=stored.call_id,
        local_tag=stored.local_tag,
        remote_tag=stored.remote_tag,
        local_uri=stored.local_uri,
        remote_uri=stored.remote_uri,
        remote_target=SipUri.parse(stored.remote_target),
        route_set=list(stored.route_set),
        local_cseq=stored.local_cseq,
        remote_cseq=stored.remote_cseq,
        local_contact=stored.local_contact,
        transport=stored.transport,
    )
