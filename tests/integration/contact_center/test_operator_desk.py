"""The operator's side of the call distribution over a real server, on SQLite and PostgreSQL:
starting the shift, breaks, an offered call accepted or rejected, signing out, and the live events.

Calls come from the simulated call source (telephony is not part of these tests); the service clock is
a fake clock moved by hand, so timers fire exactly when the test says.
"""

from __future__ import annotations

from typing import Any

import pytest

from c122.domain.acd import CompletedBy
from c122.domain.errors import Conflict
from c122.services.contact_center.simulator import CallerBehaviour, SimulatedCallSource
from tests.support.polling import until
from tests.support.server import Desk, RunningServer

REFERENCE_QUEUE = "Справочная информация"
VACCINATION_QUEUE = "Запись на вакцинацию"


def simulator(server: RunningServer) -> SimulatedCallSource:
    # Every simulated caller has priority 0 unless a test says otherwise.
    behaviour = CallerBehaviour(priority_share=0.0)
    source = SimulatedCallSource(server.application.contact_center, behaviour=behaviour, prefix="t")
    source.act_for_callers = False  # the tests hang up themselves
    return source


async def queue_ids(desk: Desk) -> dict[str, int]:
    response = await desk.http.get("/api/v1/queues")
    assert response.status_code == 200, response.text
    return {queue["name"]: queue["id"] for queue in response.json()["items"]}


async def state(desk: Desk) -> dict[str, Any]:
    response = await desk.http.get("/api/v1/operators/me/state")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def set_state(desk: Desk, status: str, **extra: str) -> Any:
    return await desk.write("PUT", "/api/v1/operators/me/state", json={"status": status, **extra})


async def test_signing_in_does_not_start_the_shift_but_the_start_button_does(server: RunningServer) -> None:
    operator = await server.signed_in("operator1")
    assert (await state(operator))["status"] == "offline"
    async with operator.events() as stream:
        await stream.receive()
        started = await set_state(operator, "ready")
        assert started.status_code == 200, started.text
        assert started.json()["status"] == "ready"
        event = await stream.next_event("operator.state_changed")
        assert (event["data"]["old_status"], event["data"]["status"]) == ("offline", "ready")
        assert event["data"]["trigger"] == "login"


async def test_a_ready_operator_is_offered_a_call_and_accepting_puts_them_on_it(
    server: RunningServer,
) -> None:
    operator = await server.signed_in("operator1")
    queues = await queue_ids(operator)
    await set_state(operator, "ready")
    async with operator.events() as stream:
        ready = await stream.receive()
        assert ready["snapshot"]["operator_state"]["status"] == "ready"
        call_id = await simulator(server).place_call(queues[REFERENCE_QUEUE], caller="+79001234567")
        offered = await stream.next_event("call.offered")
        offer = offered["data"]["offer"]
        assert (offer["call_id"], offer["caller"], offer["queue_name"]) == (
            call_id,
            "+79001234567",
            REFERENCE_QUEUE,
        )
        assert (await state(operator))["offer"]["call_id"] == call_id
        accepted = await operator.write("POST", f"/api/v1/operators/me/offers/{call_id}/accept")
        assert accepted.status_code == 200, accepted.text
        assert (accepted.json()["status"], accepted.json()["call_id"]) == ("on_call", call_id)
        update = await stream.next_event("queue.updated")
        assert update["data"]["queue"]["id"] == queues[REFERENCE_QUEUE]


async def test_a_rejected_offer_is_logged_and_goes_to_the_other_free_operator_who_alone_may_answer(
    server: RunningServer,
) -> None:
    first = await server.signed_in("operator1")
    second = await server.signed_in("operator2")
    queues = await queue_ids(first)
    await set_state(first, "ready")
    server.clock.advance(5)
    await set_state(second, "ready")
    call_id = await simulator(server).place_call(queues[REFERENCE_QUEUE])
    assert (await state(first))["offer"]["call_id"] == call_id  # idle longest
    assert (await state(second))["status"] == "ready"
    stolen = await second.write("POST", f"/api/v1/operators/me/offers/{call_id}/accept")
    assert stolen.status_code == 409
    assert stolen.json()["code"] == "no_such_offer"
    rejected = await first.write("POST", f"/api/v1/operators/me/offers/{call_id}/reject")
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "ready"
    assert (await state(second))["offer"]["call_id"] == call_id  # not rung to the one who rejected
    assert (await state(first))["status"] == "ready"
    async with server.application.uow_factory() as uow:
        log = await uow.acd.queue_log()
    calls = [r for r in log if r.call_id == call_id and r.kind.value != "state_change"]
    assert [r.kind.value for r in calls] == ["enter", "offer", "reject", "offer"]
    assert calls[1].operator_id != calls[3].operator_id


async def test_after_the_call_wrap_up_runs_its_time_then_the_operator_is_ready_again(
    server: RunningServer,
) -> None:
    operator = await server.signed_in("operator1")
    queues = await queue_ids(operator)
    await set_state(operator, "ready")
    source = simulator(server)
    call_id = await source.place_call(queues[REFERENCE_QUEUE])
    await operator.write("POST", f"/api/v1/operators/me/offers/{call_id}/accept")
    server.clock.advance(60)
    await source.caller_hangs_up(call_id)
    wrap = await state(operator)
    assert wrap["status"] == "wrap_up"
    assert wrap["wrap_up_until"] is not None
    center = server.application.contact_center
    server.clock.advance(29)
    await center.tick()
    assert (await state(operator))["status"] == "wrap_up"
    server.clock.advance(2)
    await center.tick()
    assert (await state(operator))["status"] == "ready"


async def test_break_needs_a_reason_and_not_ready_needs_a_stated_note(server: RunningServer) -> None:
    operator = await server.signed_in("operator2")
    refused = await set_state(operator, "on_break", reason="lunch")
    assert refused.status_code == 409  # not on shift yet
    assert refused.json()["code"] == "illegal_transition"
    await set_state(operator, "ready")
    lunch = await set_state(operator, "on_break", reason="lunch")
    assert (lunch.json()["status"], lunch.json()["reason"]) == ("on_break", "lunch")
    # The desk's break timer runs against the group's allowance for the reason (defaults: lunch 30 min).
    assert lunch.json()["break_limit_s"] == 30 * 60
    no_note = await set_state(operator, "on_break", reason="not_ready")
    assert no_note.status_code == 409
    with_note = await set_state(operator, "on_break", reason="not_ready", note="проверка гарнитуры")
    assert (with_note.json()["reason"], with_note.json()["note"]) == ("not_ready", "проверка гарнитуры")
    assert with_note.json()["break_limit_s"] is None  # no allowance for «не готов»
    bad_code = await set_state(operator, "on_break", reason="Обед!")
    assert bad_code.status_code == 422
    assert bad_code.json()["fields"][0]["path"] == "reason"
    back = await set_state(operator, "ready")
    assert back.json()["status"] == "ready"
    assert back.json()["break_limit_s"] is None


async def test_a_ringing_operator_who_does_not_answer_in_time_loses_the_offer(server: RunningServer) -> None:
    operator = await server.signed_in("operator1")
    queues = await queue_ids(operator)
    await set_state(operator, "ready")
    call_id = await simulator(server).place_call(queues[REFERENCE_QUEUE])
    assert (await state(operator))["status"] == "offered"
    center = server.application.contact_center
    server.clock.advance(21)  # the queue rings 20 s
    await center.tick()
    # Alone in the queue, they get the same caller back once the queue's retry interval (5 s) is over.
    assert (await state(operator))["status"] == "ready"
    server.clock.advance(5)
    await center.tick()
    now = await state(operator)
    assert now["status"] == "offered"
    assert now["offer"]["call_id"] == call_id
    async with server.application.uow_factory() as uow:
        log = await uow.acd.queue_log()
    assert [r.kind.value for r in log if r.call_id == call_id and r.kind.value != "state_change"][:3] == [
        "enter",
        "offer",
        "ring_no_answer",
    ]


async def test_signing_out_ends_the_shift_and_the_state_log_records_every_change(
    server: RunningServer,
) -> None:
    operator = await server.signed_in("operator1")
    await set_state(operator, "ready")
    await set_state(operator, "on_break", reason="break")
    await operator.write("POST", "/api/v1/auth/logout")
    me = (
        await server.client().post(
            "/api/v1/auth/login", json={"login": "operator1", "password": server.passwords["operator1"]}
        )
    ).json()
    user_id = me["user"]["id"]
    async with server.application.uow_factory() as uow:
        log = await uow.acd.state_log(user_id)
    assert [(row.old_status, row.new_status) for row in log] == [
        ("offline", "ready"),
        ("ready", "on_break"),
        ("on_break", "offline"),
    ]


async def test_a_caller_who_hangs_up_while_waiting_enters_the_callback_list(server: RunningServer) -> None:
    senior = await server.signed_in("senior1")
    queues = await queue_ids(senior)
    source = simulator(server)
    call_id = await source.place_call(queues[REFERENCE_QUEUE], caller="+79005550101")
    server.clock.advance(90)  # longer than the 60 s norm
    outcome = await source.caller_hangs_up(call_id)
    kinds = {type(event).__name__ for event in outcome.events}
    assert {"CallAbandoned", "CallbackCreated"} <= kinds
    queue = (await senior.http.get(f"/api/v1/queues/{queues[REFERENCE_QUEUE]}")).json()
    assert (queue["waiting"], queue["callbacks_waiting"]) == (0, 1)
    assert queue["calls"][0]["is_callback"] is True
    async with server.application.uow_factory() as uow:
        log = await uow.acd.queue_log()
    created = [r for r in log if r.kind.value == "callback_created"]
    assert len(created) == 1
    assert created[0].sla_breached


async def test_completed_by_operator_counts_in_the_queue_log(server: RunningServer) -> None:
    operator = await server.signed_in("operator1")
    queues = await queue_ids(operator)
    await set_state(operator, "ready")
    call_id = await simulator(server).place_call(queues[REFERENCE_QUEUE])
    await operator.write("POST", f"/api/v1/operators/me/offers/{call_id}/accept")
    server.clock.advance(45)
    await server.application.contact_center.hang_up(call_id, CompletedBy.OPERATOR)
    async with server.application.uow_factory() as uow:
        log = await uow.acd.queue_log()
    completed = [r for r in log if r.kind.value == "complete_operator"]
    assert len(completed) == 1
    assert completed[0].talk_s == 45


async def test_the_retry_interval_is_a_queue_setting_the_administrator_changes(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    operator = await server.signed_in("operator1")
    queues = await queue_ids(operator)
    queue_id = queues[REFERENCE_QUEUE]
    refused = await admin.write("PATCH", f"/api/v1/admin/queues/{queue_id}", json={"retry_s": -1})
    assert (refused.status_code, refused.json()["fields"][0]["path"]) == (422, "retry_s")
    changed = await admin.write("PATCH", f"/api/v1/admin/queues/{queue_id}", json={"retry_s": 12})
    assert (changed.status_code, changed.json()["retry_s"]) == (200, 12)
    center = server.application.contact_center
    await center.reload()
    await set_state(operator, "ready")
    call_id = await simulator(server).place_call(queue_id)
    assert (await operator.write("POST", f"/api/v1/operators/me/offers/{call_id}/reject")).status_code == 200
    server.clock.advance(11)
    await center.tick()
    assert (await state(operator))["status"] == "ready", "still inside the 12 s the administrator set"
    server.clock.advance(1)
    await center.tick()
    assert (await state(operator))["offer"]["call_id"] == call_id


async def test_a_colleague_reached_by_a_consultation_takes_no_offers_until_it_lets_them_go(
    server: RunningServer,
) -> None:
    center = server.application.contact_center
    colleague = await server.signed_in("operator1")
    queues = await queue_ids(colleague)
    await set_state(colleague, "ready")
    await set_state(colleague, "on_break", reason="lunch")
    user_id = (await state(colleague))["user_id"]
    # On a break: reachable, and left as they are (no offers come anyway).
    assert await center.engage_for(user_id, "first:consult") is False
    assert (await state(colleague))["status"] == "on_break"

    await set_state(colleague, "ready")
    assert await center.engage_for(user_id, "second:consult") is True
    assert ((await state(colleague))["status"], (await state(colleague))["call_id"]) == (
        "on_call",
        "second:consult",
    )
    call_id = await simulator(server).place_call(queues[REFERENCE_QUEUE], caller="+79001234567")
    assert (await state(colleague))["status"] == "on_call"  # the caller waits: not offered to them
    with pytest.raises(Conflict) as busy:
        await center.engage_for(user_id, "third:consult")
    assert busy.value.code == "colleague_busy"

    await center.hang_up("second:consult", CompletedBy.OPERATOR)
    server.clock.advance(1)  # free again at the next tick (no wrap-up), and the waiting caller is theirs
    offered = await until(lambda: state(colleague), lambda view: view["status"] == "offered")
    assert offered["call_id"] == call_id
    with pytest.raises(Conflict) as ringing:
        await center.engage_for(user_id, "fourth:consult")
    assert ringing.value.code == "colleague_busy"
