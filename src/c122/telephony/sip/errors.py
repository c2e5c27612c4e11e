"""Errors raised by the SIP stack."""

from __future__ import annotations


class SipError(Exception):
    """Base of every error the SIP stack raises to its callers."""


class SipParseError(SipError):
    """Input is not a valid SIP message; `status`/`reason` form the answer to send (if any)."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class CallFailed(SipError):
    """An outgoing call ended without being answered."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason


class CallGone(SipError):
    """The call ended (CANCEL, BYE, timeout) before the operation could run."""
