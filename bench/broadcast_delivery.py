"""One broadcast to 1,000 connected operators, then 1,000 read marks arriving within one second.

    .venv/bin/python bench/broadcast_delivery.py [--operators 1000]  → bench/results/broadcast_delivery.json

A real server (the whole application on uvicorn, SQLite in a temporary folder, loopback only) with
`--operators` extra operator accounts in one group, each signed in and holding its own event stream
(WebSocket). A senior of the group sends one broadcast to the group through the API; each stream's
delivery latency is the time its `broadcast.sent` frame was read minus the moment the server
published the event (after the commit of the broadcast and its recipient rows), and minus the moment
the request was sent. Then every operator marks it read at once (all requests in flight together);
recorded: how long until the last answer, how many read marks are stored, and how many
`broadcast.read` events reached the senior's stream (what their list shows in green).
The clients run in the same process as the server, on the same two cores: the figures include
their own reading of 1,000 sockets. Targets (issue 18): p99 delivery < 200 ms; all 1,000 read marks
stored and shown.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentiles, write_result
from sqlalchemy import func, insert, select
from tests.support import databases
from tests.support.server import running_server

from c122.persistence import tables as t
from c122.security.passwords import Argon2PasswordHasher

TARGET_P99_MS = 200.0
PASSWORD = "bench-password-1"
GROUP = "Справочная группа"
CONCURRENT_LOGINS = 4


async def add_operators(engine: Any, group_id: int, count: int) -> list[str]:
    password_hash = Argon2PasswordHasher(time_cost=1, memory_kib=1024).hash(PASSWORD)
    logins = [f"bench{n:04d}" for n in range(count)]
    async with engine.begin() as connection:
        for login in logins:
            user_id = (
                await connection.execute(
                    insert(t.users)
                    .values(
                        login=login,
                        full_name=f"Оператор {login}",
                        role="operator",
                        enabled=True,
                        password_hash=password_hash,
                        search_text=login,
                    )
                    .returning(t.users.c.id)
                )
            ).scalar_one()
            await connection.execute(insert(t.user_groups).values(user_id=user_id, group_id=group_id))
    return logins


async def sign_in(base_url: str, login: str, password: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base_url, timeout=60)
    response = await client.post("/api/v1/auth/login", json={"login": login, "password": password})
    if response.status_code == 500:  # SQLite "database is locked" under concurrent sign-ins: once more
        response = await client.post("/api/v1/auth/login", json={"login": login, "password": password})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


async def open_stream(ws_url: str, client: httpx.AsyncClient) -> Any:
    from websockets.asyncio.client import connect

    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    socket = await connect(
        ws_url, additional_headers={"Cookie": cookie}, open_timeout=120, compression=None, ping_interval=None
    )
    ready = json.loads(await socket.recv())
    assert ready["kind"] == "ready", ready
    return socket


async def wait_for(socket: Any, event_type: str, count: int = 1) -> list[float]:
    """Reads until `count` events of the type arrived; returns when each was read."""
    times: list[float] = []
    while len(times) < count:
        message = json.loads(await socket.recv())
        if message["kind"] == "event" and message["type"] == event_type:
            times.append(time.monotonic())
        elif message["kind"] == "ping":
            await socket.send('{"kind":"pong"}')
    return times


async def run(operators: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        template = await databases.create_sqlite_template(Path(folder))
        url = databases.copy_sqlite(template, Path(folder))
        async with running_server(url, event_queue_limit=10_000) as server:
            admin = await sign_in(server.base_url, "admin", server.passwords["admin"])
            groups = (await admin.get("/api/v1/admin/groups", params={"limit": 100})).json()["items"]
            group_id = next(g["id"] for g in groups if g["name"] == GROUP)
            logins = await add_operators(server.application.uow_factory.engine, group_id, operators)
            gate = asyncio.Semaphore(CONCURRENT_LOGINS)

            async def desk(login: str) -> tuple[httpx.AsyncClient, Any]:
                async with gate:
                    client = await sign_in(server.base_url, login, PASSWORD)
                    return client, await open_stream(server.ws_url, client)

            desks = await asyncio.gather(*(desk(login) for login in logins))
            senior = await sign_in(server.base_url, "senior1", server.passwords["senior1"])
            senior_stream = await open_stream(server.ws_url, senior)
            published: dict[str, float] = {}
            server.application.bus.subscribe(lambda event: published.setdefault(event.type, time.monotonic()))

            # One broadcast to the whole group.
            arrivals = [asyncio.create_task(wait_for(socket, "broadcast.sent")) for _, socket in desks]
            requested_at = time.monotonic()
            sent = await senior.post(
                "/api/v1/broadcasts", json={"text": "Проверка рассылки", "group_id": group_id}
            )
            answered_at = time.monotonic()
            assert sent.status_code == 201, sent.text
            received = [times[0] for times in await asyncio.gather(*arrivals)]
            from_publish = [(at - published["broadcast.sent"]) * 1000 for at in received]
            from_request = [(at - requested_at) * 1000 for at in received]
            broadcast_id = sent.json()["id"]
            recipients = len(sent.json()["recipients"])

            # Every operator marks it read, all at once.
            shown = asyncio.create_task(wait_for(senior_stream, "broadcast.read", operators))
            started = time.monotonic()
            answers = await asyncio.gather(
                *(client.post(f"/api/v1/broadcasts/{broadcast_id}/read") for client, _ in desks)
            )
            marks_done_s = time.monotonic() - started
            refused = sum(1 for answer in answers if answer.status_code != 204)
            shown_times = await asyncio.wait_for(shown, 60)
            shown_s = shown_times[-1] - started
            async with server.application.uow_factory.engine.connect() as connection:
                stored = (
                    await connection.execute(
                        select(func.count())
                        .select_from(t.messages.broadcast_recipients)
                        .where(
                            t.messages.broadcast_recipients.c.broadcast_id == broadcast_id,
                            t.messages.broadcast_recipients.c.read_at.is_not(None),
                        )
                    )
                ).scalar_one()
            listed = (await senior.get("/api/v1/broadcasts/sent")).json()
            green = sum(1 for r in listed[0]["recipients"] if r["read_at"] is not None)

            for client, socket in desks:
                await socket.close()
                await client.aclose()
            await senior_stream.close()
            for closing in (senior, admin):
                await closing.aclose()
    delivery = percentiles(from_publish)
    return {
        "database": "sqlite",
        "operators_connected": operators,
        "recipients": recipients,
        "broadcast_request_ms": round((answered_at - requested_at) * 1000, 3),
        "delivery_from_publish": delivery,
        "delivery_from_request": percentiles(from_request),
        "read_marks": {
            "sent": operators,
            "refused": refused,
            "all_answered_s": round(marks_done_s, 3),
            "stored": stored,
            "events_on_senior_stream": len(shown_times),
            "last_shown_s": round(shown_s, 3),
            "green_in_senior_list": green,
        },
        "target_p99_ms": TARGET_P99_MS,
        "met": delivery["p99_ms"] < TARGET_P99_MS and stored >= operators and len(shown_times) == operators,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--operators", type=int, default=1000)
    args = parser.parse_args()
    figures = uvloop.run(run(args.operators))
    path = write_result("broadcast_delivery", {"command": " ".join(sys.argv), **figures})
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
