"""Zone 4 and the event stream: presence, scoping by group, resume, snapshot + events == fresh snapshot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from tests.integration.messages.test_messages import group_ids
from tests.support.server import RunningServer

from c122.domain.cases import CallFacts, HandoverKind
from c122.domain.users import Actor, Role
from c122.reports.tables import FileTableWriters
from c122.services.exports.ports import ExportColumn, ExportHeader, ExportSpec
from c122.services.exports.service import ExportJobs


def _online(presence: dict[str, Any]) -> list[str]:
    return sorted(entry["login"] for entry in presence["operators_online"])


def _apply(presence: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """What a desktop does with `operator.presence_changed`: upsert or remove the operator."""
    operator = event["data"]["operator"]
    others = [e for e in presence["operators_online"] if e["user_id"] != operator["user_id"]]
    if event["data"]["online"]:
        others.append(operator)
    return {**presence, "operators_online": sorted(others, key=lambda e: (e["full_name"], e["user_id"]))}


async def test_operator_sees_a_colleague_come_online_and_leave(server: RunningServer) -> None:
    operator1 = await server.signed_in("operator1")
    async with operator1.events() as stream:
        ready = await stream.receive()
        assert ready["kind"] == "ready"
        assert _online(ready["snapshot"]["presence"]) == ["operator1"]
        operator2 = await server.signed_in("operator2")
        came = await stream.next_event("operator.presence_changed")
        assert (came["data"]["operator"]["login"], came["data"]["online"]) == ("operator2", True)
        await operator2.write("POST", "/api/v1/auth/logout")
        left = await stream.next_event("operator.presence_changed")
        assert (left["data"]["operator"]["login"], left["data"]["online"]) == ("operator2", False)
        assert left["id"] > came["id"]


async def test_operators_of_other_groups_are_invisible(server: RunningServer) -> None:
    operator5 = await server.signed_in("operator5")  # vaccination group only
    async with operator5.events() as stream:
        await stream.receive()
        await server.signed_in("operator1")  # reference group
        await server.signed_in("operator4")  # not in the vaccination group either
        presence = (await operator5.http.get("/api/v1/presence")).json()
        assert _online(presence) == ["operator5"]
        await operator5.write("POST", "/api/v1/auth/logout")
        # Nothing about operator1 or operator4 reached this stream before it was closed.
        while True:
            message = await stream.receive()
            if message["kind"] == "closed":
                break
            if message["kind"] == "event":
                assert message["data"].get("operator", {}).get("login") not in {"operator1", "operator4"}


async def test_snapshot_plus_events_equals_a_fresh_snapshot(server: RunningServer) -> None:
    senior = await server.signed_in("senior1")
    async with senior.events() as stream:
        ready = await stream.receive()
        presence = ready["snapshot"]["presence"]
        op1 = await server.signed_in("operator1")
        await server.signed_in("operator3")
        await server.signed_in("operator5")  # another group: no event for the senior
        await op1.write("POST", "/api/v1/auth/logout")
        await server.signed_in("operator2")
        for _ in range(4):
            presence = _apply(presence, await stream.next_event("operator.presence_changed"))
    fresh = (await senior.http.get("/api/v1/presence")).json()
    assert presence == fresh
    assert _online(fresh) == ["operator2", "operator3", "senior1"]


async def test_senior_forces_out_an_operator_of_their_group_only(server: RunningServer) -> None:
    senior = await server.signed_in("senior1")
    operator1 = await server.signed_in("operator1")
    operator5 = await server.signed_in("operator5")
    ids = {
        e["login"]: e["user_id"]
        for e in (await senior.http.get("/api/v1/presence")).json()["operators_online"]
    }
    async with operator1.events() as stream:
        await stream.receive()
        done = await senior.write("POST", f"/api/v1/operators/{ids['operator1']}/force-logout")
        assert done.json() == {"sessions_closed": 1}
        closed = await stream.receive()
    assert closed["kind"] == "closed"
    assert (await operator1.http.get("/api/v1/me")).json()["code"] == "forced_logout"
    operator5_id = (await operator5.http.get("/api/v1/me")).json()["id"]
    refused = await senior.write("POST", f"/api/v1/operators/{operator5_id}/force-logout")
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert (await operator5.http.get("/api/v1/me")).status_code == 200


async def test_operator_cannot_force_out_a_colleague(server: RunningServer) -> None:
    operator1 = await server.signed_in("operator1")
    operator2 = await server.signed_in("operator2")
    target = (await operator2.http.get("/api/v1/me")).json()["id"]
    refused = await operator1.write("POST", f"/api/v1/operators/{target}/force-logout")
    assert refused.status_code == 403


async def test_a_reconnecting_desktop_resumes_and_gets_what_it_missed(server: RunningServer) -> None:
    operator1 = await server.signed_in("operator1")
    async with operator1.events() as stream:
        ready = await stream.receive()
        await server.signed_in("operator2")
        first = await stream.next_event("operator.presence_changed")
        await stream.ack(first["id"])
    await server.signed_in("operator4")  # happens while disconnected
    async with operator1.events(f"?stream={ready['stream']}&after={first['id']}") as stream:
        resumed = await stream.receive()
        missed = await stream.next_event("operator.presence_changed")
    assert (resumed["kind"], resumed["resumed"], resumed["snapshot"]) == ("ready", True, None)
    assert missed["data"]["operator"]["login"] == "operator4"
    assert missed["id"] == first["id"] + 1


async def test_an_unknown_stream_is_told_to_start_afresh(server: RunningServer) -> None:
    operator1 = await server.signed_in("operator1")
    async with operator1.events("?stream=does-not-exist&after=7") as stream:
        ready = await stream.receive()
    assert (ready["resumed"], _online(ready["snapshot"]["presence"])) == (False, ["operator1"])


async def test_event_stream_without_a_session_is_refused_with_a_reason(server: RunningServer) -> None:
    from websockets.asyncio.client import connect

    async with connect(server.ws_url) as socket:
        import json

        message = json.loads(await socket.recv())
    assert message["kind"] == "closed"
    assert "not_authenticated" in message["message"]


async def test_event_stream_from_another_site_is_refused(server: RunningServer) -> None:
    from websockets.asyncio.client import connect

    desk = await server.signed_in("operator1")
    cookie = "; ".join(f"{k}={v}" for k, v in desk.http.cookies.items())
    headers = {"Cookie": cookie, "Origin": "https://evil.example"}
    async with connect(server.ws_url, additional_headers=headers) as socket:
        import json

        message = json.loads(await socket.recv())
    assert message["kind"] == "closed"
    assert "forbidden_origin" in message["message"]


CALL_FLOW_EVENTS = {
    "call.connected",
    "call.ended",
    "call.hold_changed",
    "call.consultation_changed",
    "operator.call_held",
    # conferences need real calls: tests/integration/call_flow/test_conference.py checks them
    "conference.changed",
    "conference.levels",
}
# A senior on a call needs real calls too (tests/integration/call_flow/test_monitoring.py).
MONITORING_EVENTS = {"monitoring.started", "monitoring.mode_changed", "monitoring.ended"}
# An SMS needs a gateway: tests/integration/channels/test_sms_kannel.py checks each one it sees.
SMS_EVENTS = {"sms.changed"}
# Chats need a text queue: tests/integration/intake/test_text_routing.py checks each one it sees.
TEXT_ROUTING_EVENTS = {"chat.desk"}


async def test_every_published_event_matches_its_documented_schema(
    server: RunningServer, tmp_path: Path
) -> None:
    from c122.api.schemas.events import EVENT_PAYLOADS

    seen: list[tuple[str, dict[str, Any]]] = []
    server.application.bus.subscribe(lambda event: seen.append((event.type, dict(event.data))))
    admin = await server.signed_in("admin")
    await admin.write("POST", "/api/v1/admin/services", json={"name": "Схема"})
    operator = await server.signed_in("operator1")
    await server.signed_in("operator1")
    await operator.write("POST", "/api/v1/auth/logout")
    seen.append(("health.changed", (await server.application.context.health.check()).as_data()))
    await _call_distribution_events(server)
    await _case_events(server)
    await _message_events(server)
    await _export_events(server, tmp_path)
    await _chat_events(server)
    # The conversation's events need real calls: tests/integration/call_flow checks each one it sees.
    assert {event_type for event_type, _ in seen} == set(
        EVENT_PAYLOADS
    ) - CALL_FLOW_EVENTS - MONITORING_EVENTS - SMS_EVENTS - TEXT_ROUTING_EVENTS
    for event_type, data in seen:
        EVENT_PAYLOADS[event_type].model_validate(data)


async def _chat_events(server: RunningServer) -> None:
    """A citizen's message on their app request."""
    from tests.integration.citizen.support import registered

    app = await registered(server)
    case_id = (await app.create_case(description="схема")).json()["id"]
    assert (await app.post(f"/cases/{case_id}/messages", json={"text": "Здравствуйте"})).status_code == 201


async def _call_distribution_events(server: RunningServer) -> None:
    """A shift with a long call and a break: every event type of the call distribution once."""
    from c122.domain.acd import CompletedBy
    from c122.services.contact_center.simulator import SimulatedCallSource
    from c122.services.supervision.ports import CaseInWork

    queue_updated = asyncio.Event()  # queue snapshots are published a moment after the change
    server.application.bus.subscribe(
        lambda event: queue_updated.set() if event.type == "queue.updated" else None
    )
    operator = await server.signed_in("operator2")
    await operator.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
    queue_id = (await operator.http.get("/api/v1/queues")).json()["items"][0]["id"]
    source = SimulatedCallSource(server.application.contact_center, prefix="schema")
    source.act_for_callers = False
    call_id = await source.place_call(queue_id)
    await operator.write("POST", f"/api/v1/operators/me/offers/{call_id}/accept")
    raised = await operator.write("POST", "/api/v1/help-requests")  # help_request.changed
    assert raised.status_code == 201, raised.text
    center = server.application.contact_center
    # the card in work (operator.case_changed), as the cases feature announces it to the distribution
    center.call_case(call_id, CaseInWork(1, "Дек06_Справочная информация_001", 1, "Справочная информация"))
    server.clock.advance(7300)  # past two hours of continuous work: a break is suggested
    await center.tick()
    await center.hang_up(call_id, CompletedBy.OPERATOR)
    await operator.write("PUT", "/api/v1/operators/me/state", json={"status": "on_break", "reason": "break"})
    server.clock.advance(500)
    await operator.write("POST", "/api/v1/operators/me/activity")
    server.clock.advance(450)  # the 15-minute break has run out
    await center.tick()
    await asyncio.wait_for(queue_updated.wait(), 5)


async def _message_events(server: RunningServer) -> None:
    """A message and a broadcast, each marked read, and a notice pinned and taken down: `message.*`,
    `broadcast.*` and `board.*`."""
    operator = await server.signed_in("operator4")
    senior = await server.signed_in("senior1")
    senior_id = (await senior.http.get("/api/v1/me")).json()["id"]
    sent = await operator.write("POST", f"/api/v1/conversations/{senior_id}", json={"text": "Вопрос"})
    assert (await senior.write("POST", f"/api/v1/messages/{sent.json()['id']}/read")).status_code == 200
    broadcast = await senior.write("POST", "/api/v1/broadcasts", json={"text": "Всем", "everyone": True})
    read = await operator.write("POST", f"/api/v1/broadcasts/{broadcast.json()['id']}/read")
    assert read.status_code == 204, read.text
    group = (await group_ids(server))["Справочная группа"]
    pinned = await senior.write("POST", "/api/v1/board", json={"text": "Доска", "group_ids": [group]})
    assert pinned.status_code == 201, pinned.text  # board.notice_pinned
    unpinned = await senior.write("DELETE", f"/api/v1/board/{pinned.json()['id']}")
    assert unpinned.status_code == 204, unpinned.text  # board.notice_removed


async def _export_events(server: RunningServer, folder: Path) -> None:
    """A background export (`export.progress`): the journal's own run as a job only past 5,000 rows, so
    the same export service runs here with no rows answered at once, publishing on the server's bus."""
    jobs = ExportJobs(FileTableWriters(), folder, server.application.bus, server.clock, sync_limit=0)
    spec = ExportSpec(
        format="csv",
        filename="calls",
        header=ExportHeader(title="Журнал звонков", lines=()),
        columns=(ExportColumn("Номер"),),
        expected_rows=1,
    )
    finished = asyncio.Event()
    server.application.bus.subscribe(
        lambda event: (
            finished.set()
            if event.type == "export.progress" and event.data["status"] != "in_progress"
            else None
        )
    )

    async def rows() -> AsyncIterator[list[list[str]]]:
        yield [["+79990001122"]]

    await jobs.export(Actor(user_id=1, role=Role.ADMIN, group_ids=frozenset()), spec, rows())
    await asyncio.wait_for(finished.wait(), 10)


async def _case_events(server: RunningServer) -> None:
    """A card created by hand and taken into work: `case.created` and `case.updated`; a call's card put
    through to a colleague: `case.handed_over`."""
    operator = await server.signed_in("operator1")
    types = (await (await server.signed_in("admin")).http.get("/api/v1/admin/case-types")).json()["items"]
    created = await operator.write("POST", "/api/v1/cases", json={"type_id": types[0]["id"]})
    assert created.status_code == 201, created.text
    case_id = created.json()["case"]["id"]
    taken = await operator.write("PUT", f"/api/v1/cases/{case_id}/status", json={"status": "in_work"})
    assert taken.status_code == 200, taken.text
    calls = server.application.context.cases.calls
    await calls.create_case_for_call(
        caller="+79161234567", type_id=types[0]["id"], call_id="c-live", group_id=None
    )
    facts = CallFacts("+79161234567", "+78001220122", "Служба 122")
    await calls.call_taken("c-live", 1, kind=HandoverKind.ANSWERED)
    await calls.call_taken("c-live", 2, kind=HandoverKind.BLIND, from_user_id=1, call=facts)


async def test_the_stream_declines_per_message_compression_a_browser_offers(server: RunningServer) -> None:
    """Compression is per connection: each event would be deflated once per open stream."""
    operator1 = await server.signed_in("operator1")
    async with operator1.events() as stream:  # the client offers permessage-deflate, as browsers do
        assert (await stream.receive())["kind"] == "ready"
        assert stream.socket.protocol.extensions == []
        offered = stream.socket.request
        assert offered is not None
        assert "permessage-deflate" in offered.headers["Sec-WebSocket-Extensions"]
