"""Storage of IVR flows (one row per saved version) and voice prompts, over SQLAlchemy Core."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.errors import Conflict, NotFound
from c122.domain.ivr import Flow, flow_from_dict, flow_to_dict
from c122.persistence.tables.bot import channel_settings
from c122.persistence.tables.ivr import ivr_flow_versions, ivr_flows, ivr_prompts
from c122.services.ivr.ports import FlowSummary, FlowVersionInfo, NewPrompt, Prompt, StoredFlow


class SqlIvrRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    # --- flows ----------------------------------------------------------------------------------

    async def flow_summaries(self) -> list[FlowSummary]:
        rows = (await self._db.execute(select(ivr_flows).order_by(ivr_flows.c.name))).all()
        return [FlowSummary(row.name, row.version, row.created_at, row.updated_at) for row in rows]

    async def flow(self, name: str, version: int | None = None) -> StoredFlow | None:
        head = (await self._db.execute(select(ivr_flows).where(ivr_flows.c.name == name))).first()
        if head is None:
            return None
        statement = select(ivr_flow_versions).where(
            ivr_flow_versions.c.flow_id == head.id,
            ivr_flow_versions.c.version == (head.version if version is None else version),
        )
        row = (await self._db.execute(statement)).first()
        if row is None:
            return None
        return StoredFlow(flow_from_dict(row.body), head.version, row.saved_at, row.saved_by, head.created_at)

    async def flow_versions(self, name: str) -> list[FlowVersionInfo]:
        statement = (
            select(ivr_flow_versions.c.version, ivr_flow_versions.c.saved_at, ivr_flow_versions.c.saved_by)
            .join(ivr_flows, ivr_flows.c.id == ivr_flow_versions.c.flow_id)
            .where(ivr_flows.c.name == name)
            .order_by(ivr_flow_versions.c.version)
        )
        rows = (await self._db.execute(statement)).all()
        return [FlowVersionInfo(row.version, row.saved_at, row.saved_by) for row in rows]

    async def current_flows(self) -> list[Flow]:
        statement = (
            select(ivr_flow_versions.c.body)
            .join(
                ivr_flows,
                (ivr_flows.c.id == ivr_flow_versions.c.flow_id)
                & (ivr_flows.c.version == ivr_flow_versions.c.version),
            )
            .order_by(ivr_flows.c.name)
        )
        return [flow_from_dict(row.body) for row in (await self._db.execute(statement)).all()]

    async def add_flow_version(self, flow: Flow, at: datetime, by: int | None) -> None:
        try:
            if flow.version == 1:
                values = {"name": flow.name, "version": 1, "created_at": at, "updated_at": at}
                result = await self._db.execute(insert(ivr_flows).values(values).returning(ivr_flows.c.id))
                flow_id = result.scalar_one()
            else:
                # Moves the head only from the version before: a concurrent save of the same version loses.
                result = await self._db.execute(
                    update(ivr_flows)
                    .where(ivr_flows.c.name == flow.name, ivr_flows.c.version == flow.version - 1)
                    .values(version=flow.version, updated_at=at)
                    .returning(ivr_flows.c.id)
                )
                found = result.first()
                if found is None:
                    raise Conflict(f"flow «{flow.name}» was changed meanwhile", code="version_conflict")
                flow_id = found.id
            await self._db.execute(
                insert(ivr_flow_versions).values(
                    flow_id=flow_id, version=flow.version, body=flow_to_dict(flow), saved_at=at, saved_by=by
                )
            )
        except IntegrityError as exc:
            raise Conflict(f"a flow named «{flow.name}» already exists", code="duplicate") from exc

    async def delete_flow(self, name: str) -> None:
        # Versions go with the flow (ON DELETE CASCADE on PostgreSQL); deleted explicitly for SQLite,
        # which enforces foreign keys only when asked to.
        head = (await self._db.execute(select(ivr_flows.c.id).where(ivr_flows.c.name == name))).first()
        if head is None:
            raise NotFound(f"no flow «{name}»")
        await self._db.execute(delete(ivr_flow_versions).where(ivr_flow_versions.c.flow_id == head.id))
        await self._db.execute(delete(ivr_flows).where(ivr_flows.c.id == head.id))

    # --- prompts --------------------------------------------------------------------------------

    async def text_channels_of(self, name: str) -> list[str]:
        rows = await self._db.execute(
            select(channel_settings.c.channel)
            .where(channel_settings.c.flow_name == name)
            .order_by(channel_settings.c.channel)
        )
        return [str(row.channel) for row in rows]

    async def prompts(self) -> list[Prompt]:
        rows = (await self._db.execute(select(ivr_prompts).order_by(ivr_prompts.c.name))).all()
        return [_prompt(row) for row in rows]

    async def prompt(self, name: str) -> Prompt | None:
        row = (await self._db.execute(select(ivr_prompts).where(ivr_prompts.c.name == name))).first()
        return None if row is None else _prompt(row)

    async def add_prompt(self, prompt: NewPrompt, at: datetime) -> Prompt:
        values = {
            "name": prompt.name,
            "title": prompt.title,
            "source": prompt.source,
            "text": prompt.text,
            "duration_ms": prompt.duration_ms,
            "file_path": prompt.file_path,
            "created_at": at,
            "updated_at": at,
        }
        try:
            await self._db.execute(insert(ivr_prompts).values(values))
        except IntegrityError as exc:
            raise Conflict(f"a prompt named «{prompt.name}» already exists", code="duplicate") from exc
        return await self._existing_prompt(prompt.name)

    async def replace_prompt_audio(
        self, name: str, *, text: str | None, duration_ms: int, file_path: str, at: datetime
    ) -> Prompt:
        await self._db.execute(
            update(ivr_prompts)
            .where(ivr_prompts.c.name == name)
            .values(text=text, duration_ms=duration_ms, file_path=file_path, updated_at=at)
        )
        return await self._existing_prompt(name)

    async def delete_prompt(self, name: str) -> None:
        await self._db.execute(delete(ivr_prompts).where(ivr_prompts.c.name == name))

    async def _existing_prompt(self, name: str) -> Prompt:
        stored = await self.prompt(name)
        if stored is None:
            raise NotFound(f"no prompt «{name}»")
        return stored


def _prompt(row: Row[Any]) -> Prompt:
    return Prompt(
        id=row.id,
        name=row.name,
        title=row.title,
        source=row.source,
        text=row.text,
        duration_ms=row.duration_ms,
        file_path=row.file_path,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
