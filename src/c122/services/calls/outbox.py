"""The call flow's record sink that survives a database outage: each record goes to the database, or to
the outbox while the database is down, and from there to the database once it answers (`outbox`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from c122.domain.calls import CallLegRecord, CallRecord, RecordingSegment, check_record
from c122.services.outbox import DeferredWrites

KIND = "call_record"

SaveRecord = Callable[[CallRecord], Awaitable[None]]


class OutboxedCallRecords:
    """`save` as the call flow's RecordSink; `store` is the direct write (the call record service)."""

    def __init__(self, store: SaveRecord, writes: DeferredWrites) -> None:
        self._store = store
        self._writes = writes
        writes.register(KIND, self._replay)

    async def save(self, record: CallRecord) -> None:
        check_record(record)  # a record the database would refuse is refused now, not after the outage
        await self._writes.write_lazily(KIND, lambda: self._store(record), lambda: record_to_data(record))

    async def _replay(self, data: Mapping[str, Any]) -> None:
        await self._store(record_from_data(data))


def record_to_data(record: CallRecord) -> dict[str, Any]:
    """The record as JSON values: times in ISO 8601 with their offset."""
    data: dict[str, Any] = _jsonable(dataclasses.asdict(record))
    return data


def record_from_data(data: Mapping[str, Any]) -> CallRecord:
    fields = {key: _time(key, value) for key, value in data.items() if key not in ("legs", "segments")}
    legs = tuple(
        CallLegRecord(**{key: _time(key, value) for key, value in leg.items()}) for leg in data["legs"]
    )
    segments = tuple(
        RecordingSegment(
            tuple(segment["legs"]),
            _time("started_at", segment["started_at"]),
            _time("ended_at", segment["ended_at"]),
            offset_s=float(segment["offset_s"]),
            duration_s=segment["duration_s"],
            mixed=bool(segment["mixed"]),
        )
        for segment in data.get("segments", ())  # written before segments were kept: none
    )
    return CallRecord(**fields, legs=legs, segments=segments)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def _time(key: str, value: Any) -> Any:
    return datetime.fromisoformat(value) if key.endswith("_at") and isinstance(value, str) else value
