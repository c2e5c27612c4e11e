"""Abuse protection: per-source request rate limits, scanner User-Agents, failed-auth throttling."""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import Counter

from c122.domain.throttle import FailureThrottle
from c122.telephony.sip.flows import Source
from c122.telephony.sip.grammar import call_id_of

DROPPED = Counter("c122_sip_dropped_total", "SIP messages dropped by protection", ["reason"])
AUTH_FAILURES = Counter("c122_sip_auth_failures_total", "Failed SIP digest authentications")

DEFAULT_SCANNERS = (
    "friendly-scanner",
    "sipvicious",
    "sipcli",
    "sip-scan",
    "sundayddr",
    "iWar",
    "VaxSIPUserAgent",
    "pplsip",
    "sipsak",
    "smap",
    "Cisco-SIPGateway-scanner",
)


class SlidingCounter:
    """Events per key in the last `window` seconds; memory bounded by `max_keys`."""

    def __init__(self, window: float, now: Callable[[], float], max_keys: int = 100_000) -> None:
        self.window = window
        self._now = now
        self._max_keys = max_keys
        self._events: dict[str, deque[float]] = {}

    def add(self, key: str) -> int:
        now = self._now()
        q = self._events.get(key)
        if q is None:
            if len(self._events) >= self._max_keys:
                self._events.pop(next(iter(self._events)))
            q = self._events[key] = deque()
        q.append(now)
        while q and q[0] <= now - self.window:
            q.popleft()
        return len(q)

    def clear(self, key: str) -> None:
        self._events.pop(key, None)


class Blocklist:
    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._until: dict[str, float] = {}

    def block(self, key: str, seconds: float) -> None:
        self._until[key] = self._now() + seconds

    def blocked(self, key: str) -> bool:
        until = self._until.get(key)
        if until is None:
            return False
        if until <= self._now():
            del self._until[key]
            return False
        return True


@dataclass(frozen=True, slots=True)
class ProtectionSettings:
    max_requests_per_source: int = 500  # within rate_window seconds; 0 disables the limit
    rate_window: float = 10.0
    block_seconds: float = 60.0
    scanner_user_agents: tuple[str, ...] = DEFAULT_SCANNERS
    # per source address within auth_window; never per account, or anyone could lock a phone out
    max_auth_failures: int = 10
    auth_window: float = 300.0
    exempt_hosts: frozenset[str] = frozenset()  # trunks and proxies in front: never rate-limited


class Protection:
    """The transport gate: decides before parsing whether to look at a datagram at all.

    Requests and responses of a call in progress (its BYE, ACK, CANCEL, re-INVITE, INFO) are
    never dropped, even from a blocked source: a caller must always be able to hang up, or the
    call holds its ports and its queue place until a timer ends it. `known_call` says which
    Call-IDs are in progress."""

    def __init__(
        self,
        settings: ProtectionSettings,
        now: Callable[[], float] = time.monotonic,
        known_call: Callable[[str], bool] | None = None,
    ) -> None:
        self.settings = settings
        self.known_call = known_call
        self.blocked = Blocklist(now)
        self._rate = SlidingCounter(settings.rate_window, now)
        self._now = now
        self._auth_fail = FailureThrottle(settings.max_auth_failures, settings.auth_window)
        pattern = "|".join(re.escape(s) for s in settings.scanner_user_agents)
        self._scanner = re.compile(
            rb"(?im)^(?:user-agent)[ \t]*:[^\r\n]*(?:" + pattern.encode() + rb")" if pattern else rb"(?!x)x"
        )

    def allow(self, source: Source, data: bytes) -> bool:
        s = self.settings
        if source.host in s.exempt_hosts:
            return True
        if self.blocked.blocked(source.host):
            if self._of_known_call(data):
                return True
            DROPPED.labels("blocked").inc()
            return False
        if s.max_requests_per_source and self._rate.add(source.host) > s.max_requests_per_source:
            self.blocked.block(source.host, s.block_seconds)
            self._rate.clear(source.host)
            if self._of_known_call(data):
                return True
            DROPPED.labels("rate").inc()
            return False
        if self._scanner.search(data[:4096]):
            DROPPED.labels("scanner").inc()
            return False
        return True

    def _of_known_call(self, data: bytes) -> bool:
        if self.known_call is None:
            return False
        call_id = call_id_of(data)
        return call_id is not None and self.known_call(call_id)

    # failed digest authentication: counted per source address only. Counting per account
    # would let anyone who knows an extension keep its phone from registering.

    def auth_retry_after(self, source: Source) -> int:
        """Seconds this source must wait before its credentials are checked again; 0: go on."""
        if not self.settings.max_auth_failures:
            return 0
        return self._auth_fail.retry_after(source.host, self._now())

    def auth_failed(self, source: Source, account: str | None) -> None:
        AUTH_FAILURES.inc()
        if self.settings.max_auth_failures:
            self._auth_fail.record_failure(source.host, self._now())

    def auth_succeeded(self, source: Source, account: str | None) -> None:
        self._auth_fail.clear(source.host)
