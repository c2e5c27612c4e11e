"""Request and response bodies of the HTTP API. Unknown fields are refused everywhere (422)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from c122.domain.organisation import CaseTypeIcon
from c122.domain.users import Role

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=4000)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9_\-]{1,64}$")]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
StatusValue = Literal["ok", "degraded", "down"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- auth ---------------------------------------------------------------------------------------


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


# --- health and presence -----------------------------------------------------------------------


class ComponentHealthOut(BaseModel):
    status: StatusValue
    detail: str


class HealthComponents(BaseModel):
    db: ComponentHealthOut
    socket: ComponentHealthOut
    sip: ComponentHealthOut
    media: ComponentHealthOut


class HealthOut(BaseModel):
    status: StatusValue
    components: HealthComponents
    checked_at: datetime


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


# --- organisation ------------------------------------------------------------------------------


class ServiceIn(Strict):
    name: Name
    description: Description = ""


class ServicePatch(Strict):
    name: Name | None = None
    description: Description | None = None


class ServiceOut(BaseModel):
    id: int
    name: str
    description: str


class GroupIn(Strict):
    service_id: Id
    name: Name
    description: Description = ""


class GroupPatch(Strict):
    service_id: Id | None = None
    name: Name | None = None
    description: Description | None = None


class GroupOut(BaseModel):
    id: int
    service_id: int
    name: str
    description: str


class QueueIn(Strict):
    group_id: Id
    name: Name


class QueuePatch(Strict):
    group_id: Id | None = None
    name: Name | None = None


class QueueOut(BaseModel):
    id: int
    group_id: int
    name: str


class LineIn(Strict):
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    name: Name
    service_id: Id
    entry_flow: Annotated[str, StringConstraints(max_length=200)] | None = None


class LinePatch(Strict):
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)] | None = (
        None
    )
    name: Name | None = None
    service_id: Id | None = None
    entry_flow: Annotated[str, StringConstraints(max_length=200)] | None = None


class LineOut(BaseModel):
    id: int
    number: str
    name: str
    service_id: int
    entry_flow: str | None


class CaseTypeIn(Strict):
    code: Code
    name: Name
    icon: CaseTypeIcon = CaseTypeIcon.OTHER


class CaseTypePatch(Strict):
    code: Code | None = None
    name: Name | None = None
    icon: CaseTypeIcon | None = None


class CaseTypeOut(BaseModel):
    id: int
    code: str
    name: str
    icon: CaseTypeIcon


Password = Annotated[str, StringConstraints(min_length=8, max_length=1024)]
Login = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9._\-]{2,64}$")]


class UserIn(Strict):
    login: Login
    full_name: Name
    role: Role
    password: Password
    enabled: bool = True
    group_ids: list[Id] = []


class UserPatch(Strict):
    login: Login | None = None
    full_name: Name | None = None
    role: Role | None = None
    password: Password | None = None
    enabled: bool | None = None
    group_ids: list[Id] | None = None


class UserOut(BaseModel):
    id: int
    login: str
    full_name: str
    role: Role
    enabled: bool
    group_ids: list[int]


class ServicePage(BaseModel):
    items: list[ServiceOut]
    total: int


class GroupPage(BaseModel):
    items: list[GroupOut]
    total: int


class QueuePage(BaseModel):
    items: list[QueueOut]
    total: int


class LinePage(BaseModel):
    items: list[LineOut]
    total: int


class CaseTypePage(BaseModel):
    items: list[CaseTypeOut]
    total: int


class UserPage(BaseModel):
    items: list[UserOut]
    total: int
