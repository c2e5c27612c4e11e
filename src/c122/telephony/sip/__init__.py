"""Embedded SIP stack (RFC 3261 and friends): what call control needs is importable from here."""

from c122.telephony.sip.auth import DigestCredentials, DigestServer
from c122.telephony.sip.call import Call
from c122.telephony.sip.errors import CallFailed, CallGone, SipError, SipParseError
from c122.telephony.sip.events import (
    Answered,
    CallEnded,
    CallEvent,
    Dtmf,
    ReInvited,
    Ringing,
    TransferProgress,
    TransferRequested,
)
from c122.telephony.sip.incoming import IncomingCall
from c122.telephony.sip.outgoing import OutgoingCall
from c122.telephony.sip.protection import ProtectionSettings
from c122.telephony.sip.refer import Replaces
from c122.telephony.sip.registrar import Binding, Registrar
from c122.telephony.sip.session_timer import SessionTimerSettings
from c122.telephony.sip.timers import TimerSettings
from c122.telephony.sip.trunk import Trunk, TrunkSettings
from c122.telephony.sip.ua import SipHealth, SipStack

__all__ = [
    "Answered",
    "Binding",
    "Call",
    "CallEnded",
    "CallEvent",
    "CallFailed",
    "CallGone",
    "DigestCredentials",
    "DigestServer",
    "Dtmf",
    "IncomingCall",
    "OutgoingCall",
    "ProtectionSettings",
    "ReInvited",
    "Registrar",
    "Replaces",
    "Ringing",
    "SessionTimerSettings",
    "SipError",
    "SipHealth",
    "SipParseError",
    "SipStack",
    "TimerSettings",
    "TransferProgress",
    "TransferRequested",
    "Trunk",
    "TrunkSettings",
]
