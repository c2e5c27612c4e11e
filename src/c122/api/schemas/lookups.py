"""Lookup plug-ins on the wire (docs/admin/lookups.md). Credentials go in (`url`, `headers`) and
never come out: the answer says only whether they are set, and which header names."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from c122.api.schemas.common import Strict

Short = Annotated[str, StringConstraints(max_length=200)]
Long = Annotated[str, StringConstraints(max_length=4000)]
KeyName = Literal["phone", "snils", "oms", "name"]
RoleName = Literal["operator", "senior", "admin"]


class LookupIn(Strict):
    name: Short
    kind: Literal["http", "sql", "plugin"]
    key_kinds: list[KeyName] = Field(max_length=4)
    roles: list[RoleName] = Field(max_length=3)
    timeout_ms: int = Field(default=3000, ge=0, le=10**6)
    cache_s: int = Field(default=60, ge=0, le=10**6)
    enabled: bool = True
    url_template: Long = ""
    query: Long = ""
    plugin: Short = ""
    options: dict[Short, Short] = Field(default_factory=dict, max_length=20)
    mapping: dict[Short, Short] = Field(default_factory=dict, max_length=50)
    rows_path: Short = ""
    url: Long | None = Field(default=None, description="sql: the SQLAlchemy URL; null keeps the stored one")
    headers: dict[Short, Long] | None = Field(
        default=None, max_length=20, description="http: e.g. Authorization; null keeps the stored ones"
    )


class LookupOut(BaseModel):
    id: int
    name: str
    kind: str
    key_kinds: list[str]
    roles: list[str]
    timeout_ms: int
    cache_s: int
    enabled: bool
    url_template: str
    query: str
    plugin: str
    options: dict[str, str]
    mapping: dict[str, str]
    rows_path: str
    url_set: bool
    url_shown: str = Field(description="sql: the URL with its password hidden")
    header_names: list[str]
    circuit: Literal["closed", "open"]


class AvailableLookupOut(BaseModel):
    id: int
    name: str
    key_kinds: list[str]


class LookupQueryIn(Strict):
    key: KeyName
    value: Short
    case_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class LookupFieldOut(BaseModel):
    label: str
    value: str


class LookupResultOut(BaseModel):
    outcome: Literal[
        "found", "empty", "timeout", "unavailable", "refused_write", "bad_answer", "circuit_open"
    ]
    message: str
    rows: list[list[LookupFieldOut]]
    cached: bool
    truncated: bool
    elapsed_ms: int


class PluginsOut(BaseModel):
    plugins: list[str]
