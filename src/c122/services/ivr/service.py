"""IVR flows (TEL-02): administrators create, revise and delete them; the call flow reads them.

Every save stores the next version; a call keeps the version it entered. A flow is checked at save time
against the stored prompts, queues (by id, as a string) and case types, so a problem names its node.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from c122.domain.bot import text_problems
from c122.domain.clock import Clock
from c122.domain.errors import Conflict, DuplicateField, FieldProblem, Forbidden, InvalidFields, NotFound
from c122.domain.ivr import Flow, FlowDiff, Simulation, check_flow, diff_flows, flow_from_dict, simulate
from c122.domain.ivr import prompts as node_prompts
from c122.domain.users import CONSOLE_USER_ID, Actor
from c122.services.ivr.ports import FlowSummary, FlowVersionInfo, IvrUnitOfWork, StoredFlow
from c122.services.ports import UnitOfWorkFactory

AUDIT_ENTITY = "ivr_flow"
MAX_LISTED = 100_000  # every queue and case type, for validation


@dataclass(frozen=True)
class FlowView:
    """One version of a flow with the list of all its versions."""

    stored: StoredFlow
    versions: list[FlowVersionInfo]


class IvrFlowService:
    def __init__(self, uow_factory: UnitOfWorkFactory[IvrUnitOfWork], clock: Clock) -> None:
        self._uow = uow_factory
        self._clock = clock
        # Versions never change once saved, so a version read once is kept for every later call.
        self._versions: dict[tuple[str, int], Flow] = {}

    # --- for the call flow ------------------------------------------------------------------------

    async def current(self, name: str) -> Flow | None:
        """The latest version of the flow, or None when there is no such flow."""
        async with self._uow() as uow:
            stored = await uow.ivr.flow(name)
        if stored is None:
            return None
        self._versions[(name, stored.flow.version)] = stored.flow
        return stored.flow

    async def version(self, name: str, version: int) -> Flow | None:
        cached = self._versions.get((name, version))
        if cached is not None:
            return cached
        async with self._uow() as uow:
            stored = await uow.ivr.flow(name, version)
        if stored is None:
            return None
        self._versions[(name, version)] = stored.flow
        return stored.flow

    # --- administration ---------------------------------------------------------------------------

    async def list(self, actor: Actor) -> list[FlowSummary]:
        _require_admin(actor)
        async with self._uow() as uow:
            return await uow.ivr.flow_summaries()

    async def get(self, actor: Actor, name: str, version: int | None = None) -> FlowView:
        _require_admin(actor)
        async with self._uow() as uow:
            stored = await uow.ivr.flow(name, version)
            if stored is None:
                raise NotFound(f"no flow «{name}»" + (f" version {version}" if version else ""))
            return FlowView(stored, await uow.ivr.flow_versions(name))

    async def create(self, actor: Actor, body: Mapping[str, Any]) -> FlowView:
        """Stores version 1 of a new flow; its name is taken from the body."""
        _require_admin(actor)
        flow = _parse({**body, "version": 1})
        async with self._uow() as uow:
            if await uow.ivr.flow(flow.name) is not None:
                raise DuplicateField("name", f"a flow named «{flow.name}» already exists")
            return await self._store(uow, actor, flow, "create")

    async def save(self, actor: Actor, name: str, body: Mapping[str, Any]) -> FlowView:
        """Stores the next version of an existing flow. A name in the body must be the flow's own."""
        _require_admin(actor)
        if body.get("name", name) != name:
            problem = FieldProblem("name", "rename_not_supported", "название схемы менять нельзя")
            raise InvalidFields([problem])
        async with self._uow() as uow:
            before = await uow.ivr.flow(name)
            if before is None:
                raise NotFound(f"no flow «{name}»")
            flow = _parse({**body, "name": name, "version": before.latest + 1})
            return await self._store(uow, actor, flow, "update")

    async def rollback(self, actor: Actor, name: str, version: int) -> FlowView:
        """Stores the given old version again as the next version; later versions stay in the history."""
        _require_admin(actor)
        async with self._uow() as uow:
            old = await uow.ivr.flow(name, version)
            if old is None:
                raise NotFound(f"no flow «{name}» version {version}")
            flow = replace(old.flow, version=old.latest + 1)
            return await self._store(uow, actor, flow, "rollback", {"from_version": version})

    async def diff(self, actor: Actor, name: str, before: int, after: int) -> FlowDiff:
        """What changed from version `before` to version `after` (either may be the older)."""
        _require_admin(actor)
        async with self._uow() as uow:
            old = await uow.ivr.flow(name, before)
            new = await uow.ivr.flow(name, after)
        if old is None or new is None:
            missing = before if old is None else after
            raise NotFound(f"no flow «{name}» version {missing}")
        return diff_flows(old.flow, new.flow)

    async def simulate(
        self,
        actor: Actor,
        name: str,
        keys: str,
        at: datetime,
        *,
        version: int | None = None,
        draft: Mapping[str, Any] | None = None,
    ) -> Simulation:
        """Walks a stored version (the latest by default) or an unsaved draft, which must pass the
        save-time checks, with the typed keys at the moment `at` (without a zone: the wall-clock time in
        the flow's time zone). Nothing is stored."""
        _require_admin(actor)
        async with self._uow() as uow:
            if draft is not None:
                flow = _parse({**draft, "name": name, "version": 1})
                await _check_references(uow, flow)
            else:
                stored = await uow.ivr.flow(name, version)
                if stored is None:
                    raise NotFound(f"no flow «{name}»" + (f" version {version}" if version else ""))
                flow = stored.flow
        if at.tzinfo is None:
            at = at.replace(tzinfo=ZoneInfo(flow.timezone))
        return simulate(flow, keys, at)

    async def delete(self, actor: Actor, name: str) -> None:
        _require_admin(actor)
        async with self._uow() as uow:
            if await uow.ivr.flow(name) is None:
                raise NotFound(f"no flow «{name}»")
            lines = await uow.lines.count({"entry_flow": name})
            if lines:
                message = f"flow «{name}» is the entry flow of {lines} line(s); change them first"
                raise Conflict(message, code="in_use")
            rules = await uow.routing.rules_starting_flow(name)
            if rules:
                names = ", ".join(map(str, rules))
                raise Conflict(
                    f"routing rule(s) {names} start flow «{name}»; change them first", code="in_use"
                )
            await uow.ivr.delete_flow(name)
            await _audit(uow, actor, "delete", name, self._clock)
            await uow.commit()
        self._versions = {key: flow for key, flow in self._versions.items() if key[0] != name}

    async def _store(
        self,
        uow: IvrUnitOfWork,
        actor: Actor,
        flow: Flow,
        action: str,
        detail: Mapping[str, Any] | None = None,
    ) -> FlowView:
        await _check_references(uow, flow)
        now = self._clock.now()
        await uow.ivr.add_flow_version(flow, now, _author_id(actor))
        await _audit(uow, actor, action, flow.name, self._clock, {"version": flow.version, **(detail or {})})
        stored = await uow.ivr.flow(flow.name)
        assert stored is not None
        view = FlowView(stored, await uow.ivr.flow_versions(flow.name))
        await uow.commit()
        return view


def _parse(body: Mapping[str, Any]) -> Flow:
    """The flow in the body; names are compared and stored without surrounding spaces."""
    data = dict(body)
    if isinstance(data.get("name"), str):
        data["name"] = data["name"].strip()
    return flow_from_dict(data)


async def _check_references(uow: IvrUnitOfWork, flow: Flow) -> None:
    """check_flow against what is stored: prompts by name, queues by id (as a string), case types."""
    stored_prompts = await uow.ivr.prompts()
    prompts = {prompt.name for prompt in stored_prompts}
    queues = {str(queue.id) for queue in (await uow.queues.search("", MAX_LISTED, 0)).items}
    case_types = {case_type.id for case_type in (await uow.case_types.search("", MAX_LISTED, 0)).items}
    problems = []
    if "/" in flow.name:
        problems.append(FieldProblem("name", "invalid", "в названии схемы не может быть «/»"))
    try:
        check_flow(flow, known_prompts=prompts, known_queues=queues, known_case_types=case_types)
    except InvalidFields as exc:
        problems.extend(exc.problems)
    if await uow.ivr.text_channels_of(flow.name):  # a chat bot runs it: every prompt needs its text
        texted = {prompt.name for prompt in stored_prompts if prompt.text and prompt.text.strip()}
        unknown = {name for node in flow.nodes.values() for _f, name in node_prompts(node)} - prompts
        problems.extend(text_problems(flow, texted | unknown))  # an unknown prompt is reported above
    if problems:
        raise InvalidFields(problems)


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("only administrators manage IVR flows")


def _author_id(actor: Actor) -> int | None:
    """A flow version's author: an account, or none for the command line."""
    return actor.user_id if actor.user_id != CONSOLE_USER_ID else None


async def _audit(
    uow: IvrUnitOfWork,
    actor: Actor,
    action: str,
    name: str,
    clock: Clock,
    detail: Mapping[str, Any] | None = None,
) -> None:
    # The audit key holds 64 characters; the full name is in the detail.
    await uow.audit.record(
        at=clock.now(),
        actor_id=actor.user_id,
        action=action,
        entity=AUDIT_ENTITY,
        entity_id=name[:64],
        detail={"name": name, **(detail or {})},
    )
