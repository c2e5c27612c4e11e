"""The contact centre's side of calls that ended without the ACD being told: the reconciliation with a
call source, the drop of named calls, and forgetting every call at a start after a crash. What is
dropped is stored (a process started afterwards does not see it) and counted for monitoring."""

from __future__ import annotations

import asyncio

from prometheus_client import REGISTRY

from c122.domain.users import CONSOLE
from c122.services.contact_center import ContactCenter
from c122.services.contact_center.queue_figures import WaitingCallBoard
from tests.integration.contact_center.test_operator_desk import (
    REFERENCE_QUEUE,
    queue_ids,
    set_state,
    simulator,
    state,
)
from tests.integration.contact_center.test_restart_and_setup import Discard
from tests.support.server import RunningServer


def counted(reason: str) -> float:
    return REGISTRY.get_sample_value("c122_acd_gone_calls_total", {"reason": reason}) or 0.0


async def waiting_ids(center: ContactCenter, queue_id: int) -> list[str]:
    return [c.call_id for c in (await center.queue(CONSOLE, queue_id)).calls]


async def test_the_reconciliation_drops_held_calls_the_source_no_longer_carries_after_the_grace_time(
    server: RunningServer,
) -> None:
    operator = await server.signed_in("operator1")
    queue_id = (await queue_ids(operator))[REFERENCE_QUEUE]
    source = simulator(server)
    live, gone, foreign = [await source.place_call(queue_id) for _ in range(3)]
    center = server.application.contact_center
    owned = {live, gone}
    before = counted("reconciled")

    def reconcile() -> object:
        return center.drop_calls_not_in(
            lambda: {live}, owns=owned.__contains__, older_than_s=10, reason="reconciled"
        )

    assert await reconcile() == []  # too young: it may still be being set up
    server.clock.advance(10)
    assert await reconcile() == [gone]
    assert await waiting_ids(center, queue_id) == [live, foreign]
    assert counted("reconciled") - before == 1

    again = ContactCenter(server.application.uow_factory, server.clock, Discard(), WaitingCallBoard())
    await again.start()
    assert await waiting_ids(again, queue_id) == [live, foreign]


async def test_an_operator_rung_for_a_gone_call_is_free_again_without_a_missed_offer(
    server: RunningServer,
) -> None:
    operator = await server.signed_in("operator1")
    queue_id = (await queue_ids(operator))[REFERENCE_QUEUE]
    call_id = await simulator(server).place_call(queue_id)
    await set_state(operator, "ready")
    assert (await state(operator))["offer"]["call_id"] == call_id
    center = server.application.contact_center
    assert center.holds_call(call_id)
    assert await center.drop_gone_calls([call_id, "never-held"], reason="offer_to_gone_call") == [call_id]
    assert not center.holds_call(call_id)
    me = await state(operator)
    assert (me["status"], me["offer"]) == ("ready", None)
    for _ in range(3):
        server.clock.advance(30)
        await center.tick()
    assert (await state(operator))["status"] == "ready"


async def test_forgetting_all_calls_at_a_start_keeps_the_callback_list(server: RunningServer) -> None:
    operator = await server.signed_in("operator1")
    queue_id = (await queue_ids(operator))[REFERENCE_QUEUE]
    source = simulator(server)
    abandoned = await source.place_call(queue_id)
    server.clock.advance(30)
    await source.caller_hangs_up(abandoned)  # a callback entry
    waiting = await source.place_call(queue_id)
    center = server.application.contact_center
    assert await center.forget_all_calls("system_restart") == [waiting]
    view = await center.queue(CONSOLE, queue_id)
    assert [(c.call_id, c.is_callback) for c in view.calls] == [(abandoned, True)]


async def test_commands_decided_together_return_together_not_one_pass_of_the_loop_each(
    server: RunningServer,
) -> None:
    """Forty commands queued at once are decided in one batch; each caller then returns within a
    pass or two of the event loop. Callers that each waited for a turn at the ACD's lock returned one
    loop pass apart even though the batch had decided them all (at 100 calls/s an operator's answer
    waited 0.5-1 s behind callers whose commands were long decided)."""
    center = server.application.contact_center
    await center.tick()

    async def stored_tick() -> object:  # a command whose batch is stored: the commit is awaited
        return await center._run(lambda acd, now: acd.tick(now), store_without_events=True)

    ticks = [asyncio.ensure_future(stored_tick()) for _ in range(40)]
    passes = 0
    await asyncio.wait(ticks, return_when=asyncio.FIRST_COMPLETED)
    while not all(tick.done() for tick in ticks) and passes < 100:
        await asyncio.sleep(0)
        passes += 1
    await asyncio.gather(*ticks)
    assert passes <= 3  # after the first caller returned


async def test_stopping_waits_for_the_commands_already_queued(server: RunningServer) -> None:
    """A command whose caller went away is still stored; the server waits for it before it closes its
    database (a command line that exited at once logged a transaction cut short)."""
    center = server.application.contact_center

    def committing() -> list[asyncio.Task[object]]:
        return [t for t in asyncio.all_tasks() if "_commit_pending" in repr(t.get_coro())]

    caller = asyncio.ensure_future(center._run(lambda acd, now: acd.tick(now), store_without_events=True))
    await asyncio.sleep(0)
    caller.cancel()
    assert committing()  # the caller is gone, its command is still being stored
    await center.stop()
    assert committing() == []
