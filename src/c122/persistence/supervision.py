"""Monitoring sessions in SQL (tables/supervision.py)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.monitoring import ModeSpan, MonitoringEnd, MonitoringSession, MonitorMode
from c122.persistence.tables.supervision import monitoring_modes, monitoring_sessions


class SqlMonitoringRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def add(self, session: MonitoringSession) -> None:
        await self._db.execute(
            insert(monitoring_sessions).values(
                id=session.id,
                call_id=session.call_id,
                supervisor_id=session.supervisor_id,
                operator_id=session.operator_id,
                group_id=session.group_id,
                audio=session.audio,
                operator_notified=session.operator_notified,
                started_at=session.started_at,
                ended_at=session.ended_at,
                end_reason=session.end_reason.value if session.end_reason else None,
            )
        )
        for span in session.modes:
            await self._db.execute(
                insert(monitoring_modes).values(
                    session_id=session.id,
                    mode=span.mode.value,
                    started_at=span.started_at,
                    ended_at=span.ended_at,
                )
            )

    async def _close_mode(self, session_id: str, at: datetime) -> None:
        await self._db.execute(
            update(monitoring_modes)
            .where(monitoring_modes.c.session_id == session_id, monitoring_modes.c.ended_at.is_(None))
            .values(ended_at=at)
        )

    async def switched(self, session_id: str, mode: MonitorMode, at: datetime) -> None:
        await self._close_mode(session_id, at)
        await self._db.execute(
            insert(monitoring_modes).values(session_id=session_id, mode=mode.value, started_at=at)
        )

    async def ended(self, session_id: str, at: datetime, reason: MonitoringEnd) -> None:
        await self._close_mode(session_id, at)
        await self._db.execute(
            update(monitoring_sessions)
            .where(monitoring_sessions.c.id == session_id, monitoring_sessions.c.ended_at.is_(None))
            .values(ended_at=at, end_reason=reason.value)
        )

    async def for_call(self, call_id: str) -> list[MonitoringSession]:
        rows = (
            await self._db.execute(
                select(monitoring_sessions).where(monitoring_sessions.c.call_id == call_id)
            )
        ).all()
        if not rows:
            return []
        spans: dict[str, list[ModeSpan]] = defaultdict(list)
        first_mode: dict[str, int] = {}
        for mode in (
            await self._db.execute(
                select(monitoring_modes)
                .where(monitoring_modes.c.session_id.in_([row.id for row in rows]))
                .order_by(monitoring_modes.c.id)  # written in the order they happened
            )
        ).all():
            first_mode.setdefault(mode.session_id, mode.id)
            spans[mode.session_id].append(ModeSpan(MonitorMode(mode.mode), mode.started_at, mode.ended_at))
        rows = sorted(rows, key=lambda row: (row.started_at, first_mode.get(row.id, 0)))
        return [
            MonitoringSession(
                id=row.id,
                call_id=row.call_id,
                supervisor_id=row.supervisor_id,
                operator_id=row.operator_id,
                group_id=row.group_id,
                audio="sip" if row.audio == "sip" else "browser",
                started_at=row.started_at,
                modes=tuple(spans[row.id]),
                ended_at=row.ended_at,
                end_reason=MonitoringEnd(row.end_reason) if row.end_reason else None,
                operator_notified=bool(row.operator_notified),
            )
            for row in rows
        ]
