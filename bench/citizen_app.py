"""The citizen app's connections on one node: many devices with their chat screens open while an
operator answers, and photo uploads.

    .venv/bin/python bench/citizen_app.py [--devices 2000] [--messages 400] [--rate 40]
                                          [--uploads 200] [--upload-concurrency 16] [--budget 60]
                                          [--modes stream,poll]

The server runs in a child process (the real application on a SQLite file, its citizen rate limits
raised for one loopback address carrying every device); it registers `--devices` devices and a request
each through the citizen service, then listens (`C122_BENCH_PROFILE=<file>` runs it under cProfile).
For each of `--modes` in turn, this process opens every device's chat screen — `stream`: one
server-sent events connection each; `poll`: a long poll asked again after each answer — waits until
all have read their conversation, and an operator answers random requests at `--rate` per second
through the desk's API. A message's end-to-end time is from the operator's POST leaving here to the
screen receiving it here. Then `--uploads` photos (a 640x480 JPEG, sent as the app sends it) go up
with `--upload-concurrency` in flight: uploads per second and MB per second.

Bounded in time: answers are sent for at most `--budget` seconds, screens get four times that to open,
uploads wait at most twice that. The open files limit is raised inside the run when the soft one is
below what 2 x devices need.

Target (issue 21): message p99 < 100 ms with 2,000 connections. The machine is shared: the load
average is recorded with the figures. Results: bench/results/citizen_app.json.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import httpx
from bench.common import percentiles, run_profiled, write_result
from PIL import Image

TARGET_P99_MS = 100.0
API = "/api/citizen/v1"
SETUP_CONCURRENCY = 4  # below the database pool (5 + 10 overflow) with room for the server


def raise_open_files(wanted: int) -> dict[str, int]:
    """Every connection is a file descriptor on both ends: the soft limit is raised towards the hard
    one when it is below what the run needs."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return {"soft": resource.getrlimit(resource.RLIMIT_NOFILE)[0], "hard": hard, "wanted": wanted}


LIMITS: dict[str, Any] = {
    "citizen_requests_per_address_minute": 10_000_000,
    "citizen_writes_per_device_minute": 10_000,
    "citizen_registrations_per_address_hour": 10_000_000,
}


def prepared_folder(devices: int) -> Path:
    """Where the database with `devices` devices and a request each is kept between runs: made once
    (minutes on a loaded machine), then every server of every run starts from a copy of it."""
    return Path(tempfile.gettempdir()) / f"c122-citizen-bench-{devices}"


async def prepare(devices: int, work: Path) -> dict[str, list[Any]]:
    """The child that makes the prepared database: `devices` confirmed devices and a request each,
    made through the citizen service; their tokens and case ids are returned."""
    from tests.support import databases
    from tests.support.server import running_server

    from c122.channels.citizen import LoggedCodeSender
    from c122.domain.citizen import Device

    template = await databases.create_sqlite_template(work)
    url = databases.copy_sqlite(template, work)
    async with running_server(url, data_dir=str(work / "data"), **LIMITS) as server:
        citizen = server.application.context.citizen
        sender = citizen.sender
        assert isinstance(sender, LoggedCodeSender)
        type_id = (await citizen.case_types())[0].id
        codes = {}  # phone -> the last code the development sender logged for it
        slots = asyncio.Semaphore(SETUP_CONCURRENCY)

        async def device_with_request(i: int) -> tuple[str, int]:
            phone = f"+7903{i:07d}"
            async with slots:
                registered = await citizen.register("127.0.0.1", phone, "web")
                codes.update(sender.sent)
                device, token = await citizen.confirm(registered.device.id, codes[registered.device.phone])
                assert isinstance(device, Device)
                view = await citizen.create_case(
                    device, type_id=type_id, description=f"обращение {i}", location=None
                )
            return token, view.case.id

        made = await asyncio.gather(*(device_with_request(i) for i in range(devices)))
    return {"tokens": [t for t, _ in made], "cases": [c for _, c in made]}


def prepare_once(devices: int, folder: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix="c122-citizen-prepare-"))
    made = asyncio.run(prepare(devices, work))
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(work / "c122.db", folder / "c122.db")  # the server has stopped: one file
    (folder / "devices.json").write_text(json.dumps(made))


async def serve(prepared: Path) -> None:
    """The child: the application on a copy of the prepared database (the same secret key as when it
    was made, so the devices' tokens hold)."""
    from tests.support import databases
    from tests.support.server import running_server

    from c122.cli import tune_garbage_collector

    work = Path(tempfile.mkdtemp(prefix="c122-citizen-bench-"))
    shutil.copyfile(prepared / "c122.db", work / "c122.db")
    made = json.loads((prepared / "devices.json").read_text())
    url = databases.sqlite_url(work / "c122.db")
    async with running_server(url, data_dir=str(work / "data"), **LIMITS) as server:
        ready = {
            "base_url": server.base_url,
            "operator": ["operator1", server.passwords["operator1"]],
            "tokens": made["tokens"],
            "cases": made["cases"],
        }
        tune_garbage_collector()  # as `c122 serve` does
        print(json.dumps(ready), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes


def photo() -> bytes:
    image = Image.effect_noise((640, 480), 40).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


class Chats:
    """The devices' open chat screens, in one of two ways the citizen API offers: `stream` (one
    server-sent events connection each) or `poll` (a long poll asked again after each answer). Each
    screen first reads its conversation, then waits; `ready` counts the screens that are waiting."""

    def __init__(self, session: aiohttp.ClientSession, mode: str) -> None:
        self.session = session
        self.mode = mode
        self.sent_at: dict[str, float] = {}  # message text -> when its POST left
        self.latencies: list[float] = []
        self.failures = 0
        self.failures_by_kind: dict[str, int] = {}  # "http 503", or the client's exception
        self.ready = 0
        self.stop = asyncio.Event()

    def received(self, text: str, now: float) -> None:
        started = self.sent_at.pop(text, None)
        if started is not None:
            self.latencies.append((now - started) * 1000)

    def refused(self, status: int) -> None:
        self.failed(f"http {status}")

    def failed(self, kind: str) -> None:
        self.failures += 1
        self.failures_by_kind[kind] = self.failures_by_kind.get(kind, 0) + 1

    async def screen(self, token: str, case_id: int) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        opened = [False]  # counted among the waiting screens once
        after = [0]  # the last message id seen: a stream connects again from it, as the app does
        while not self.stop.is_set():
            try:
                if self.mode == "stream":
                    await self._stream(case_id, headers, opened, after)
                else:
                    await self._poll(case_id, headers, opened)
            except (aiohttp.ClientError, TimeoutError) as error:
                self.failed(type(error).__name__)
                await asyncio.sleep(0.5)

    async def _stream(
        self, case_id: int, headers: dict[str, str], opened: list[bool], after: list[int]
    ) -> None:
        path = f"{API}/cases/{case_id}/messages/stream"
        async with self.session.get(path, params={"after": after[0]}, headers=headers) as answer:
            if answer.status != 200:
                self.refused(answer.status)
                await asyncio.sleep(0.5)
                return
            if not opened[0]:
                opened[0] = True
                self.ready += 1
            async for line in answer.content:
                if line.startswith(b"id: "):
                    after[0] = max(after[0], int(line[4:]))
                elif line.startswith(b"data: "):
                    now = time.perf_counter()
                    self.received(json.loads(line[6:])["text"], now)

    async def _poll(self, case_id: int, headers: dict[str, str], opened: list[bool]) -> None:
        after = 0
        wait = 0  # the screen opens: the conversation so far, then waits for what comes
        while not self.stop.is_set():
            params = {"after": after, "wait": wait}
            async with self.session.get(
                f"{API}/cases/{case_id}/messages", params=params, headers=headers
            ) as answer:
                now = time.perf_counter()
                if answer.status != 200:
                    self.refused(answer.status)
                    await asyncio.sleep(0.5)
                    continue
                found = await answer.json()
            if not opened[0]:
                opened[0] = True
                self.ready += 1
            wait = 25
            for message in found:
                after = max(after, message["id"])
                self.received(message["text"], now)


async def chat_phase(
    ready: dict[str, Any], args: argparse.Namespace, mode: str, desk: httpx.AsyncClient, csrf: str
) -> dict[str, Any]:
    """Every device's chat screen open in `mode`; once all wait, an operator answers random requests at
    `--rate` per second through the desk's API. A message's end-to-end time is from the operator's POST
    leaving here to the device's screen receiving it here."""
    tokens: list[str] = ready["tokens"]
    cases: list[int] = ready["cases"]
    # aiohttp for the many connections: httpx's pool slows down with its number of connections
    # (measured for push, docs/channels/push.md) and would put its own delay into the figures.
    session = aiohttp.ClientSession(
        base_url=ready["base_url"],
        timeout=aiohttp.ClientTimeout(total=None, sock_read=60),
        connector=aiohttp.TCPConnector(limit=len(tokens) + 50),
    )
    chats = Chats(session, mode)
    screens = [asyncio.create_task(chats.screen(t, c)) for t, c in zip(tokens, cases, strict=True)]
    opened = time.perf_counter()
    while chats.ready < len(tokens) and time.perf_counter() - opened < args.budget * 4:  # noqa: ASYNC110 - a count
        await asyncio.sleep(0.5)
    open_seconds = time.perf_counter() - opened
    await asyncio.sleep(2)  # the last screens reach their wait
    print(f"{mode}: {chats.ready} screens waiting after {open_seconds:.0f} s", file=sys.stderr, flush=True)
    send_failures = 0
    send_kinds: dict[str, int] = {}

    def send_failed(kind: str) -> None:
        nonlocal send_failures
        send_failures += 1
        send_kinds[kind] = send_kinds.get(kind, 0) + 1

    async def answer(case_id: int, text: str) -> None:
        chats.sent_at[text] = time.perf_counter()
        try:
            answered = await desk.post(
                f"/api/v1/cases/{case_id}/chat", json={"text": text}, headers={"X-CSRF-Token": csrf}
            )
            if answered.status_code != 201:
                send_failed(f"http {answered.status_code} {answered.text[:80]}")
        except httpx.HTTPError as error:
            send_failed(type(error).__name__)

    # The operator's answers go at the rate whatever each takes, until the budget is spent.
    started = time.perf_counter()
    sends = []
    for n in range(args.messages):
        if time.perf_counter() - started > args.budget:
            break
        text = f"ответ {mode} {n} {random.random()}"
        sends.append(asyncio.create_task(answer(random.choice(cases), text)))
        await asyncio.sleep(max(0.0, started + (n + 1) / args.rate - time.perf_counter()))
    await asyncio.wait(sends, timeout=30)
    await asyncio.sleep(3)
    chat_seconds = time.perf_counter() - started
    load = os.getloadavg()
    chats.stop.set()
    for task in screens:
        task.cancel()
    await asyncio.gather(*screens, return_exceptions=True)
    await session.close()
    figures = percentiles(chats.latencies) if chats.latencies else {"count": 0}
    return {
        "mode": mode,
        "screens_waiting": chats.ready,
        "open_seconds": round(open_seconds, 1),
        "messages_sent": len(sends),
        "messages_received": len(chats.latencies),
        "messages_lost": len(chats.sent_at),
        "rate_per_s": args.rate,
        "chat_seconds": round(chat_seconds, 1),
        "message_end_to_end": figures,
        "target_p99_ms": TARGET_P99_MS,
        "target_met": bool(chats.latencies) and figures["p99_ms"] < TARGET_P99_MS,
        "failures": {"screen": chats.failures, "send": send_failures},
        "screen_failures_by_kind": chats.failures_by_kind,
        "send_failures_by_kind": send_kinds,
        "load_average_during_chat": [round(x, 2) for x in load],
    }


async def drive(ready: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    tokens: list[str] = ready["tokens"]
    cases: list[int] = ready["cases"]
    desk = httpx.AsyncClient(base_url=ready["base_url"], timeout=30)
    login = await desk.post(
        "/api/v1/auth/login", json={"login": ready["operator"][0], "password": ready["operator"][1]}
    )
    login.raise_for_status()
    csrf = login.json()["csrf_token"]
    phases = {mode: await chat_phase(ready, args, mode, desk, csrf) for mode in args.modes.split(",")}

    # Photo uploads.
    jpeg = photo()
    slots = asyncio.Semaphore(args.upload_concurrency)
    upload_ms: list[float] = []
    refused = 0

    async def upload(i: int) -> None:
        nonlocal refused
        index = i % len(tokens)
        async with slots:
            t0 = time.perf_counter()
            try:
                answer = await desk.post(
                    f"{API}/cases/{cases[index]}/media",
                    content=jpeg,
                    headers={
                        "Authorization": f"Bearer {tokens[index]}",
                        "Content-Type": "application/octet-stream",
                    },
                )
            except httpx.HTTPError:
                refused += 1
                return
            upload_ms.append((time.perf_counter() - t0) * 1000)
            if answer.status_code != 201:
                refused += 1

    print("chats done; uploading", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    uploading = [asyncio.create_task(upload(i)) for i in range(args.uploads)]
    _done, unfinished = await asyncio.wait(uploading, timeout=args.budget * 2)
    for task in unfinished:
        task.cancel()
    upload_seconds = time.perf_counter() - t0
    await desk.aclose()
    return {
        "connections": len(tokens),
        "chat": phases,
        "uploads": {
            "count": args.uploads,
            "refused": refused,
            "unfinished": len(unfinished),
            "photo_bytes": len(jpeg),
            "concurrency": args.upload_concurrency,
            "seconds": round(upload_seconds, 2),
            "per_second": round(len(upload_ms) / upload_seconds, 1),
            "mb_per_second": round(len(upload_ms) * len(jpeg) / upload_seconds / 1e6, 2),
            "latency": percentiles(upload_ms) if upload_ms else {"count": 0},
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
    }


def child(args: list[str], code: Path | None, profile_suffix: str) -> subprocess.Popen[str]:
    """This script as a child process; `code`: a checkout whose `src/` the child imports c122 from."""
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code / "src"), env.get("PYTHONPATH")]))
    if env.get("C122_BENCH_PROFILE"):
        env["C122_BENCH_PROFILE"] += profile_suffix
    return subprocess.Popen(
        [sys.executable, __file__, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )


def measure(args: argparse.Namespace, code: Path | None, name: str) -> dict[str, Any]:
    """One server (this checkout's code, or `code`'s) on a copy of the prepared database, driven."""
    server = child(["--serve", str(args.devices)], code, f".{name}")
    try:
        assert server.stdout is not None
        ready = json.loads(server.stdout.readline())
        return asyncio.run(drive(ready, args))
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=300)  # a server with thousands of connections takes its time to stop


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--rate", type=float, default=40)
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--upload-concurrency", type=int, default=16)
    parser.add_argument("--budget", type=float, default=60, help="seconds for sending the answers")
    parser.add_argument(
        "--modes",
        default="stream,poll",
        help="chat screens by server-sent events, by long polls, or both in turn",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="a checkout of other code (e.g. before a change): measured first, on the same prepared data",
    )
    parser.add_argument("--serve", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--prepare", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare_once(args.prepare, prepared_folder(args.prepare))
        return
    if args.serve:
        run_profiled(lambda: asyncio.run(serve(prepared_folder(args.serve))))
        return
    open_files = raise_open_files(2 * args.devices + 200)  # the children inherit the raised limit
    load_before = os.getloadavg()
    folder = prepared_folder(args.devices)
    t0 = time.perf_counter()
    if not (folder / "devices.json").exists():
        made = child(["--prepare", str(args.devices)], None, ".prepare")
        if made.wait() != 0:
            raise SystemExit("the prepared database could not be made")
    setup_seconds = time.perf_counter() - t0
    runs = {}
    if args.baseline is not None:
        runs["baseline"] = {"code": str(args.baseline), **measure(args, args.baseline, "baseline")}
    runs["this"] = measure(args, None, "this")
    figures = {
        "devices": args.devices,
        "setup_seconds": round(setup_seconds, 1),
        "open_files_limit": open_files,
        "load_average_before": [round(x, 2) for x in load_before],
        **(runs if args.baseline is not None else runs["this"]),
    }
    path = write_result("citizen_app", figures)
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
