"""An open chat screen on a real server, both databases: once the device and its request are known, a
poll at the newest message reads nothing from the database and wakes with the operator's answer; what
is held in memory never lets a token or a device through that the database would refuse — a signed-out
token is refused at once, another device's case stays 404."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from tests.integration.citizen.support import registered
from tests.support.server import RunningServer


@contextmanager
def statements(server: RunningServer) -> Iterator[list[str]]:
    """Every SQL statement the server runs meanwhile."""
    seen: list[str] = []
    engine = server.application.uow_factory.engine.sync_engine

    def executed(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(sql)

    event.listen(engine, "before_cursor_execute", executed)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", executed)


def citizen_reads(sql: list[str]) -> list[str]:
    return [s for s in sql if s.lstrip().upper().startswith("SELECT") and "citizen_" in s]


async def test_a_waiting_chat_reads_nothing_and_wakes_with_the_answer(server: RunningServer) -> None:
    app = await registered(server)
    case_id = (await app.create_case(description="Где справка?")).json()["id"]
    first = await app.get(f"/cases/{case_id}/messages", params={"after": 0})
    assert first.status_code == 200
    assert first.json() == []
    operator = await server.signed_in("operator1")

    with statements(server) as sql:
        quiet = await app.get(f"/cases/{case_id}/messages", params={"after": 0, "wait": 0.2})
        assert quiet.status_code == 200
        assert quiet.json() == []
        waiting = asyncio.create_task(app.get(f"/cases/{case_id}/messages", params={"after": 0, "wait": 10}))
        await asyncio.sleep(0.3)
        assert not waiting.done()
        reads_while_waiting = citizen_reads(sql)
        answer = await operator.write("POST", f"/api/v1/cases/{case_id}/chat", json={"text": "Готова"})
        assert answer.status_code == 201, answer.text
        woken = await asyncio.wait_for(waiting, 5)
    assert reads_while_waiting == []  # neither the token, nor the request, nor the conversation
    assert [m["text"] for m in woken.json()] == ["Готова"]
    assert woken.json()[0]["id"] == answer.json()["id"]

    # The next poll starts from the answer: nothing newer, nothing read.
    with statements(server) as sql:
        after = await app.get(
            f"/cases/{case_id}/messages", params={"after": answer.json()["id"], "wait": 0.2}
        )
    assert after.json() == []
    assert citizen_reads(sql) == []
    # From the start, the whole conversation (read from the database).
    assert [m["text"] for m in (await app.get(f"/cases/{case_id}/messages")).json()] == ["Готова"]


async def test_a_signed_out_token_is_refused_at_once(server: RunningServer) -> None:
    app = await registered(server)
    case_id = (await app.create_case(description="Вопрос")).json()["id"]
    assert (await app.get(f"/cases/{case_id}/messages")).status_code == 200  # the token is known now
    waiting = asyncio.create_task(app.get(f"/cases/{case_id}/messages", params={"wait": 10}))
    await asyncio.sleep(0.2)

    out = await app.http.delete(
        "/api/citizen/v1/devices/current", headers={"Authorization": f"Bearer {app.token}"}
    )
    assert out.status_code == 204, out.text
    refused = await app.get(f"/cases/{case_id}/messages")
    assert refused.status_code == 401, refused.text
    assert (await app.get("/cases")).status_code == 401
    again = await app.http.delete(
        "/api/citizen/v1/devices/current", headers={"Authorization": f"Bearer {app.token}"}
    )
    assert again.status_code == 401
    waiting.cancel()

    # The phone registers again: a new device with a new token (requests belong to the device).
    back = await registered(server)
    assert (await back.get("/cases")).status_code == 200


async def test_a_known_device_still_cannot_read_another_devices_chat(server: RunningServer) -> None:
    owner = await registered(server, "+79160000001")
    other = await registered(server, "+79160000002")
    case_id = (await owner.create_case(description="Моё")).json()["id"]
    assert (await owner.get(f"/cases/{case_id}/messages")).status_code == 200
    own_case = (await other.create_case(description="Своё")).json()["id"]
    assert (await other.get(f"/cases/{own_case}/messages")).status_code == 200  # both devices known

    for _ in range(2):  # refused each time, not only until something is remembered
        probe = await other.get(f"/cases/{case_id}/messages", params={"wait": 0.1})
        assert probe.status_code == 404, probe.text
    admin = await server.signed_in("admin")
    trail = await admin.http.get(
        "/api/v1/admin/audit",
        params={"action": "access_refused", "entity": "case", "entity_id": str(case_id)},
    )
    refusals = trail.json()["items"]
    assert len(refusals) == 2
    assert all(e["detail"]["wanted"] == "view_messages" for e in refusals)


async def test_the_chat_as_a_stream_of_events(server: RunningServer) -> None:
    app = await registered(server, "+79160000003")
    other = await registered(server, "+79160000004")
    case_id = (await app.create_case(description="Жду ответа")).json()["id"]
    sent = await app.post(f"/cases/{case_id}/messages", json={"text": "Здравствуйте"})
    operator = await server.signed_in("operator1")
    stream_path = f"/api/citizen/v1/cases/{case_id}/messages/stream"

    refused = await other.http.get(stream_path, headers={"Authorization": f"Bearer {other.token}"})
    assert refused.status_code == 404  # another device's request: refused before a stream opens
    assert (await app.http.get(stream_path)).status_code == 401

    headers = {"Authorization": f"Bearer {app.token}"}
    async with app.http.stream("GET", stream_path, headers=headers, timeout=20) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.aiter_lines()

        async def next_message() -> dict[str, Any]:
            event: dict[str, str] = {}
            async for line in lines:
                if not line and "data" in event:
                    assert event["event"] == "message"
                    found: dict[str, Any] = json.loads(event["data"])
                    assert str(found["id"]) == event["id"]
                    return found
                if ":" in line and not line.startswith(":"):
                    field, value = line.split(":", 1)
                    event[field] = value.strip()
            raise AssertionError("the stream ended")

        first = await asyncio.wait_for(next_message(), 10)
        assert first["id"] == sent.json()["id"]  # what was there before the stream opened
        answer = await operator.write("POST", f"/api/v1/cases/{case_id}/chat", json={"text": "Слушаю"})
        pushed = await asyncio.wait_for(next_message(), 10)
        assert (pushed["id"], pushed["text"], pushed["author"]) == (answer.json()["id"], "Слушаю", "operator")

        # Signed out: the stream ends at its next message, and it cannot be opened again.
        assert (await app.http.delete("/api/citizen/v1/devices/current", headers=headers)).status_code == 204
        await operator.write("POST", f"/api/v1/cases/{case_id}/chat", json={"text": "Ещё"})
        rest = await asyncio.wait_for(_drain(lines), 10)  # the server closed it
        assert not any("Ещё" in line for line in rest)  # without sending it
    assert (await app.http.get(stream_path, headers=headers)).status_code == 401


async def _drain(lines: AsyncIterator[str]) -> list[str]:
    return [line async for line in lines]
