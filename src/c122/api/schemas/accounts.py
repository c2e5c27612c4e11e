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
