"""The softphone's conference (TEL-21): whom to invite, a party's mute, the conference as a desk shows it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from c122.api.bounded import Id
from c122.api.schemas.phones import PhoneText


class ConferenceInviteIn(BaseModel):
    """Exactly one: a colleague, a group (its longest-idle free operator), or a number — a phone-book
    entry's or a public one (E.164 or 8…), dialled through the trunk of its prefix."""

    model_config = ConfigDict(extra="forbid")

    user_id: Id | None = None
    group_id: Id | None = None
    number: PhoneText | None = None

    @model_validator(mode="after")
    def _one_target(self) -> ConferenceInviteIn:
        if sum(value is not None for value in (self.user_id, self.group_id, self.number)) != 1:
            raise ValueError("give exactly one of user_id, group_id or number")
        return self


class ConferencePartyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    muted: bool


class ConferenceStartedOut(BaseModel):
    call_id: str


class ConferenceInvitedOut(BaseModel):
    party_id: str


class ConferencePartyOut(BaseModel):
    id: str
    role: Literal["caller", "organiser", "guest"]
    kind: Literal["sip", "webrtc", "trunk"]
    user_id: int | None
    number: str | None
    state: Literal["calling", "queued", "joined"]
    muted: bool
    queue_name: str | None = None  # a group's invitation waiting in this queue (state `queued`)
    name: str | None = None  # a colleague's full name from the directory


class ConferenceOut(BaseModel):
    call_id: str
    state: Literal["active", "ended"]
    organiser_id: int | None
    max_parties: int
    parties: list[ConferencePartyOut]
