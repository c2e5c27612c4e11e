"""One broadcast to 1,000 connected operators, then 1,000 read marks arriving within one second.

    .venv/bin/python bench/broadcast_delivery.py [--operators 1000]  → bench/results/broadcast_delivery.json

A real server (the whole application on uvicorn, SQLite in a temporary folder, loopback only, its
garbage collector tuned as `c122 serve` tunes it) with `--operators` extra operator accounts in one
group. Signing in is not what is measured here: the setup stores each operator's session the way a
sign-in stores it (a token's hash in `sessions`, the CSRF token bound to it), so the desks start
signed in. The operators' desks run in a process of their own (as in bench/event_fanout.py), so
reading 1,000 sockets does not compete with the server's event loop: each desk holds its event
stream (WebSocket), offers per-message compression as browsers do, and answers the server's pings
from the moment it connects. A senior of the
group sends one broadcast to the group through the API; each
stream's delivery latency is the time its `broadcast.sent` frame was read minus the moment the
server published the event (after the commit of the broadcast and its recipient rows; CLOCK_MONOTONIC
is shared by the two processes), and minus the moment the request was sent; the server side is
timed apart: when the frame was handed to each socket, minus the publish, and the CPU the server's
process spent from the publish to the last hand-off (what the fan-out needs, whatever share of the
shared cores it got). Then every operator
marks it read at once (all requests in flight together); recorded: how long until the last answer,
how many read marks are stored, how many `broadcast.read` events reached the senior's stream, and
how many recipients the senior's list shows read (green). Targets (issue 18): p99 delivery < 200 ms;
all read marks stored and shown.

The two processes talk over the desk process's stdin and stdout, one JSON line per step.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import httpx
import uvloop
from websockets.exceptions import ConnectionClosed

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Acknowledger, percentiles, write_result
from sqlalchemy import func, insert, select
from tests.support import databases
from tests.support.server import running_server

from c122.api.security import CSRF_HEADER, SESSION_COOKIE, csrf_token_for
from c122.cli import tune_garbage_collector
from c122.persistence import tables as t
from c122.realtime import session as event_session
from c122.security.passwords import Argon2PasswordHasher
from c122.services.accounts.service import hash_token

TARGET_P99_MS = 200.0
PASSWORD = "bench-password-1"
GROUP = "Справочная группа"
CONCURRENT_STREAMS = 8
STEP_TIMEOUT_S = 1800.0
SIGN_IN_ATTEMPTS = 10
CONNECT_ATTEMPTS = 5
SHOWN_TIMEOUT_S = 60.0
WEB_CLIENT_ACK_DELAY_MS = 250.0  # web/src/shared/events/stream.ts


# --- both sides -----------------------------------------------------------------------------------


async def sign_in(base_url: str, login: str, password: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base_url, timeout=120)
    for _attempt in range(SIGN_IN_ATTEMPTS):
        response = await client.post("/api/v1/auth/login", json={"login": login, "password": password})
        # SQLite answers concurrent sign-ins with "database is locked" now and then (503 with
        # retry_after); a desk tries again as the answer says.
        if response.status_code != 503:
            break
        await asyncio.sleep(float(response.json().get("retry_after", 1)))
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


async def open_stream(ws_url: str, client: httpx.AsyncClient, resume: str = "") -> Any:
    """The stream's socket, its `ready` message read (`resume`: `?stream=…&after=…`)."""
    from websockets.asyncio.client import connect

    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    socket = await connect(
        ws_url + resume,
        additional_headers={"Cookie": cookie},
        open_timeout=120,
        ping_interval=None,  # compression offered, as browsers offer it: the server decides
    )
    ready = json.loads(await socket.recv())
    if ready["kind"] == "error" and ready["code"] == "snapshot_failed":
        await socket.close()
        raise SnapshotFailed(ready["message"])  # the protocol says: retry later
    assert ready["kind"] == "ready", ready
    socket.stream_id = ready["stream"]
    return socket


class SnapshotFailed(Exception):
    """The server could not build the stream's snapshot (a busy database); a desk connects again."""


# --- the operators' desks (their own process) -----------------------------------------------------


class Desk:
    """One operator: signed in, reading its stream all the time, noting when the broadcast came."""

    def __init__(self, client: httpx.AsyncClient, socket: Any, ws_url: str, ack_delay_s: float) -> None:
        self.client = client
        self.socket = socket
        self.ack_delay_s = ack_delay_s
        self.ws_url = ws_url
        self.last_id = 0
        self.reconnects = 0
        self.broadcast_at: float | None = None
        self.arrived = asyncio.Event()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        while True:
            acks = Acknowledger(self.socket, self.ack_delay_s)
            with contextlib.suppress(ConnectionClosed):
                async for frame in self.socket:
                    read_at = time.monotonic()
                    message = json.loads(frame)
                    if message["kind"] == "ping":
                        await self.socket.send('{"kind":"pong"}')
                    elif message["kind"] == "event":
                        self.last_id = message["id"]
                        await acks.received(message["id"])
                        if message["type"] == "broadcast.sent" and self.broadcast_at is None:
                            self.broadcast_at = read_at
                            self.arrived.set()
            # The server closed the stream (on a host this loaded a desk may miss its pongs): resume
            # it where it was acknowledged, as the web client does; nothing published is lost.
            self.reconnects += 1
            self.socket = await open_stream(
                self.ws_url, self.client, f"?stream={self.socket.stream_id}&after={self.last_id}"
            )


def say(progress: str) -> None:
    print(progress, file=sys.stderr, flush=True)


def tell(step: dict[str, Any]) -> None:
    print(json.dumps(step), flush=True)


async def desks_process(base_url: str, ws_url: str, ack_delay_ms: float) -> None:
    lines = asyncio.StreamReader(limit=2**24)
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(lines), sys.stdin)
    signed_in: list[list[str]] = json.loads(await lines.readline())["sessions"]  # [token, csrf] each

    def client_of(token: str, csrf: str) -> httpx.AsyncClient:
        client = httpx.AsyncClient(base_url=base_url, timeout=120)
        client.cookies.set(SESSION_COOKIE, token)
        client.headers[CSRF_HEADER] = csrf
        return client

    opened: list[Desk] = []
    streams_gate = asyncio.Semaphore(CONCURRENT_STREAMS)

    async def desk(client: httpx.AsyncClient) -> Desk:
        async with streams_gate:
            for attempt in range(CONNECT_ATTEMPTS):
                try:
                    socket = await open_stream(ws_url, client)
                    break
                # A loaded host refuses a connection or fails a snapshot now and then: once more.
                except (OSError, SnapshotFailed):
                    if attempt == CONNECT_ATTEMPTS - 1:
                        raise
                    await asyncio.sleep(1)
            opened.append(Desk(client, socket, ws_url, ack_delay_ms / 1000))
            if len(opened) % 100 == 0:
                print(f"{len(opened)} desks connected", file=sys.stderr, flush=True)
            return opened[-1]

    started = time.monotonic()
    clients = [client_of(token, csrf) for token, csrf in signed_in]
    desks = await asyncio.gather(*(desk(client) for client in clients))
    tell({"step": "connected", "desks": len(desks), "connect_s": round(time.monotonic() - started, 2)})

    await asyncio.wait_for(asyncio.gather(*(d.arrived.wait() for d in desks)), STEP_TIMEOUT_S)
    tell(
        {
            "step": "received",
            "at": [d.broadcast_at for d in desks],
            "reconnects": sum(d.reconnects for d in desks),
        }
    )

    command = json.loads(await lines.readline())
    url = f"/api/v1/broadcasts/{command['broadcast_id']}/read"
    marked_at = time.monotonic()
    answers = await asyncio.gather(*(d.client.post(url) for d in desks))
    first_answers = [a.status_code for a in answers]
    for _attempt in range(SIGN_IN_ATTEMPTS):  # a 503 says when to try again, as the web client does
        waiting = [(d, a) for d, a in zip(desks, answers, strict=True) if a.status_code == 503]
        if not waiting:
            break
        await asyncio.sleep(max(float(a.json().get("retry_after", 1)) for _d, a in waiting))
        retried = await asyncio.gather(*(d.client.post(url) for d, _a in waiting))
        again = dict(zip((id(d) for d, _a in waiting), retried, strict=True))
        answers = [again.get(id(d), a) for d, a in zip(desks, answers, strict=True)]
    tell(
        {
            "step": "marked",
            "started_at": marked_at,
            "done_at": time.monotonic(),
            "first_answers": {str(code): first_answers.count(code) for code in set(first_answers)},
            "refused": sum(1 for a in answers if a.status_code != 204),
        }
    )
    await lines.readline()  # the measurement is over
    for d in desks:
        d.reader.cancel()
        await d.socket.close()
        await d.client.aclose()


# --- the server and the senior (this process) ---------------------------------------------------


async def add_operators(
    engine: Any, group_id: int, count: int, now: Any, secret: str
) -> list[tuple[str, str]]:
    """`count` operators of the group, each signed in: a session stored as a sign-in stores it.
    Returns each one's session token and CSRF token."""
    password_hash = Argon2PasswordHasher(time_cost=1, memory_kib=1024).hash(PASSWORD)
    logins = [f"bench{n:04d}" for n in range(count)]
    signed_in = []
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
            token = secrets.token_urlsafe(32)
            await connection.execute(
                insert(t.sessions).values(
                    token_hash=hash_token(token),
                    user_id=user_id,
                    created_at=now,
                    last_seen_at=now,
                    source="127.0.0.1",
                )
            )
            signed_in.append((token, csrf_token_for(secret, token)))
    return signed_in


def time_handoffs() -> list[tuple[float, float]]:
    """When each `broadcast.sent` frame is handed to its socket, and the process's CPU seconds then:
    the server's side of a delivery."""
    handed: list[tuple[float, float]] = []
    send = event_session._Connection.send

    async def timed(self: Any, text: str) -> bool:
        sent = await send(self, text)
        if '"type":"broadcast.sent"' in text:
            handed.append((time.monotonic(), time.process_time()))
        return sent

    event_session._Connection.send = timed  # type: ignore[method-assign]
    return handed


async def wait_for(socket: Any, event_type: str, count: int, times: list[float]) -> None:
    """Reads until `count` events of the type arrived, noting in `times` when each was read."""
    while len(times) < count:
        message = json.loads(await socket.recv())
        if message["kind"] == "event" and message["type"] == event_type:
            times.append(time.monotonic())
        elif message["kind"] == "ping":
            await socket.send('{"kind":"pong"}')


class DeskProcess:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(
        cls, base_url: str, ws_url: str, signed_in: list[tuple[str, str]], ack_delay_ms: float
    ) -> DeskProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            *("--desks-for", base_url, ws_url, "--ack-delay-ms", str(ack_delay_ms)),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**24,
        )
        desks = cls(process)
        desks.send({"sessions": signed_in})
        return desks

    async def step(self, name: str) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), STEP_TIMEOUT_S)
        if not line:
            raise RuntimeError(f"the desk process ended before «{name}» (exit {await self.process.wait()})")
        reply: dict[str, Any] = json.loads(line)
        assert reply["step"] == name, reply
        return reply

    def send(self, command: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command).encode() + b"\n")


async def run(operators: int, ack_delay_ms: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        template = await databases.create_sqlite_template(Path(folder))
        url = databases.copy_sqlite(template, Path(folder))
        async with running_server(url, event_queue_limit=10_000) as server:
            tune_garbage_collector()  # as `c122 serve` does before the desks connect
            admin = await sign_in(server.base_url, "admin", server.passwords["admin"])
            groups = (await admin.get("/api/v1/admin/groups", params={"limit": 100})).json()["items"]
            group_id = next(g["id"] for g in groups if g["name"] == GROUP)
            signed_in = await add_operators(
                server.application.uow_factory.engine,
                group_id,
                operators,
                server.clock.now(),
                server.application.settings.secret_key,
            )
            # signed in before a thousand streams open and keep the host busy
            senior = await sign_in(server.base_url, "senior1", server.passwords["senior1"])
            desks = await DeskProcess.start(server.base_url, server.ws_url, signed_in, ack_delay_ms)
            connected = await desks.step("connected")
            senior_stream = await open_stream(server.ws_url, senior)
            # The web framework builds a router's request handling at its first request (seconds on
            # a loaded machine): a list of the same router first, so the broadcast meets a warm one.
            assert (await senior.get("/api/v1/broadcasts/sent")).status_code == 200
            handed = time_handoffs()
            published: dict[str, float] = {}
            cpu_at_publish: dict[str, float] = {}

            def note_publish(event: Any) -> None:
                published.setdefault(event.type, time.monotonic())
                cpu_at_publish.setdefault(event.type, time.process_time())

            server.application.bus.subscribe(note_publish)

            # One broadcast to the whole group.
            requested_at = time.monotonic()
            sent = await senior.post(
                "/api/v1/broadcasts", json={"text": "Проверка рассылки", "group_id": group_id}
            )
            answered_at = time.monotonic()
            assert sent.status_code == 201, sent.text
            say(f"broadcast sent in {answered_at - requested_at:.2f} s")
            arrival = await desks.step("received")
            received = arrival["at"]
            say("every desk received it; read marks next")
            from_publish = [(at - published["broadcast.sent"]) * 1000 for at in received]
            from_request = [(at - requested_at) * 1000 for at in received]
            server_side = [(at - published["broadcast.sent"]) * 1000 for at, _cpu in handed]
            # CPU this process spent from the publish to the last hand-off (the server's fan-out,
            # whatever share of the cores the host gave it)
            fanout_cpu_ms = (max(cpu for _at, cpu in handed) - cpu_at_publish["broadcast.sent"]) * 1000
            broadcast_id = sent.json()["id"]
            reconnects = arrival["reconnects"]
            recipients = len(sent.json()["recipients"])

            # Every operator marks it read, all at once.
            shown_times: list[float] = []
            shown = asyncio.create_task(wait_for(senior_stream, "broadcast.read", operators, shown_times))
            desks.send({"broadcast_id": broadcast_id})
            marked = await desks.step("marked")
            say(f"read marks answered ({marked['refused']} refused after retries)")
            with contextlib.suppress(TimeoutError):  # a refused mark has no event: wait for the others
                await asyncio.wait_for(shown, SHOWN_TIMEOUT_S if marked["refused"] else STEP_TIMEOUT_S)
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

            desks.send({"done": True})
            await desks.process.wait()
            await senior_stream.close()
            for closing in (senior, admin):
                await closing.aclose()
    delivery = percentiles(from_publish)
    read_marks = {
        "sent": operators,
        "first_answers": marked["first_answers"],
        "refused_after_retries": marked["refused"],
        "all_answered_s": round(marked["done_at"] - marked["started_at"], 3),
        "stored": stored,
        "events_on_senior_stream": len(shown_times),
        "last_shown_s": round(shown_times[-1] - marked["started_at"], 3) if shown_times else None,
        "green_in_senior_list": green,
    }
    return {
        "database": "sqlite",
        "desks": "own process",
        "desks_ack_delay_ms": ack_delay_ms,
        "server_gc": "tuned as c122 serve (gc.freeze, threshold 50,000)",
        "operators_connected": connected["desks"],
        "connect_all_s": connected["connect_s"],
        "recipients": recipients,
        "stream_reconnects_before_delivery": reconnects,
        "broadcast_request_ms": round((answered_at - requested_at) * 1000, 3),
        "delivery_from_publish": delivery,
        "delivery_from_request": percentiles(from_request),
        "handed_to_sockets_from_publish": percentiles(server_side),
        "server_cpu_ms_publish_to_last_handoff": round(fanout_cpu_ms, 1),
        "read_marks": read_marks,
        "target_p99_ms": TARGET_P99_MS,
        "met": delivery["p99_ms"] < TARGET_P99_MS
        and stored >= operators
        and len(shown_times) == operators
        and green >= operators,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--operators", type=int, default=1000)
    parser.add_argument(
        "--result", default="broadcast_delivery", help="the result's name in bench/results (side by side)"
    )
    parser.add_argument(
        "--ack-delay-ms",
        type=float,
        default=WEB_CLIENT_ACK_DELAY_MS,
        help="the desks acknowledge as the web client does; 0: every event at once (the client before)",
    )
    parser.add_argument("--desks-for", nargs=2, metavar=("BASE_URL", "WS_URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.desks_for is not None:
        try:
            uvloop.run(desks_process(*args.desks_for, args.ack_delay_ms))
        except Exception:
            traceback.print_exc()
            os._exit(1)  # the open sockets' tasks must not keep a failed run waiting
        return
    load_before = os.getloadavg()[0]
    figures = uvloop.run(run(args.operators, args.ack_delay_ms))
    # other work on the shared machine skews the figures; the 1-minute load average says how much
    load = {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)}
    path = write_result(args.result, {"command": " ".join(sys.argv), **figures, "load_average_1m": load})
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
