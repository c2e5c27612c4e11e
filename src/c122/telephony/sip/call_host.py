"""What a call leg needs from the stack that carries it.

`Call` depends on this protocol only; `SipStack` implements it. The stack knows the call classes
(it creates them and routes requests to them), the calls do not know the stack.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from c122.domain.clock import Timers as Clock
from c122.telephony.sip.auth import DigestCredentials
from c122.telephony.sip.builders import MessageFactory
from c122.telephony.sip.dialog import Dialog
from c122.telephony.sip.flows import Source
from c122.telephony.sip.message import SipRequest, SipResponse
from c122.telephony.sip.timers import TimerSettings
from c122.telephony.sip.transaction import Destination


class CallHost(Protocol):
    @property
    def clock(self) -> Clock: ...

    @property
    def timers(self) -> TimerSettings: ...

    @property
    def messages(self) -> MessageFactory: ...

    @property
    def contact_uri(self) -> str: ...

    def transport_of(self, request: SipRequest) -> str: ...

    def destination_of(self, request: SipRequest) -> Destination: ...

    def spawn(self, coro: Coroutine[Any, Any, Any], what: str) -> None:
        """Run `coro` in the background for as long as the stack runs; log it if it fails."""

    def capacity_refused(self, resource: str) -> int:
        """An admitted call refused because `resource` ran out: counted with the admission refusals;
        the Retry-After to tell the caller."""
        ...

    def forget_call(self, call_id: str, call: object) -> None:
        """The call has ended: stop routing requests with its Call-ID to it."""

    def call_event(self, call: object, event: object) -> None:
        """Every event of every call, for what watches all calls (dialogs kept across a restart)."""

    async def send_request(
        self,
        request: SipRequest,
        dest: Destination | None = None,
        credentials: DigestCredentials | None = None,
    ) -> SipResponse:
        """A non-INVITE (or re-INVITE) request in its own transaction; its final response."""
        ...

    def send_invite(
        self,
        request: SipRequest,
        dest: Destination,
        on_response: Callable[[SipResponse], None],
        on_timeout: Callable[[], None],
    ) -> None:
        """An initial INVITE in a client transaction that reports every response."""

    def resend_response(self, response: SipResponse, source: Source) -> None:
        """A retransmission outside any transaction (the 2xx to an INVITE, §13.3.1.4)."""

    def send_ack(self, dialog: Dialog, ack: SipRequest) -> None:
        """The ACK for a 2xx, sent straight to the dialog's peer (§13.2.2.4)."""
