"""Sign-in, API tokens and who is online."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from c122.api.schemas.common import Name, Strict
from c122.domain.users import Role


class LoginRequest(Strict):
    login: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class GroupRef(BaseModel):
    id: int
    name: str
    service_id: int
    service_name: str


class Me(BaseModel):
    id: int
    login: str
    full_name: str
    role: Role
    groups: list[GroupRef]


class LoginResponse(BaseModel):
    user: Me
    csrf_token: str


class ApiTokenRequest(Strict):
    name: Name


class ApiTokenResponse(BaseModel):
    id: int
    name: str
    token: str = Field(description="Shown once; send it as `Authorization: Bearer <token>`.")


class PresenceEntryOut(BaseModel):
    user_id: int
    login: str
    full_name: str
    role: Role
    group_ids: list[int]
    since: datetime


class PresenceOut(BaseModel):
    operators_online: list[PresenceEntryOut]
    calls_waiting: int


DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class OwnSettingsIn(Strict):
    """The user's own settings (OPS-05); a null idle interval returns to the group's."""

    display_name: DisplayName = Field(description="The name colleagues and seniors see.")
    idle_to_away_s: Annotated[float, Field(gt=0, le=7 * 24 * 3600)] | None = Field(
        default=None,
        description="The own idle interval; only where the group lets operators choose, within its bounds.",
    )


class IdleChoiceOut(BaseModel):
    min_s: float
    max_s: float


class OwnSettingsOut(BaseModel):
    display_name: str
    idle_to_away_s: float | None = Field(description="The own interval; null: the group's applies.")
    group_idle_to_away_s: float | None = Field(description="The group's interval; null: never marked away.")
    idle_choice: IdleChoiceOut | None = Field(
        description="The bounds where the group lets operators choose; null: it does not."
    )
