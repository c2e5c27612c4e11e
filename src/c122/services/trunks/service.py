"""Carrier trunks kept in the database and edited by administrators (TEL-24, ADM-02): each change is
stored, audited and applied to the running telephony at once, without a restart.

Where trunks come from: the database. The configuration file's `[[trunks]]` are imported into it once,
on the first start with this feature (`trunk_imports` remembers it); after that the file's trunks are
ignored and the screen is the only place to change trunks. While the database cannot be read at start,
the file's trunks carry calls until it can (`start`).

Passwords are written, never read back: the API shows only whether one is set.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from c122.domain.clock import Clock
from c122.domain.errors import Conflict, DatabaseUnavailable, Forbidden, NotFound, WritesBlocked
from c122.domain.trunks import TrunkDraft, checked_trunk, route_for
from c122.domain.users import Actor
from c122.services.ports import UnitOfWorkFactory
from c122.services.trunks.ports import StoredTrunk, TrunkLive, TrunkRuntime, TrunksUnitOfWork

log = logging.getLogger(__name__)
NOT_RUNNING = TrunkLive(state="unknown", registered=False, latency_ms=None, calls_up=0)


class DuplicateTrunk(Conflict):
    code = "duplicate_trunk"


class FallbackUnserved(Conflict):
    """The change would leave the outage fallback number (outage_fallback_number) with no trunk: callers
    who cannot be served during an outage would have nowhere to go."""

    code = "outage_fallback_unserved"


@dataclass(frozen=True)
class TrunkView:
    id: int
    trunk: TrunkDraft
    live: TrunkLive


class TrunkAdmin:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[TrunksUnitOfWork],
        clock: Clock,
        runtime: TrunkRuntime | None,
        seed: Sequence[TrunkDraft] = (),
        outage_fallback: str = "",
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._runtime = runtime
        self._seed = tuple(seed)
        self._outage_fallback = outage_fallback

    async def start(self) -> None:
        """Imports the configuration file's trunks once, then applies the stored ones. A trunk whose host
        is unreachable is applied like any other (it shows down); a database that cannot be read or
        written leaves the file's trunks in place and never stops the start (`refresh` retries)."""
        try:
            stored = await self._stored_after_import()
        except (DatabaseUnavailable, WritesBlocked):
            log.warning("trunks: the database cannot be read; the configuration file's trunks are used")
            self._apply([*self._seed])
            return
        self._apply(stored)

    async def refresh(self) -> None:
        """Applies the stored trunks again (periodically): after a start the database could not serve,
        the stored trunks replace the file's once it can. Unchanged trunks keep their state."""
        self._apply(await self._stored_after_import())

    async def _stored_after_import(self) -> list[TrunkDraft]:
        async with self._uow() as uow:
            if not await uow.trunks.imported():
                await self._import(uow)
                await uow.commit()
            return [t.draft for t in await uow.trunks.all()]

    async def _import(self, uow: TrunksUnitOfWork) -> None:
        now = self._clock.now()
        for draft in self._seed:
            if await uow.trunks.named(draft.name) is None:
                await uow.trunks.add(draft, now)
        await uow.trunks.mark_imported(len(self._seed), now)
        await uow.audit.record(
            at=now,
            actor_id=None,
            action="import",
            entity="trunk",
            entity_id="config",
            detail={"names": [d.name for d in self._seed]},
        )
        log.info("trunks: %d imported from the configuration file", len(self._seed))

    async def trunks(self, actor: Actor) -> list[TrunkView]:
        _admin(actor)
        async with self._uow() as uow:
            stored = await uow.trunks.all()
        return [self._view(t) for t in stored]

    async def get(self, actor: Actor, trunk_id: int) -> TrunkView:
        _admin(actor)
        async with self._uow() as uow:
            return self._view(await _found(uow, trunk_id))

    async def create(self, actor: Actor, draft: TrunkDraft) -> TrunkView:
        _admin(actor)
        trunk = checked_trunk(_without_orphan_password(draft))
        async with self._uow() as uow:
            if await uow.trunks.named(trunk.name) is not None:
                raise DuplicateTrunk(f"a trunk named {trunk.name} exists")
            trunk_id = await uow.trunks.add(trunk, self._clock.now())
            await self._audit(uow, actor, "create", trunk_id, trunk, password_set=trunk.password is not None)
            await uow.commit()
        return await self._reapplied(trunk_id)

    async def update(self, actor: Actor, trunk_id: int, draft: TrunkDraft) -> TrunkView:
        """`draft.password` None keeps the stored password; no `username` drops both."""
        _admin(actor)
        async with self._uow() as uow:
            current = await _found(uow, trunk_id)
            kept = current.draft.password if draft.username is not None else None
            merged = draft if draft.password is not None else replace(draft, password=kept)
            trunk = checked_trunk(_without_orphan_password(merged))
            other = await uow.trunks.named(trunk.name)
            if other is not None and other.id != trunk_id:
                raise DuplicateTrunk(f"a trunk named {trunk.name} exists")
            stored = await uow.trunks.all()
            others = [t.draft for t in stored if t.id != trunk_id]
            self._keeps_fallback_served([t.draft for t in stored], [*others, trunk])
            await uow.trunks.update(trunk_id, trunk, self._clock.now())
            await self._audit(uow, actor, "update", trunk_id, trunk, password_set=draft.password is not None)
            await uow.commit()
        return await self._reapplied(trunk_id)

    async def delete(self, actor: Actor, trunk_id: int) -> None:
        _admin(actor)
        async with self._uow() as uow:
            current = await _found(uow, trunk_id)
            stored = [t.draft for t in await uow.trunks.all()]
            self._keeps_fallback_served(stored, [t for t in stored if t.name != current.draft.name])
            await uow.trunks.delete(trunk_id)
            await self._audit(uow, actor, "delete", trunk_id, current.draft, password_set=False)
            await uow.commit()
            remaining = await uow.trunks.all()
        self._apply([t.draft for t in remaining])

    async def _reapplied(self, trunk_id: int) -> TrunkView:
        async with self._uow() as uow:
            stored = await uow.trunks.all()
        self._apply([t.draft for t in stored])
        view = next(self._view(t) for t in stored if t.id == trunk_id)
        return view

    def _keeps_fallback_served(self, before: list[TrunkDraft], after: list[TrunkDraft]) -> None:
        """Refuses a change that takes the last trunk away from the outage fallback number. A fallback no
        trunk served before the change is not this change's doing and does not block it."""
        number = self._outage_fallback
        if not number or not _serves(before, number) or _serves(after, number):
            return
        raise FallbackUnserved(
            f"no trunk would serve {number}, the outage fallback (outage_fallback_number): "
            "add a trunk for it first or change the setting"
        )

    def _apply(self, drafts: list[TrunkDraft]) -> None:
        if self._runtime is not None:
            self._runtime.apply_trunks(drafts)

    def _view(self, stored: StoredTrunk) -> TrunkView:
        live = self._runtime.trunk_live(stored.draft.name) if self._runtime is not None else None
        return TrunkView(stored.id, stored.draft, live or NOT_RUNNING)

    async def _audit(
        self,
        uow: TrunksUnitOfWork,
        actor: Actor,
        action: str,
        trunk_id: int,
        trunk: TrunkDraft,
        *,
        password_set: bool,
    ) -> None:
        await uow.audit.record(
            at=self._clock.now(),
            actor_id=actor.user_id or None,
            action=action,
            entity="trunk",
            entity_id=str(trunk_id),
            detail={  # never the password itself
                "name": trunk.name,
                "host": trunk.host,
                "port": trunk.port,
                "transport": trunk.transport,
                "register": trunk.register,
                "prefixes": list(trunk.prefixes),
                "caller_id": trunk.caller_id,
                "password_set": password_set,
            },
        )


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("trunks are kept by administrators")


async def _found(uow: TrunksUnitOfWork, trunk_id: int) -> StoredTrunk:
    stored = await uow.trunks.get(trunk_id)
    if stored is None:
        raise NotFound(f"trunk {trunk_id} does not exist", code="unknown_trunk")
    return stored


def _serves(trunks: list[TrunkDraft], number: str) -> bool:
    return route_for(number, [t.routing for t in trunks]) is not None


def _without_orphan_password(draft: TrunkDraft) -> TrunkDraft:
    """A password without a login means nothing to a carrier: it is not kept."""
    return draft if draft.username is not None else replace(draft, password=None)
