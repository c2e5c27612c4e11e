"""The operator's wrap-up lands on the call's record when it ends, on SQLite and PostgreSQL: by «Готов»
before its time and by its timer; the call flow writing the record again afterwards (with wrap-up 0, as
it knows nothing of it) keeps the figure. Calls come from the simulated call source, and the record is
the one the call flow would have written at the call's end; the clock is moved by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from c122.domain.calls import CallRecord
from tests.integration.contact_center.test_operator_desk import (
    REFERENCE_QUEUE,
    queue_ids,
    set_state,
    simulator,
)
from tests.support.polling import until
from tests.support.server import RunningServer


def _record(server: RunningServer, call_id: str, queue_id: int) -> CallRecord:
    start = server.clock.now()
    return CallRecord(
        id=call_id,
        direction="inbound",
        status="answered",
        line_number="122",
        caller="+79161234567",
        called="122",
        queue_id=queue_id,
        started_at=start,
        queued_at=start,
        connected_at=start,
        ended_at=start + timedelta(seconds=60),
        talk_s=60,
    )


async def _wrap_up_s(server: RunningServer, call_id: str) -> float:
    admin = await server.signed_in("admin")
    response = await admin.http.get(f"/api/v1/calls/{call_id}")
    assert response.status_code == 200, response.text
    value: float = response.json()["wrap_up_s"]
    return value


async def test_an_early_ready_and_the_timer_each_put_the_wrap_up_on_the_record(server: RunningServer) -> None:
    operator = await server.signed_in("operator1")
    queues = await queue_ids(operator)
    source = simulator(server)
    calls = server.application.context.calls
    center = server.application.contact_center

    # Ready by hand 12 s into the wrap-up.
    await set_state(operator, "ready")
    first = await source.place_call(queues[REFERENCE_QUEUE])
    await operator.write("POST", f"/api/v1/operators/me/offers/{first}/accept")
    record = _record(server, first, queues[REFERENCE_QUEUE])
    await calls.save(record)
    server.clock.advance(60)
    await source.caller_hangs_up(first)
    server.clock.advance(12)
    assert (await set_state(operator, "ready")).status_code == 200
    await until(lambda: _wrap_up_s(server, first), lambda seconds: seconds > 0)
    assert await _wrap_up_s(server, first) == 12
    await calls.save(record)  # the call flow's last write lands late: the wrap-up stays
    assert await _wrap_up_s(server, first) == 12

    # The wrap-up's own time (30 s for the queue) runs out.
    second = await source.place_call(queues[REFERENCE_QUEUE])
    await operator.write("POST", f"/api/v1/operators/me/offers/{second}/accept")
    await calls.save(replace(record, id=second))
    server.clock.advance(30)
    await source.caller_hangs_up(second)
    server.clock.advance(31)
    await center.tick()
    await until(lambda: _wrap_up_s(server, second), lambda seconds: seconds > 0)
    assert 30 <= await _wrap_up_s(server, second) <= 31
