"""The service's single writer: concurrent commands share commits without losing or mixing results,
a refused command fails alone, and a command that cannot be stored did not happen."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from c122.domain.acd import IllegalTransition
from c122.domain.users import CONSOLE
from tests.integration.contact_center.test_operator_desk import REFERENCE_QUEUE, simulator
from tests.support.server import RunningServer


async def test_concurrent_arrivals_are_all_stored_in_order_and_a_refusal_fails_alone(
    server: RunningServer,
) -> None:
    center = server.application.contact_center
    queue_id = next(q.id for q in await center.queues(CONSOLE) if q.name == REFERENCE_QUEUE)
    ids = [f"burst-{n}" for n in range(30)]
    async with server.application.uow_factory() as uow:
        operator = await uow.users.find({"login": "operator1"})
    assert operator is not None
    actor = CONSOLE.__class__(user_id=operator.id, role=CONSOLE.role, group_ids=frozenset())
    arrivals = [center.enqueue(call_id, queue_id, "+79000000000") for call_id in ids]
    # Decided in the same batch as the arrivals, and refused by the rules: nothing rings for them.
    refused = center.accept(actor, "burst-3")
    results = await asyncio.gather(*arrivals[:15], refused, *arrivals[15:], return_exceptions=True)
    assert [type(r).__name__ for r in results if isinstance(r, BaseException)] == ["NoSuchOffer"]
    view = await center.queue(CONSOLE, queue_id)
    assert [c.call_id for c in view.calls] == ids  # arrival order kept across shared commits
    async with server.application.uow_factory() as uow:
        log = await uow.acd.queue_log()
    assert [r.call_id for r in log if r.kind.value == "enter"] == ids


async def test_an_operator_cannot_take_a_break_before_the_shift_and_nothing_is_logged(
    server: RunningServer,
) -> None:
    desk = await server.signed_in("operator1")
    me = (await desk.http.get("/api/v1/operators/me/state")).json()["user_id"]
    actor = CONSOLE.__class__(user_id=me, role=CONSOLE.role, group_ids=frozenset())
    with pytest.raises(IllegalTransition):
        await server.application.contact_center.set_my_state(actor, "on_break", "lunch")
    async with server.application.uow_factory() as uow:
        assert await uow.acd.state_log(me) == []


async def test_a_command_that_cannot_be_stored_did_not_happen(server: RunningServer) -> None:
    center = server.application.contact_center
    queue_id = next(q.id for q in await center.queues(CONSOLE) if q.name == REFERENCE_QUEUE)
    source = simulator(server)
    kept = await source.place_call(queue_id)
    # Storage breaks: the queue log can no longer be written.
    async with server.application.uow_factory.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE queue_log RENAME TO queue_log_away"))
    with pytest.raises(DBAPIError):
        await source.place_call(queue_id)
    view = await center.queue(CONSOLE, queue_id)
    assert [c.call_id for c in view.calls] == [kept]  # the ACD went back to what is stored
    async with server.application.uow_factory.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE queue_log_away RENAME TO queue_log"))
    third = await source.place_call(queue_id)
    view = await center.queue(CONSOLE, queue_id)
    assert [c.call_id for c in view.calls] == [kept, third]


async def test_decisions_are_stored_while_every_pooled_connection_is_taken(server: RunningServer) -> None:
    """The ACD stores its decisions over a connection of its own: requests and record batches holding
    the whole shared pool do not keep a caller from being queued (nor an operator from an offer)."""
    center = server.application.contact_center
    queue_id = next(q.id for q in await center.queues(CONSOLE) if q.name == REFERENCE_QUEUE)
    engine = server.application.uow_factory.engine
    held = []
    async with contextlib.AsyncExitStack() as stack:
        while True:  # every connection the shared pool can give, overflow included
            try:
                connection = await asyncio.wait_for(engine.connect(), 0.5)
            except TimeoutError:
                break
            held.append(connection)
            stack.push_async_callback(connection.close)
        assert len(held) >= 5
        await asyncio.wait_for(center.enqueue("pool-taken", queue_id, "+79000000001"), 3)
    view = await center.queue(CONSOLE, queue_id)
    assert "pool-taken" in [c.call_id for c in view.calls]
    async with server.application.uow_factory() as uow:
        log = await uow.acd.queue_log()
    assert "pool-taken" in [r.call_id for r in log if r.kind.value == "enter"]
