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
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from c122.persistence.tables.telephony import kept_conversations, sip_dialogs, sip_registrations
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
            await connection.execute(
                delete(sip_registrations).where(sip_registrations.c.account.in_(sorted(by_account)))
            )
            if rows:
                await connection.execute(insert(sip_registrations), rows)

    async def live_registrations(self, now: datetime) -> list[StoredRegistration]:
        async with transaction(self._engine) as connection:
            await connection.execute(delete(sip_registrations).where(sip_registrations.c.expires_at <= now))
            rows = (await connection.execute(select(sip_registrations))).all()
        return [StoredRegistration(**{n: getattr(row, n) for n in _REGISTRATION_FIELDS}) for row in rows]

    async def save_dialogs(self, changes: Mapping[DialogKey, StoredDialog | None]) -> None:
        kept = [_dialog_values(d) for d in changes.values() if d is not None]
        async with transaction(self._engine) as connection:
            await connection.execute(
                delete(sip_dialogs).where(
                    tuple_(sip_dialogs.c.call_id, sip_dialogs.c.local_tag).in_(sorted(changes))
                )
            )
            if kept:
                await connection.execute(insert(sip_dialogs), kept)

    async def dialogs(self) -> list[StoredDialog]:
        async with self._engine.connect() as connection:
            statement = select(sip_dialogs).order_by(sip_dialogs.c.established_at)
            rows = (await connection.execute(statement)).all()
        return [_dialog(row) for row in rows]

    async def save_conversations(self, changes: Mapping[str, StoredConversation | None]) -> None:
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
        # A conversation kept again replaces its row (an upsert); only those that ended are deleted: a
        # conversation costs a statement when kept and one when it ends, not a delete each time as well.
        ended = sorted(call_id for call_id, c in changes.items() if c is None)
        async with transaction(self._engine) as connection:
            if ended:
                await connection.execute(
                    delete(kept_conversations).where(kept_conversations.c.call_id.in_(ended))
                )
            if kept:
                insert_ = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
                statement = insert_(kept_conversations)
                await connection.execute(
                    statement.on_conflict_do_update(
                        index_elements=[kept_conversations.c.call_id],
                        set_={name: statement.excluded[name] for name in ("legs", "flow", "kept_at")},
                    ),
                    kept,
                )

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
