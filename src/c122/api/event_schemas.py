"""The typed payload of each live event type, and the wire messages, published in the OpenAPI document.

The web client's types are generated from these; tests check every published event against them.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from c122.api.schemas import HealthOut, PresenceEntryOut, PresenceOut
from c122.realtime import protocol


class PresenceChangedData(BaseModel):
    operator: PresenceEntryOut
    online: bool


class OrgChangedData(BaseModel):
    entity: Literal["service", "group", "queue", "line", "case_type", "user"]
    id: int
    action: Literal["created", "updated", "deleted"]


class SessionClosedData(BaseModel):
    user_id: int
    reason: str
    message: str


class EventSnapshot(BaseModel):
    """The `snapshot` of the `ready` message: what the desktop shows live, as of the stream's start."""

    presence: PresenceOut
    health: HealthOut


EVENT_PAYLOADS: dict[str, type[BaseModel]] = {
    "operator.presence_changed": PresenceChangedData,
    "health.changed": HealthOut,
    "org.changed": OrgChangedData,
    "session.closed": SessionClosedData,
}

WIRE_MESSAGES: list[type[BaseModel]] = [
    protocol.ReadyMessage,
    protocol.EventMessage,
    protocol.PingMessage,
    protocol.ReloadMessage,
    protocol.ClosedMessage,
    protocol.ErrorMessage,
    protocol.AckMessage,
    protocol.PongMessage,
]


def add_event_schemas(app: FastAPI) -> None:
    """Extends the generated OpenAPI document with the event payloads and the wire messages."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = FastAPI.openapi(app)
            models: list[type[BaseModel]] = [*EVENT_PAYLOADS.values(), EventSnapshot, *WIRE_MESSAGES]
            _keys, extra = models_json_schema(
                [(model, "serialization") for model in models], ref_template="#/components/schemas/{model}"
            )
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in extra.get("$defs", {}).items():
                schemas.setdefault(name, schema)
            document["x-event-types"] = {
                event_type: f"#/components/schemas/{model.__name__}"
                for event_type, model in EVENT_PAYLOADS.items()
            }
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
