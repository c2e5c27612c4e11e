"""Refused reads of personal data and recordings go to the audit log like the allowed ones: an id
probed by someone without the right (a card, an applicant, a recording) leaves a trace even though the
answer looks like "no such record"."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from c122.domain.clock import Clock
from c122.domain.errors import Forbidden, NotFound
from c122.domain.users import Actor
from c122.services.ports import UnitOfWork, UnitOfWorkFactory

ACCESS_REFUSED = "access_refused"
EXPORT_NOT_FOUND = "export_not_found"  # someone else's export job, or none: answered alike
# Other NotFound codes (a call without a recording, a file gone) are facts, not refusals.
REFUSAL_CODES = frozenset({NotFound.code, Forbidden.code, EXPORT_NOT_FOUND})


@contextlib.asynccontextmanager
async def refusals_audited(
    uow_factory: UnitOfWorkFactory[UnitOfWork],
    clock: Clock,
    actor: Actor,
    *,
    wanted: str,
    entity: str,
    entity_id: object,
) -> AsyncIterator[None]:
    """Wraps a use case whose own transaction is rolled back on refusal: the audit entry of the
    refusal is written in a transaction of its own, then the refusal goes on to the caller."""
    try:
        yield
    except (NotFound, Forbidden) as refusal:
        if refusal.code in REFUSAL_CODES:
            await record_refusal(uow_factory, clock, actor, wanted, entity, entity_id, refusal.code)
        raise


async def record_refusal(
    uow_factory: UnitOfWorkFactory[UnitOfWork],
    clock: Clock,
    actor: Actor,
    wanted: str,
    entity: str,
    entity_id: object,
    code: str = NotFound.code,
) -> None:
    async with uow_factory() as uow:
        await uow.audit.record(
            at=clock.now(),
            actor_id=actor.user_id,
            action=ACCESS_REFUSED,
            entity=entity,
            entity_id=str(entity_id)[:64],
            detail={"wanted": wanted, "code": code},
        )
        await uow.commit()
