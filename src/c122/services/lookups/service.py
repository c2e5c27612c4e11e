"""Lookup plug-ins (ADM-04, OPS-26): administrators connect outside registries; operators query them
from the case card during a call.

Each query is bounded by the lookup's timeout, answered from a short cache when the same key was just
asked, and refused at once while the lookup's circuit breaker is open, so a registry that hangs or is
down never keeps the desk waiting. Who may query is the lookup's role list; every query is audited
with its outcome, and so is every refusal. Credentials are kept but never handed back.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from c122.domain.clock import Clock
from c122.domain.errors import DuplicateField, FieldProblem, Forbidden, InvalidFields, NotFound
from c122.domain.lookups import (
    MAX_ROWS,
    CircuitBreaker,
    KeyKind,
    Lookup,
    LookupDraft,
    LookupRow,
    checked_lookup,
    mapped_rows,
    normalised_key,
)
from c122.domain.users import Actor
from c122.services.access_audit import record_refusal
from c122.services.lookups.ports import LookupFailed, LookupSource, LookupUnitOfWork
from c122.services.ports import UnitOfWorkFactory

_log = logging.getLogger(__name__)

QUERY = "lookup_query"


@dataclass(frozen=True)
class LookupResult:
    outcome: str  # found, empty, timeout, unavailable, refused_write, bad_answer, circuit_open
    rows: list[LookupRow]
    cached: bool
    truncated: bool
    message: str
    elapsed_ms: int


_MESSAGES = {
    "found": "",
    "empty": "ничего не найдено",
    "timeout": "справочник не ответил вовремя",
    "circuit_open": "справочник недоступен, повторите позже",
}


class Lookups:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[LookupUnitOfWork],
        clock: Clock,
        source: LookupSource,
        *,
        breaker_threshold: int = 3,
        breaker_cool_down_s: float = 30.0,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._source = source
        self._threshold = breaker_threshold
        self._cool_down = breaker_cool_down_s
        self._breakers: dict[int, CircuitBreaker] = {}
        self._cache: dict[tuple[int, int, str, str], tuple[float, list[dict[str, Any]]]] = {}

    # --- administration --------------------------------------------------------------------------

    async def all(self, actor: Actor) -> list[Lookup]:
        self._admin(actor)
        async with self._uow() as uow:
            return await uow.lookups.all()

    def plugins(self, actor: Actor) -> list[str]:
        self._admin(actor)
        return self._source.plugins()

    def breaker_state(self, lookup_id: int) -> str:
        breaker = self._breakers.get(lookup_id)
        return breaker.state if breaker is not None else "closed"

    async def create(self, actor: Actor, draft: LookupDraft) -> Lookup:
        self._admin(actor)
        checked = checked_lookup(draft, stored_secret=None)
        async with self._uow() as uow:
            if await uow.lookups.named(checked.name) is not None:
                raise DuplicateField("name", f"справочник «{checked.name}» уже есть")
            lookup_id = await uow.lookups.add(checked, self._clock.now())
            await self._audit_change(uow, actor, "create", lookup_id, checked)
            await uow.commit()
            stored = await uow.lookups.get(lookup_id)
        assert stored is not None
        return stored

    async def update(self, actor: Actor, lookup_id: int, draft: LookupDraft) -> Lookup:
        self._admin(actor)
        async with self._uow() as uow:
            current = await self._existing(uow, lookup_id)
            checked = checked_lookup(draft, stored_secret=current.draft.secret)
            other = await uow.lookups.named(checked.name)
            if other is not None and other.id != lookup_id:
                raise DuplicateField("name", f"справочник «{checked.name}» уже есть")
            await uow.lookups.update(lookup_id, checked, self._clock.now())
            await self._audit_change(uow, actor, "update", lookup_id, checked)
            await uow.commit()
            stored = await uow.lookups.get(lookup_id)
        assert stored is not None
        self._breakers.pop(lookup_id, None)  # new settings, a fresh start
        return stored

    async def delete(self, actor: Actor, lookup_id: int) -> None:
        self._admin(actor)
        async with self._uow() as uow:
            current = await self._existing(uow, lookup_id)
            await uow.lookups.delete(lookup_id)
            await self._audit_change(uow, actor, "delete", lookup_id, current.draft)
            await uow.commit()
        self._breakers.pop(lookup_id, None)

    async def close(self) -> None:
        await self._source.close()

    # --- queries ---------------------------------------------------------------------------------

    async def available(self, actor: Actor) -> list[Lookup]:
        """The enabled lookups the actor's role may query (for the card's panel)."""
        async with self._uow() as uow:
            found = await uow.lookups.all()
        return [lk for lk in found if lk.draft.enabled and actor.role in lk.draft.roles]

    async def query(
        self, actor: Actor, lookup_id: int, key: KeyKind, raw_value: str, case_id: int | None = None
    ) -> LookupResult:
        """One query from the card. Someone whose role the lookup does not allow, or a lookup that
        is off or does not search by this key, is refused (403/404/422) and the refusal audited."""
        async with self._uow() as uow:
            lookup = await uow.lookups.get(lookup_id)
        if lookup is None or not lookup.draft.enabled:
            await self._refuse(actor, lookup_id, NotFound.code)
            raise NotFound("no such lookup")
        if actor.role not in lookup.draft.roles:
            await self._refuse(actor, lookup_id, Forbidden.code)
            raise Forbidden("this lookup is not allowed to your role")
        return await self._run(actor, lookup, key, raw_value, case_id, use_cache=True)

    async def test(self, actor: Actor, lookup_id: int, key: KeyKind, raw_value: str) -> LookupResult:
        """An administrator's trial of the stored settings, past the cache (audited as a query)."""
        self._admin(actor)
        async with self._uow() as uow:
            lookup = await self._existing(uow, lookup_id)
        return await self._run(actor, lookup, key, raw_value, None, use_cache=False)

    async def _run(
        self,
        actor: Actor,
        lookup: Lookup,
        key: KeyKind,
        raw_value: str,
        case_id: int | None,
        *,
        use_cache: bool,
    ) -> LookupResult:
        draft = lookup.draft
        if key not in draft.key_kinds:
            raise InvalidFields([FieldProblem("key", "not_supported", "справочник не ищет по этому ключу")])
        value = normalised_key(key, raw_value)
        started = self._clock.monotonic()
        outcome, rows, cached, message = await self._answer(lookup, key, value, use_cache)
        elapsed = int((self._clock.monotonic() - started) * 1000)
        truncated = len(rows) > MAX_ROWS
        if outcome == "found" and not rows:
            outcome = "empty"
        result = LookupResult(
            outcome=outcome,
            rows=mapped_rows(rows, draft.mapping),
            cached=cached,
            truncated=truncated,
            message=message or _MESSAGES.get(outcome, ""),
            elapsed_ms=elapsed,
        )
        await self._audit_query(actor, lookup, key, value, case_id, result)
        return result

    async def _answer(
        self, lookup: Lookup, key: KeyKind, value: str, use_cache: bool
    ) -> tuple[str, list[dict[str, Any]], bool, str]:
        draft = lookup.draft
        cache_key = (lookup.id, lookup.version, key.value, value)
        now = self._clock.monotonic()
        if use_cache and draft.cache_s > 0:
            hit = self._cache.get(cache_key)
            if hit is not None and hit[0] > now:
                return "found", hit[1], True, ""
        breaker = self._breakers.setdefault(lookup.id, CircuitBreaker(self._threshold, self._cool_down))
        if not breaker.allows(now):
            return "circuit_open", [], False, ""
        try:
            rows = await asyncio.wait_for(self._source.fetch(draft, key, value), draft.timeout_ms / 1000)
        except TimeoutError:
            breaker.failed(self._clock.monotonic())
            return "timeout", [], False, ""
        except LookupFailed as failure:
            if failure.code != "refused_write":  # the registry answered: it is not down
                breaker.failed(self._clock.monotonic())
            return failure.code, [], False, failure.message
        except Exception:
            _log.exception("lookup %s failed", lookup.id)
            breaker.failed(self._clock.monotonic())
            return "unavailable", [], False, "справочник ответил ошибкой"
        breaker.succeeded()
        if draft.cache_s > 0:
            self._prune(now)
            self._cache[cache_key] = (now + draft.cache_s, rows)
        return "found", rows, False, ""

    def _prune(self, now: float) -> None:
        if len(self._cache) > 2000:
            for stale in [k for k, (until, _) in self._cache.items() if until <= now]:
                del self._cache[stale]

    # --- inside ----------------------------------------------------------------------------------

    @staticmethod
    def _admin(actor: Actor) -> None:
        if not actor.is_admin:
            raise Forbidden("lookups are configured by administrators")

    @staticmethod
    async def _existing(uow: LookupUnitOfWork, lookup_id: int) -> Lookup:
        found = await uow.lookups.get(lookup_id)
        if found is None:
            raise NotFound("no such lookup")
        return found

    async def _refuse(self, actor: Actor, lookup_id: int, code: str) -> None:
        await record_refusal(self._uow, self._clock, actor, QUERY, "lookup", lookup_id, code)

    async def _audit_query(
        self,
        actor: Actor,
        lookup: Lookup,
        key: KeyKind,
        value: str,
        case_id: int | None,
        result: LookupResult,
    ) -> None:
        async with self._uow() as uow:
            await uow.audit.record(
                at=self._clock.now(),
                actor_id=actor.user_id or None,
                action=QUERY,
                entity="lookup",
                entity_id=str(lookup.id),
                detail={
                    "lookup": lookup.draft.name,
                    "key": key.value,
                    "value": value,
                    "case_id": case_id,
                    "outcome": result.outcome,
                    "rows": len(result.rows),
                    "cached": result.cached,
                },
            )
            await uow.commit()

    async def _audit_change(
        self, uow: LookupUnitOfWork, actor: Actor, action: str, lookup_id: int, draft: LookupDraft
    ) -> None:
        """What changed, without the credentials: only whether they are set."""
        secret = draft.secret
        await uow.audit.record(
            at=self._clock.now(),
            actor_id=actor.user_id or None,
            action=action,
            entity="lookup",
            entity_id=str(lookup_id),
            detail={
                "name": draft.name,
                "kind": draft.kind.value,
                "roles": sorted(r.value for r in draft.roles),
                "url_template": draft.url_template,
                "query": draft.query,
                "plugin": draft.plugin,
                "header_names": sorted(secret.headers) if secret else [],
                "url_set": bool(secret and secret.url),
            },
        )
