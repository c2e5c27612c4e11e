"""Request and response bodies of the operator's call actions and phone settings."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from c122.api.bounded import Id


class PhoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["browser", "sip"]
    sip_password: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None


PhoneText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class TransferIn(BaseModel):
    """Exactly one of: a queue of any group, a colleague (the card goes with the call), or a public
    number (E.164 or 8…)."""

    model_config = ConfigDict(extra="forbid")

    queue_id: Id | None = None
    user_id: Id | None = None
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)] | None = (
        None
    )

    @model_validator(mode="after")
    def _one_target(self) -> TransferIn:
        if [self.queue_id, self.user_id, self.number].count(None) != 2:
            raise ValueError("give exactly one of queue_id, user_id or number")
        return self


class CallTargetIn(BaseModel):
    """Whom to call or consult: exactly one of a colleague's user id or a public number (E.164 or 8…)."""

    model_config = ConfigDict(extra="forbid")

    user_id: Id | None = None
    number: PhoneText | None = None

    @model_validator(mode="after")
    def _one_target(self) -> CallTargetIn:
        if (self.user_id is None) == (self.number is None):
            raise ValueError("give either user_id or number")
        return self


class PlaceCallIn(CallTargetIn):
    """A call to place; with `case_id` it is placed from that card and joins it (not a new card)."""

    case_id: Id | None = None


class ConsultCompleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["transfer", "conference"]


class PlacedCallOut(BaseModel):
    call_id: str


class SipAccountOut(BaseModel):
    auth_name: str
    domain: str
    proxy: str
    port: int
    transport: str
    registered: bool
    password_set: bool


class PhoneOut(BaseModel):
    mode: Literal["browser", "sip"]
    sip: SipAccountOut
