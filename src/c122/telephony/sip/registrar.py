"""Registrar (RFC 3261 §10.3): bindings of accounts to contacts with expiry."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from c122.telephony.sip.errors import SipParseError
from c122.telephony.sip.flows import Source
from c122.telephony.sip.message import SipRequest, SipResponse, make_response
from c122.telephony.sip.uri import NameAddr, SipUri


@dataclass(frozen=True, slots=True)
class Binding:
    account: str
    contact: SipUri
    expires_at: float
    call_id: str
    cseq: int
    source: Source  # where the phone really is (NAT): send requests here
    q: float = 1.0


class Registrar:
    def __init__(
        self,
        *,
        min_expires: int = 60,
        max_expires: int = 3600,
        default_expires: int = 3600,
        max_contacts: int = 10,
        now: Callable[[], float] = time.monotonic,
        on_change: Callable[[str, list[Binding]], None] | None = None,
    ) -> None:
        self.min_expires = min_expires
        self.max_expires = max_expires
        self.default_expires = default_expires
        self.max_contacts = max_contacts
        self._now = now
        self._bindings: dict[str, list[Binding]] = {}
        self.on_change = on_change  # (account, live bindings) after every accepted REGISTER

    def lookup(self, account: str) -> list[Binding]:
        """Live bindings, best q first."""
        now = self._now()
        live = [b for b in self._bindings.get(account, []) if b.expires_at > now]
        if live:
            self._bindings[account] = live
        else:
            self._bindings.pop(account, None)
        return sorted(live, key=lambda b: -b.q)

    def accounts(self) -> list[str]:
        return [a for a in list(self._bindings) if self.lookup(a)]

    def expires_in(self, binding: Binding) -> float:
        """Seconds the binding has left."""
        return binding.expires_at - self._now()

    def restore(self, binding: Binding, expires_in: float) -> None:
        """A binding kept across a restart of the process, with the time it had left."""
        others = [b for b in self._bindings.get(binding.account, []) if b.contact != binding.contact]
        self._bindings[binding.account] = [*others, replace(binding, expires_at=self._now() + expires_in)]

    def handle(self, request: SipRequest, source: Source, account: str) -> SipResponse:
        """Apply a REGISTER already authenticated for `account`; returns the response to send."""
        try:
            return self._apply(request, source, account)
        except (SipParseError, ValueError) as exc:
            return make_response(request, 400, f"Bad Contact: {exc}"[:80])

    def _apply(self, request: SipRequest, source: Source, account: str) -> SipResponse:
        contacts = request.headers.get_all("Contact")
        header_expires = request.headers.get("Expires")
        default = int(header_expires) if header_expires and header_expires.strip().isdigit() else None
        cseq = request.cseq[0]
        current = {str(b.contact): b for b in self.lookup(account)}
        if contacts == ["*"]:
            if default != 0:
                return make_response(request, 400, "Wildcard needs Expires: 0")
            self._bindings.pop(account, None)
            return self._changed(request, account)
        now = self._now()
        for value in contacts:
            addr = NameAddr.parse(value)
            exp_param = addr.params.get("expires")
            expires = int(exp_param) if exp_param and exp_param.isdigit() else default
            if expires is None:
                expires = self.default_expires
            key = str(addr.uri)
            old = current.get(key)
            if old is not None and old.call_id == request.call_id and cseq <= old.cseq:
                return make_response(request, 500, "Stale CSeq")
            if expires == 0:
                current.pop(key, None)
                continue
            if expires < self.min_expires:
                resp = make_response(request, 423)
                resp.headers.add("Min-Expires", str(self.min_expires))
                return resp
            q_param = addr.params.get("q")
            q = float(q_param) if q_param and q_param.replace(".", "", 1).isdigit() else 1.0
            current[key] = Binding(
                account, addr.uri, now + min(expires, self.max_expires), request.call_id, cseq, source, q
            )
        if len(current) > self.max_contacts:
            return make_response(request, 403, "Too many contacts")
        self._bindings[account] = list(current.values())
        return self._changed(request, account)

    def _changed(self, request: SipRequest, account: str) -> SipResponse:
        response = self._ok(request, account)
        if self.on_change is not None:
            self.on_change(account, self.lookup(account))
        return response

    def _ok(self, request: SipRequest, account: str) -> SipResponse:
        resp = make_response(request, 200)
        now = self._now()
        for b in self.lookup(account):
            resp.headers.add("Contact", f"<{b.contact}>;expires={max(0, int(b.expires_at - now))}")
        return resp
