"""Carrier trunks: outbound registration (client digest) and OPTIONS keep-alive with up/down state."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from c122.telephony.sip.auth import DigestCredentials
from c122.telephony.sip.message import NO_RESPONSE, Headers, SipRequest, SipResponse
from c122.telephony.sip.transaction import Destination, new_branch, new_tag
from c122.telephony.sip.uri import Via, host_ref

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TrunkSettings:
    name: str
    host: str  # carrier's signalling address (IP or name)
    port: int = 5060
    transport: str = "udp"
    username: str | None = None  # set together with password to register to the carrier
    password: str | None = None
    domain: str | None = None  # registrar domain, default host
    register_expires: int = 300
    keepalive_interval: float = 30.0  # seconds between OPTIONS probes
    options: bool = True  # OPTIONS probes between registrations (some carriers refuse them)
    resolve_timeout: float = 5.0  # seconds a DNS name may take to resolve before the trunk is down

    @property
    def registers(self) -> bool:
        return self.username is not None and self.password is not None


SendRequest = Callable[[SipRequest, Destination, DigestCredentials | None], Awaitable[SipResponse]]
StateListener = Callable[[str, str], None]  # (trunk name, "up" | "down")


class Trunk:
    """Keeps one trunk registered and probed; `state` is "unknown" until the first answer."""

    def __init__(
        self,
        settings: TrunkSettings,
        send: SendRequest,
        local: Callable[[str], tuple[str, int]],  # transport → (host, port) for Via/Contact
        on_state: StateListener | None = None,
    ) -> None:
        self.settings = settings
        self._send = send
        self._local = local
        self.on_state = on_state
        self.state = "unknown"
        self.registered = False
        self.latency_ms: float | None = None  # of the last request the carrier answered
        self._call_id = f"{secrets.token_hex(10)}@c122"
        self._tag = new_tag()
        self._cseq = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def destination(self) -> Destination:
        s = self.settings
        return Destination(s.transport, s.host, s.port)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.registered:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.register(expires=0), 2)

    async def _run(self) -> None:
        next_register = 0.0
        loop = asyncio.get_running_loop()
        while True:
            try:
                if self.settings.registers and loop.time() >= next_register:
                    granted = await self.register(self.settings.register_expires)
                    # refresh well before expiry; retry soon after a failure
                    next_register = loop.time() + (granted * 0.8 if granted else 30.0)
                elif self.settings.options:
                    await self.probe()
            except Exception as exc:  # a name that does not resolve, a refused connection: down, not dead
                log.warning("trunk %s cannot be reached: %s", self.settings.name, exc)
                self.registered = False
                self.latency_ms = None
                self._set_state("down")
            await asyncio.sleep(self.settings.keepalive_interval)

    async def _destination(self) -> Destination:
        """The carrier's address, its name resolved here (bounded) so a dead DNS never stalls the stack."""
        s = self.settings
        try:
            ipaddress.ip_address(s.host)
            return self.destination
        except ValueError:
            pass
        loop = asyncio.get_running_loop()
        infos = await asyncio.wait_for(loop.getaddrinfo(s.host, s.port), s.resolve_timeout)
        return Destination(s.transport, str(infos[0][4][0]), s.port)

    async def _timed(self, request: SipRequest, credentials: DigestCredentials | None) -> SipResponse:
        loop = asyncio.get_running_loop()
        started = loop.time()
        response = await self._send(request, await self._destination(), credentials)
        answered = response.reason != NO_RESPONSE
        self.latency_ms = round((loop.time() - started) * 1000, 1) if answered else None
        return response

    def _set_state(self, state: str) -> None:
        if state != self.state:
            log.info("trunk %s is %s", self.settings.name, state)
            self.state = state
            if self.on_state is not None:
                self.on_state(self.settings.name, state)

    def _request(self, method: str, uri: str, to: str) -> SipRequest:
        self._cseq += 1
        host, port = self._local(self.settings.transport)
        via = Via(
            self.settings.transport.upper(), host_ref(host), port, {"branch": new_branch(), "rport": None}
        )
        contact_user = f"{self.settings.username}@" if self.settings.username else ""
        param = "" if self.settings.transport == "udp" else f";transport={self.settings.transport}"
        headers = Headers(
            [
                ("Via", str(via)),
                ("Max-Forwards", "70"),
                ("From", f"{to};tag={self._tag}"),
                ("To", to),
                ("Call-ID", self._call_id),
                ("CSeq", f"{self._cseq} {method}"),
                ("Contact", f"<sip:{contact_user}{host_ref(host)}:{port}{param}>"),
            ]
        )
        return SipRequest(method, uri, headers)

    async def probe(self) -> bool:
        """OPTIONS: any answer means the carrier is reachable; a timeout (408) means it is not."""
        s = self.settings
        request = self._request("OPTIONS", f"sip:{host_ref(s.host)}:{s.port}", f"<sip:{host_ref(s.host)}>")
        response = await self._timed(request, None)
        up = response.reason != NO_RESPONSE
        self._set_state("up" if up else "down")
        return up

    async def register(self, expires: int) -> int:
        """REGISTER (answering a digest challenge); returns the granted expiry, 0 on failure."""
        s = self.settings
        domain = s.domain or s.host
        aor = f"<sip:{s.username}@{host_ref(domain)}>"
        request = self._request("REGISTER", f"sip:{host_ref(domain)}", aor)
        request.headers.add("Expires", str(expires))
        creds = DigestCredentials(s.username or "", s.password or "")
        response = await self._timed(request, creds)
        self._cseq += 1  # an authenticated retry used the next number
        if response.reason == NO_RESPONSE:
            self._set_state("down")
            self.registered = False
            return 0
        self._set_state("up")
        self.registered = 200 <= response.status < 300 and expires > 0
        if not self.registered:
            if expires:
                log.warning("trunk %s registration refused: %s", s.name, response.status)
            return 0
        granted = response.headers.get("Expires")
        return int(granted) if granted and granted.isdigit() else expires
