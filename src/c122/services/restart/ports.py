"""What a restart needs of the other features (the call journal, the call distribution), and what the
telephony keeps in the database so that a restart of the process does not lose it: the SIP phones'
registrations (a phone registers every few minutes and must be reachable in between), the state of
each SIP dialog (enough to end it with an in-dialog BYE, or a CANCEL, after a crash) and, for a caller
talking to an operator's SIP phone, both legs' media (enough to take the conversation over)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Set
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class StoredRegistration:
    """One binding of an account to a contact (RFC 3261 §10.3), with where the phone really is."""

    account: str
    contact: str
    expires_at: datetime
    call_id: str
    cseq: int
    source_transport: str
    source_host: str
    source_port: int
    q: float = 1.0


@dataclass(frozen=True, slots=True)
class StoredDialog:
    """An INVITE dialog (RFC 3261 §12): identifiers, CSeq, route set, remote target and the transport
    and address requests within it go to; for a call of ours still ringing, the INVITE to cancel."""

    call_id: str
    local_tag: str
    remote_tag: str
    local_uri: str
    remote_uri: str
    remote_target: str
    route_set: tuple[str, ...]
    local_cseq: int
    remote_cseq: int | None
    local_contact: str
    transport: str
    flow_transport: str | None
    flow_host: str | None
    flow_port: int | None
    established_at: datetime
    # A call we placed that is still ringing (early dialog): the INVITE as sent and its next hop, so
    # that a restarted process can CANCEL it (RFC 3261 §9.1). None once the dialog is established.
    invite: str | None = None
    invite_transport: str | None = None
    invite_host: str | None = None
    invite_port: int | None = None


DialogKey = tuple[str, str]  # (Call-ID, our tag)


@dataclass(frozen=True, slots=True)
class StoredLeg:
    """One SIP/RTP leg of a conversation, as a restarted process needs it to take the leg over: its
    channel, its dialog (a row of `sip_dialogs`), the RTP port we bound, where its media goes and in
    which codec, and both SDPs (for answering a later re-INVITE)."""

    channel_id: str
    direction: str  # "inbound" (it called us) or "outbound" (we called it)
    caller: str
    called: str
    sip_call_id: str
    local_tag: str
    rtp_port: int
    remote_host: str
    remote_port: int
    codec: str
    dtmf_payload_type: int | None
    local_sdp: str
    remote_sdp: str

    @property
    def dialog(self) -> DialogKey:
        return (self.sip_call_id, self.local_tag)


@dataclass(frozen=True, slots=True)
class StoredConversation:
    """A caller and an operator's SIP phone talking through a bridge: both legs, and what the call flow
    needs to carry the call on (`flow`, plain JSON values of its own)."""

    call_id: str
    legs: tuple[StoredLeg, ...]
    flow: dict[str, Any]
    kept_at: datetime


class TelephonyStateStore(Protocol):
    async def save_registrations(self, by_account: Mapping[str, list[StoredRegistration]]) -> None:
        """Each account's live bindings, replacing what was stored for it (none: it is unregistered)."""
        ...

    async def live_registrations(self, now: datetime) -> list[StoredRegistration]:
        """Bindings not yet expired at `now`; expired ones are deleted."""
        ...

    async def save_dialogs(self, changes: Mapping[DialogKey, StoredDialog | None]) -> None:
        """Stores or replaces each dialog given; None forgets the dialog of that key."""
        ...

    async def dialogs(self) -> list[StoredDialog]: ...

    async def save_conversations(self, changes: Mapping[str, StoredConversation | None]) -> None:
        """Stores or replaces each conversation given (by call id); None forgets it."""
        ...

    async def conversations(self) -> list[StoredConversation]: ...


class CallJournal(Protocol):
    async def close_after_restart(self, running: Callable[[], Set[str]]) -> list[str]:
        """Closes the records left `active` by a stopped process, except those of `running()`."""
        ...


class CallDistribution(Protocol):
    async def drop_calls_not_in(self, live: Callable[[], Collection[str]], *, reason: str) -> list[str]:
        """Drops the calls the ACD holds that `live()` does not name, blaming nobody."""
        ...

    def on_shift(self) -> list[int]: ...

    async def end_shift(self, user_id: int, *, forced: bool, note: str) -> None: ...
