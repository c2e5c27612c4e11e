"""The telephony's registrations and established dialogs in the database (`TelephonyStateStore`).

The SIP side writes these in batches from one background task, never from a use case's unit of work:
each batch is one short transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine

from c122.persistence.given_values import values_given
from c122.persistence.tables.telephony import kept_conversations, sip_dialogs, sip_registrations
from c122.persistence.upsert import upsert
from c122.persistence.write_gate import transaction
from c122.services.restart.ports import (
    DialogKey,
    StoredConversation,
    StoredDialog,
    StoredLeg,
    StoredRegistration,
)

_REGISTRATION_FIELDS = tuple(StoredRegistration.__dataclass_fields__)
_DIALOG_FIELDS = tuple(name for name in StoredDialog.__dataclass_fields__ if name != "route_set")
_DIALOG_KEY = ("call_id", "local_tag")
_DIALOG_DATA = tuple(name for name in StoredDialog.__dataclass_fields__ if name not in _DIALOG_KEY)
# The DELETEs are built once, their keys given at execution (persistence/given_values.py says why).
_FORGET_BINDINGS = delete(sip_registrations).where(sip_registrations.c.account.in_(values_given("accounts")))
_FORGET_DIALOGS = delete(sip_dialogs).where(
    tuple_(sip_dialogs.c.call_id, sip_dialogs.c.local_tag).in_(values_given("keys"))
)
_FORGET_CONVERSATIONS = delete(kept_conversations).where(
    kept_conversations.c.call_id.in_(values_given("call_ids"))
)


class SqlTelephonyState:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def save_registrations(self, by_account: Mapping[str, list[StoredRegistration]]) -> None:
        rows = [
            {n: getattr(b, n) for n in _REGISTRATION_FIELDS}
            for bindings in by_account.values()
            for b in bindings
        ]
        async with transaction(self._engine) as connection:
            await connection.execute(_FORGET_BINDINGS, {"accounts": sorted(by_account)})
            if rows:
                await connection.execute(insert(sip_registrations), rows)

    async def live_registrations(self, now: datetime) -> list[StoredRegistration]:
        async with transaction(self._engine) as connection:
            await connection.execute(delete(sip_registrations).where(sip_registrations.c.expires_at <= now))
            rows = (await connection.execute(select(sip_registrations))).all()
        return [StoredRegistration(**{n: getattr(row, n) for n in _REGISTRATION_FIELDS}) for row in rows]

    async def save_dialogs(self, changes: Mapping[DialogKey, StoredDialog | None]) -> None:
        """One statement per kind of change: an upsert of the dialogs kept (new or refreshed) and a
        DELETE of those forgotten, in one transaction."""
        kept = [_dialog_values(d) for d in changes.values() if d is not None]
        gone = sorted(key for key, dialog in changes.items() if dialog is None)
        async with transaction(self._engine) as connection:
            if gone:
                await connection.execute(_FORGET_DIALOGS, {"keys": gone})
            if kept:
                await connection.execute(
                    upsert(self._engine.dialect, sip_dialogs, _DIALOG_KEY, _DIALOG_DATA), kept
                )

    async def dialogs(self) -> list[StoredDialog]:
        async with self._engine.connect() as connection:
            statement = select(sip_dialogs).order_by(sip_dialogs.c.established_at)
            rows = (await connection.execute(statement)).all()
        return [_dialog(row) for row in rows]

    async def save_conversations(self, changes: Mapping[str, StoredConversation | None]) -> None:
        """As `save_dialogs`: an upsert of the conversations kept, a DELETE of those forgotten."""
        kept = [
            {
                "call_id": c.call_id,
                "legs": [asdict(leg) for leg in c.legs],
                "flow": c.flow,
                "kept_at": c.kept_at,
            }
            for c in changes.values()
            if c is not None
        ]
        gone = sorted(call_id for call_id, conversation in changes.items() if conversation is None)
        async with transaction(self._engine) as connection:
            if gone:
                await connection.execute(_FORGET_CONVERSATIONS, {"call_ids": gone})
            if kept:
                statement = upsert(
                    self._engine.dialect, kept_conversations, ("call_id",), ("legs", "flow", "kept_at")
                )
                await connection.execute(statement, kept)

    async def conversations(self) -> list[StoredConversation]:
        async with self._engine.connect() as connection:
            statement = select(kept_conversations).order_by(kept_conversations.c.kept_at)
            rows = (await connection.execute(statement)).all()
        return [
            StoredConversation(
                call_id=row.call_id,
                legs=tuple(StoredLeg(**leg) for leg in row.legs),
                flow=dict(row.flow),
                kept_at=row.kept_at,
            )
            for row in rows
        ]


def _dialog_values(dialog: StoredDialog) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(dialog, name) for name in _DIALOG_FIELDS}
    values["route_set"] = list(dialog.route_set)
    return values


def _dialog(row: Row[Any]) -> StoredDialog:
    values = {name: getattr(row, name) for name in _DIALOG_FIELDS}
    return StoredDialog(route_set=tuple(str(route) for route in row.route_set), **values)
