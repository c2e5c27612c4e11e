"""Request and response bodies of the IVR flow and prompt administration (docs/contact-center/ivr.md).

A flow body is the domain's JSON form (flow_to_dict); its nodes are checked by the domain rules, which
name the node of every problem, so here they are plain objects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from c122.api.bounded import Count


class FlowIn(BaseModel):
    """A flow as saved: `name` (required when creating; the path's on PUT), `entry`, `timezone`, `nodes`.
    A `version` sent is ignored: the server numbers versions."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    version: Count | None = None
    entry: Annotated[str, StringConstraints(max_length=64)] | None = None
    timezone: Annotated[str, StringConstraints(max_length=64)] | None = None
    nodes: dict[str, dict[str, Any]] | None = Field(default=None, max_length=500)


class FlowVersionOut(BaseModel):
    version: int
    saved_at: datetime
    saved_by: int | None


class FlowOut(BaseModel):
    name: str
    version: int
    latest_version: int
    entry: str
    timezone: str
    nodes: dict[str, dict[str, Any]]
    saved_at: datetime
    saved_by: int | None
    created_at: datetime
    versions: list[FlowVersionOut]


class RollbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Annotated[int, Field(ge=1, le=2**31 - 1)]


class FieldChangeOut(BaseModel):
    field: str
    before: Any
    after: Any


class NodeChangeOut(BaseModel):
    node: str
    changes: list[FieldChangeOut]


class EdgeOut(BaseModel):
    source: str
    field: str
    target: str


class FlowDiffOut(BaseModel):
    before: int
    after: int
    entry: list[str] | None = Field(description="[before, after] when the first node changed")
    timezone: list[str] | None = Field(description="[before, after] when the time zone changed")
    added: list[str]
    removed: list[str]
    changed: list[NodeChangeOut]
    edges_added: list[EdgeOut]
    edges_removed: list[EdgeOut]


class SimulateIn(BaseModel):
    """`keys` the caller presses, in order, whenever the flow listens; `at` the moment of the call: with
    an offset, or without one as the wall-clock time in the flow's time zone. The latest version is
    walked, or `version`, or the unsaved `flow` (checked as on save)."""

    model_config = ConfigDict(extra="forbid")

    keys: Annotated[str, StringConstraints(max_length=64, pattern=r"^[0-9*#]*$")] = ""
    at: datetime
    version: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    flow: FlowIn | None = None


class SimStepOut(BaseModel):
    event: Literal["start", "key", "timeout", "played"]
    key: str | None
    passed: list[str]
    node: str
    played: list[str]
    notes: list[str]


class SimulationOut(BaseModel):
    outcome: Literal["enqueue", "transfer", "hang_up", "callback", "limit"]
    end_node: str
    path: list[str]
    steps: list[SimStepOut]
    queue: str | None
    priority: int | None
    number: str | None
    case_type: int | None
    variables: dict[str, str]
    keys_left: str


class FlowSummaryOut(BaseModel):
    name: str
    version: int
    created_at: datetime
    updated_at: datetime


class FlowList(BaseModel):
    items: list[FlowSummaryOut]


class SpeechPromptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(max_length=64)]
    title: Annotated[str, StringConstraints(max_length=200)]
    text: Annotated[str, StringConstraints(max_length=2000)]


class PromptOut(BaseModel):
    name: str
    title: str
    source: Literal["upload", "tts"]
    text: str | None
    duration_ms: int
    has_audio: bool
    created_at: datetime
    updated_at: datetime


class PromptUseOut(BaseModel):
    flow: str
    node: str
    field: str


class PromptListed(PromptOut):
    size_bytes: int
    created_by: int | None
    used_by: list[PromptUseOut]


class PromptList(BaseModel):
    items: list[PromptListed]
