"""Requests for a senior's help in SQL (tables/help_requests.py)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Select, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.help_requests import ACTIVE, HelpMode, HelpRequest, HelpStatus
from c122.persistence.given_values import values_given
from c122.persistence.tables.help_requests import help_requests


def _request(row: Row[Any]) -> HelpRequest:
    values = dict(row._mapping)
    return HelpRequest(
        **{
            **values,
            "operator_id": values["operator_id"] or 0,  # 0: the account was deleted since
            "group_ids": frozenset(int(g) for g in values["group_ids"]),
            "status": HelpStatus(values["status"]),
            "mode": cast(HelpMode | None, values["mode"]),
        }
    )


def _values(request: HelpRequest) -> dict[str, Any]:
    return {
        "call_id": request.call_id,
        "operator_id": request.operator_id,
        "operator_name": request.operator_name,
        "caller": request.caller,
        "queue_id": request.queue_id,
        "group_ids": sorted(request.group_ids),
        "raised_at": request.raised_at,
        "status": request.status.value,
        "taken_by": request.taken_by,
        "taken_by_name": request.taken_by_name,
        "taken_at": request.taken_at,
        "mode": request.mode,
        "closed_at": request.closed_at,
    }


def _listed(*conditions: Any) -> Select[Any]:
    return select(help_requests).where(*conditions).order_by(help_requests.c.raised_at, help_requests.c.id)


_STATUS_ACTIVE = help_requests.c.status.in_(sorted(s.value for s in ACTIVE))
# Built once, the calls given at execution (persistence/given_values.py says why).
_ACTIVE_ON_CALLS = _listed(help_requests.c.call_id.in_(values_given("call_ids")), _STATUS_ACTIVE)


class SqlHelpRequestRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def add(self, request: HelpRequest) -> HelpRequest:
        result = await self._db.execute(insert(help_requests).values(**_values(request)))
        assert result.inserted_primary_key is not None
        found = await self.get(int(result.inserted_primary_key[0]))
        assert found is not None
        return found

    async def get(self, request_id: int) -> HelpRequest | None:
        row = (await self._db.execute(select(help_requests).where(help_requests.c.id == request_id))).first()
        return _request(row) if row is not None else None

    async def replace(self, request: HelpRequest, expected: HelpStatus) -> bool:
        result = await self._db.execute(
            update(help_requests)
            .where(help_requests.c.id == request.id, help_requests.c.status == expected.value)
            .values(**_values(request))
        )
        return result.rowcount == 1

    async def active(self) -> list[HelpRequest]:
        return await self._read(_listed(_STATUS_ACTIVE))

    async def active_on_calls(self, call_ids: list[str]) -> list[HelpRequest]:
        return await self._read(_ACTIVE_ON_CALLS, {"call_ids": call_ids})

    async def on_call(self, call_id: str) -> list[HelpRequest]:
        return await self._read(_listed(help_requests.c.call_id == call_id))

    async def _read(self, statement: Select[Any], values: dict[str, Any] | None = None) -> list[HelpRequest]:
        return [_request(row) for row in await self._db.execute(statement, values)]
