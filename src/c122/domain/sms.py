"""SMS to and from applicants (MM-02): the message, its state through the gateway, how many parts it
takes on the air, and when a failed hand-over to the gateway is tried again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntFlag, StrEnum
from math import ceil

# GSM 03.38: the default alphabet, and the extension table whose characters take two septets.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
MAX_PARTS = 10  # the gateway joins at most this many parts into one message (Kannel's max-messages)
MAX_TEXT = 2000  # characters accepted before counting parts: a pasted document is refused outright
RETRY_FIRST_S = 5.0
RETRY_MAX_S = 300.0


class SmsDirection(StrEnum):
    OUTBOUND = "outbound"  # to an applicant (MT)
    INBOUND = "inbound"  # from an applicant (MO)


class SmsState(StrEnum):
    QUEUED = "queued"  # in our outbox: not handed to the gateway yet («не отправлено»)
    SENT = "sent"  # the gateway took it (and, with a report, the carrier's SMS centre)
    DELIVERED = "delivered"  # the phone has it
    FAILED = "failed"  # the gateway refused it, or the carrier reports it undelivered
    RECEIVED = "received"  # an incoming message


# A report never moves a message back: a late "reached the SMS centre" after "delivered" is ignored.
_RANK = {SmsState.QUEUED: 0, SmsState.SENT: 1, SmsState.DELIVERED: 2, SmsState.FAILED: 2}


class DeliveryReport(IntFlag):
    """Kannel's delivery report types (its `dlr-mask` bits and the `%d` of `dlr-url`)."""

    DELIVERED = 1  # delivered to the phone
    UNDELIVERED = 2  # not delivered to the phone
    BUFFERED = 4  # queued on the SMS centre
    SMSC_ACCEPTED = 8  # taken by the SMS centre
    SMSC_REJECTED = 16  # refused by the SMS centre


REPORTS_WANTED = (
    DeliveryReport.DELIVERED
    | DeliveryReport.UNDELIVERED
    | DeliveryReport.SMSC_ACCEPTED
    | (DeliveryReport.SMSC_REJECTED)
)


@dataclass(frozen=True)
class Sms:
    id: int
    direction: SmsDirection
    phone: str  # the applicant's number, E.164
    text: str
    state: SmsState
    created_at: datetime
    updated_at: datetime
    case_id: int | None = None
    author_id: int | None = None  # the operator who wrote it (outbound)
    attempts: int = 0  # hand-overs to the gateway tried
    next_attempt_at: datetime | None = None  # when a queued message is tried (again)
    problem: str = ""  # the last refusal or failure, as the operator reads it


def uses_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def parts_of(text: str) -> int:
    """How many SMS the text takes: 160 septets alone or 153 a part in the GSM alphabet; otherwise
    UCS-2, 70 UTF-16 units alone or 67 a part (a character outside the BMP takes two)."""
    if uses_gsm7(text):
        units, single, joined = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text), 160, 153
    else:
        units, single, joined = len(text.encode("utf-16-be")) // 2, 70, 67
    return 1 if units <= single else ceil(units / joined)


def text_problem(text: str) -> str | None:
    """Why the text cannot be sent as one message, or None."""
    if not text.strip():
        return "пустой текст"
    if len(text) > MAX_TEXT:
        return f"текст длиннее {MAX_TEXT} символов"
    if parts_of(text) > MAX_PARTS:
        return f"текст займёт {parts_of(text)} SMS, можно не больше {MAX_PARTS}"
    return None


def retry_delay_s(attempts: int) -> float:
    """Doubling from RETRY_FIRST_S after each failed hand-over, up to RETRY_MAX_S."""
    return float(min(RETRY_FIRST_S * 2 ** max(attempts - 1, 0), RETRY_MAX_S))


def state_after(current: SmsState, report: int) -> SmsState | None:
    """The state a delivery report moves an outbound message to, or None when it changes nothing."""
    flags = DeliveryReport(report & 31)
    if DeliveryReport.DELIVERED in flags:
        new = SmsState.DELIVERED
    elif flags & (DeliveryReport.UNDELIVERED | DeliveryReport.SMSC_REJECTED):
        new = SmsState.FAILED
    elif flags & (DeliveryReport.SMSC_ACCEPTED | DeliveryReport.BUFFERED):
        new = SmsState.SENT
    else:
        return None
    if current not in _RANK or _RANK[new] <= _RANK[current]:
        return None
    return new


def decode_incoming(data: bytes, coding: int, charset: str = "") -> str:
    """The text of an incoming SMS as the gateway hands it: UCS-2 (UTF-16BE) for coding 2, else in the
    charset it names (UTF-8 when none). Raises ValueError naming what is wrong."""
    if coding == 2:
        if len(data) % 2:
            raise ValueError("UCS-2 text of an odd number of bytes")
        encoding = "utf-16-be"
    else:
        encoding = charset.strip() or "utf-8"
    try:
        return data.decode(encoding)
    except LookupError as exc:
        raise ValueError(f"unknown charset {charset!r}") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"invalid {encoding.upper()} at byte {exc.start}") from exc
