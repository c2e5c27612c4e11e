"""SMS to and from applicants, as the card and the gateway screen see them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from c122.api.bounded import Id
from c122.api.schemas.common import Strict
from c122.domain.sms import MAX_TEXT, Sms

SmsStateName = Literal["queued", "sent", "delivered", "failed", "received"]


class SmsIn(Strict):
    phone: str = Field(min_length=1, max_length=32)
    text: str = Field(min_length=1, max_length=MAX_TEXT * 2)  # the exact limit is the service's, in parts
    case_id: Id | None = None


class SmsOut(BaseModel):
    """One message. `sms.changed` carries its id, case, direction, state and problem (no number, no text)."""

    id: int
    direction: Literal["outbound", "inbound"]
    phone: str
    text: str
    state: SmsStateName
    problem: str
    """Why it is not sent yet, or why it failed, as the operator reads it; empty otherwise."""
    case_id: int | None
    author_id: int | None
    attempts: int
    created_at: datetime
    updated_at: datetime


def sms_out(sms: Sms) -> SmsOut:
    return SmsOut(
        id=sms.id,
        direction=sms.direction.value,
        phone=sms.phone,
        text=sms.text,
        state=sms.state.value,
        problem=sms.problem,
        case_id=sms.case_id,
        author_id=sms.author_id,
        attempts=sms.attempts,
        created_at=sms.created_at,
        updated_at=sms.updated_at,
    )


class SmsGatewayOut(BaseModel):
    configured: bool
    """False while sms_gateway_url is empty: SMS are refused with 409 sms_not_configured."""
    outbound: dict[str, int]
    """Outbound messages per state: `queued` ones wait for the gateway."""


class SmsChangedData(BaseModel):
    """`sms.changed`: a message of a card queued, moved on, or received. No number and no text: the
    card reads its list again (`GET /api/v1/cases/{case_id}/sms`)."""

    id: int
    case_id: int | None
    direction: Literal["outbound", "inbound"]
    state: SmsStateName
    problem: str
    updated_at: datetime
