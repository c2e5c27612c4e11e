"""Request and response bodies of the operator's call actions and phone settings."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from c122.api.bounded import Id


class PhoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["browser", "sip"]
    sip_password: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None


PhoneText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class TransferIn(BaseModel):
    """Exactly one of: a queue of any group, a group (its queue), a service (its line's entry flow), a
    colleague (the card goes with the call), or a public number (E.164 or 8…)."""

    model_config = ConfigDict(extra="forbid")

    queue_id: Id | None = None
    group_id: Id | None = None
    service_id: Id | None = None
    user_id: Id | None = None
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)] | None = (
        None
    )

    @model_validator(mode="after")
    def _one_target(self) -> TransferIn:
        given = [self.queue_id, self.group_id, self.service_id, self.user_id, self.number]
        if sum(value is not None for value in given) != 1:
            raise PydanticCustomError(
                "one_target", "give exactly one of queue_id, group_id, service_id, user_id or number"
            )
        return self


class CallTargetIn(BaseModel):
    """Whom to call or consult: exactly one of a colleague's user id, a group or a service (whose
    longest-idle free operator the call reaches), or a public number (E.164 or 8…)."""

    model_config = ConfigDict(extra="forbid")

    user_id: Id | None = None
    group_id: Id | None = None
    service_id: Id | None = None
    number: PhoneText | None = None

    @model_validator(mode="after")
    def _one_target(self) -> CallTargetIn:
        given = [self.user_id, self.group_id, self.service_id, self.number]
        if sum(value is not None for value in given) != 1:
            raise PydanticCustomError(
                "one_target", "give exactly one of user_id, group_id, service_id or number"
            )
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


class TargetServiceOut(BaseModel):
    id: int
    name: str


class TargetGroupOut(BaseModel):
    id: int
    name: str
    service_id: int


class CallTargetsOut(BaseModel):
    """The services and groups a call, a consultation or a transfer may be sent to."""

    services: list[TargetServiceOut]
    groups: list[TargetGroupOut]
