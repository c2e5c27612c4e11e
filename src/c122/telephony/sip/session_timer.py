"""Session timers (RFC 4028), answering side: negotiate the interval and keep it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from c122.domain.clock import TimerHandle
from c122.domain.clock import Timers as Clock
from c122.telephony.sip.message import SipRequest
from c122.telephony.sip.uri import split_params


@dataclass(frozen=True, slots=True)
class SessionTimerSettings:
    min_se: int = 90  # seconds; shorter requests get 422 (RFC 4028 §4)


@dataclass(frozen=True, slots=True)
class Negotiated:
    interval: int
    refresher: str  # "uac" | "uas"

    def header(self) -> str:
        return f"{self.interval};refresher={self.refresher}"


class TooSmall(Exception):
    """The requested interval is below our Min-SE: answer 422 with Min-SE."""


def negotiate(request: SipRequest, settings: SessionTimerSettings) -> Negotiated | None:
    """What our 2xx says, or None when the peer asked for no session timer."""
    value = request.headers.get("Session-Expires")
    if value is None:
        return None
    interval_text, _, params = value.partition(";")
    if not interval_text.strip().isdigit():
        return None
    interval = int(interval_text.strip())
    if interval < settings.min_se:
        raise TooSmall
    refresher = split_params(params).get("refresher")
    if refresher not in ("uac", "uas"):
        # §9: the UAS picks; the caller refreshes if it can, else we do
        refresher = "uac" if "timer" in request.header_tokens("Supported") else "uas"
    return Negotiated(interval, refresher)


class SessionTimer:
    """Refreshes at half the interval when we are the refresher; otherwise expects a refresh
    before the interval ends (less min(32, interval/3) of slack, §10) and gives up then."""

    def __init__(
        self,
        clock: Clock,
        negotiated: Negotiated,
        *,
        we_refresh: bool,
        refresh: Callable[[], None],
        expire: Callable[[], None],
    ) -> None:
        self.clock = clock
        self.negotiated = negotiated
        self.we_refresh = we_refresh
        self._refresh = refresh
        self._expire = expire
        self._handle: TimerHandle | None = None

    def start(self) -> None:
        self.cancel()
        interval = self.negotiated.interval
        if self.we_refresh:
            self._handle = self.clock.call_later(interval / 2, self._refresh)
        else:
            self._handle = self.clock.call_later(interval - min(32, interval / 3), self._expire)

    def refreshed(self) -> None:
        self.start()

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
