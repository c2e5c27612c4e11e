"""The senior's operators board under load: operators changing state, seniors' desktops receiving it.

    .venv/bin/python bench/supervision_board.py [--operators 1000] [--seniors 20] [--rate 50]
        [--seconds 20]  → bench/results/supervision_board.json

The whole server (`build_application`, SQLite, uvloop) runs in a subprocess on loopback with one
group of `--operators` operators (all on shift) and `--seniors` seniors of that group. This process
signs everyone in, opens each senior's event stream (/api/v1/events, the same WebSocket the web app
uses), loads the board snapshot (GET /api/v1/supervision/operators) and then, for `--seconds`,
changes `--rate` operators' states a second through the API (PUT /api/v1/operators/me/state:
ready <-> break), each change a real request through the call distribution, its transaction and the
event hub. Delivery latency: the time a senior's desktop received the `operator.state_changed`
frame minus the `since` the server stamped on the change (one wall clock on this host), so it
includes the command's commit. Target (issue 16): p99 < 100 ms.

Where the time goes, in the same run: the server stamps when each change reached its event bus
(`since` → published: the call distribution's decision, its transaction and commit), and a bare
baseline runs beside the load: a 10 ms timer in the server's event loop and one in this driver's,
whose overshoot is what the machine's scheduling alone adds (nothing of the product in it). The
seniors' streams are read in a process of their own (`--listeners-process`, the default), so the
driver's thousand HTTP clients do not delay the receiving side.

With `--browser`, one more senior opens the board in Debian's Chromium (headless, Playwright) and
scrolls it up and down on every animation frame while the changes run; the frame intervals
(requestAnimationFrame) are the smoothness figure: 60 fps is 16.7 ms a frame.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Acknowledger, percentiles, write_result
from bench.server import serve_until_stopped

from c122.api.security import CSRF_HEADER, SESSION_COOKIE, csrf_token_for

TARGET_P99_MS = 100.0
PASSWORD = "bench-board-password"
LOGIN_CONCURRENCY = 20
FRAME_BUDGET_MS = 1000 / 60
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
# In the page: scroll the board's list 40 px a frame, bouncing at the ends, for `seconds`.
SCROLL_SCRIPT = """async (seconds) => {
  const list = document.querySelector('[data-testid=board-scroller]');
  const deltas = [];
  let last = performance.now();
  const end = last + seconds * 1000;
  let step = list === null ? 0 : 40;
  return await new Promise((resolve) => {
    function frame(t) {
      deltas.push(t - last);
      last = t;
      if (step !== 0) {
        if (list.scrollTop + list.clientHeight >= list.scrollHeight - 1) step = -40;
        if (list.scrollTop <= 0) step = 40;
        list.scrollTop += step;
      }
      if (t < end) requestAnimationFrame(frame); else resolve(deltas);
    }
    requestAnimationFrame(frame);
  });
}"""
WEB_CLIENT_ACK_DELAY_MS = 250.0  # web/src/shared/events/stream.ts
PROBE_S = 0.010  # the bare baseline's timer
STAGES_FILE = "stages.json"
SESSIONS_FILE = "sessions.json"


async def probe_loop_lag(samples: list[tuple[float, float]]) -> None:
    """The bare baseline: how late a 10 ms timer fires in this event loop (wall time, lag in ms)."""
    while True:
        started = time.perf_counter()
        await asyncio.sleep(PROBE_S)
        samples.append((time.time(), (time.perf_counter() - started - PROBE_S) * 1000))


def in_window(samples: list[tuple[float, float]], start: float, end: float) -> list[float]:
    return [value for at, value in samples if start <= at <= end]


# --- server side (subprocess) -------------------------------------------------------------------


async def serve(args: argparse.Namespace) -> None:
    from c122.bootstrap import build_application
    from c122.config import load_settings
    from c122.demo import HOTLINE, seed_demo
    from c122.domain.organisation import EntityKind, QueueMember
    from c122.domain.users import CONSOLE, Role
    from c122.logs import configure_logging
    from c122.persistence import migrate
    from c122.security.passwords import Argon2PasswordHasher
    from c122.services.accounts.service import hash_token

    settings = load_settings(
        environ={},
        overrides={
            "database_url": f"sqlite+aiosqlite:///{args.data_dir}/bench.db",
            "data_dir": args.data_dir,
            "http_port": args.http_port,
            "log_format": "text",
            "log_level": "WARNING",
            # one hash per sign-in of a thousand operators: the hashing cost is not what is measured
            "argon2_time_cost": 1,
            "argon2_memory_kib": 1024,
        },
    )
    configure_logging(json_lines=False, level=settings.log_level)
    await migrate.upgrade_async(settings.database_url)
    application = build_application(settings, with_telephony=False)
    organisation = application.context.organisation
    async with application.running():
        await seed_demo(organisation, application.uow_factory)
        services = await organisation.search(CONSOLE, EntityKind.SERVICE, HOTLINE, limit=10, offset=0)
        service_id = next(s.id for s in services.items if s.name == HOTLINE)
        group = await organisation.create(
            CONSOLE, EntityKind.GROUP, {"service_id": service_id, "name": "Нагрузочная группа"}
        )
        queue = await organisation.create(
            CONSOLE, EntityKind.QUEUE, {"group_id": group.id, "name": "Нагрузочная очередь"}
        )
        # The accounts go straight into storage in one transaction with one password hash: through
        # the admin use case each account would reload the call distribution (setup, not measured).
        password_hash = Argon2PasswordHasher(time_cost=1, memory_kib=1024).hash(PASSWORD)
        members = []
        signed_in: dict[str, list[str]] = {}  # login: [session token, CSRF token]
        async with application.uow_factory() as uow:
            accounts = ((Role.OPERATOR, "op", args.operators), (Role.SENIOR, "sr", args.seniors))
            for role, prefix, count in accounts:
                for n in range(count):
                    values = {
                        "login": f"{prefix}{n:04d}",
                        "full_name": f"{prefix} {n}",
                        "role": role,
                        "password_hash": password_hash,
                        "enabled": True,
                    }
                    user = await uow.users.create(values)
                    await uow.users.set_groups(user.id, frozenset({group.id}))
                    # signed in as a sign-in stores it (1,000 password checks are not what is measured)
                    token = secrets.token_urlsafe(32)
                    now = datetime.now(UTC)
                    await uow.sessions.create(hash_token(token), user.id, now, "127.0.0.1")
                    signed_in[values["login"]] = [token, csrf_token_for(settings.secret_key, token)]
                    if role is Role.OPERATOR:
                        members.append(QueueMember(queue_id=queue.id, user_id=user.id, position=n))
            await uow.commit()
        await application.context.membership.set_members(CONSOLE, queue.id, members)
        (Path(args.data_dir) / SESSIONS_FILE).write_text(json.dumps(signed_in))
        published: list[tuple[float, float]] = []  # (since, ms from since to the event bus)

        def stamp(event: Any) -> None:
            if event.type == "operator.state_changed":
                since = event.data["since"]
                since_s = (
                    since.timestamp()
                    if isinstance(since, datetime)
                    else datetime.fromisoformat(since).timestamp()
                )
                published.append((since_s, (time.time() - since_s) * 1000))

        application.bus.subscribe(stamp)
        handed = time_handoffs()
        lag: list[tuple[float, float]] = []
        variants: list[
            tuple[float, float]
        ] = []  # (from, 1.0: the tick skips operators not due; 0.0: scans all)
        probes = [
            asyncio.create_task(probe_loop_lag(lag)),
            asyncio.create_task(write_stages(args, published, handed, lag, variants)),
        ]
        if args.alternate_s > 0:
            probes.append(asyncio.create_task(alternate_timers(args.alternate_s, variants)))
        profile = start_profile(args)
        try:
            await serve_until_stopped(application.app, args.http_port, lambda: {"ready": True})
        finally:
            for probe in probes:
                probe.cancel()
            if profile is not None:
                profile.disable()
                profile.dump_stats(args.profile)


def start_profile(args: argparse.Namespace) -> Any:
    """With `--profile PATH`: the server's event loop thread under cProfile from the measuring window's
    start (SIGUSR1 from the driver) until the driver stops it (SIGTERM ends the server cleanly, through
    bench/server.py, so the profile is written)."""
    if not args.profile:
        return None
    import cProfile
    import signal

    profile = cProfile.Profile()
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, profile.enable)
    return profile


async def alternate_timers(every_s: float, variants: list[tuple[float, float]]) -> None:
    """Side by side in one run: the call distribution's tick alternates, every `every_s`, between
    skipping the operators none of whose timers is due (the product) and checking all of them (the
    baseline: what it did before)."""
    from c122.domain.acd import timers

    while True:
        for skip in (True, False):
            timers.SKIP_NOT_DUE = skip
            variants.append((time.time(), 1.0 if skip else 0.0))
            await asyncio.sleep(every_s)


def time_handoffs() -> list[tuple[float, float]]:
    """The server's side of each delivery: when an `operator.state_changed` frame was handed to a
    senior's socket, as (since, ms from since)."""
    from c122.realtime import session

    handed: list[tuple[float, float]] = []
    send = session._Connection.send
    marker = '"type":"operator.state_changed"'

    async def timed(self: Any, text: str) -> bool:
        sent = await send(self, text)
        if marker in text:
            start = text.index('"since":"') + 9
            since_s = datetime.fromisoformat(text[start : text.index('"', start)]).timestamp()
            handed.append((since_s, (time.time() - since_s) * 1000))
        return sent

    session._Connection.send = timed  # type: ignore[method-assign]
    return handed


async def write_stages(
    args: argparse.Namespace,
    published: list[tuple[float, float]],
    handed: list[tuple[float, float]],
    lag: list[tuple[float, float]],
    variants: list[tuple[float, float]],
) -> None:
    """Every second, the samples taken since the last write, appended as JSON lines for the driver to
    read after the run (rewriting all of them each second cost the server's loop more and more)."""
    path = Path(args.data_dir) / STAGES_FILE
    written = {"published": 0, "handed": 0, "loop_lag": 0, "variants": 0, "cpu": 0}
    cpu: list[tuple[float, float]] = []  # (wall time, this process's CPU seconds so far)
    while True:
        await asyncio.sleep(1.0)
        cpu.append((time.time(), time.process_time()))
        with path.open("a") as out:
            kinds = (
                ("published", published),
                ("handed", handed),
                ("loop_lag", lag),
                ("variants", variants),
                ("cpu", cpu),
            )
            for kind, samples in kinds:
                fresh = samples[written[kind] :]
                written[kind] += len(fresh)
                if fresh:
                    out.write(json.dumps({kind: fresh}) + "\n")


def read_stages(path: Path) -> dict[str, list[tuple[float, float]]]:
    stages: dict[str, list[tuple[float, float]]] = {
        "published": [],
        "handed": [],
        "loop_lag": [],
        "variants": [],
        "cpu": [],
    }
    for line in path.read_text().splitlines():
        for kind, samples in json.loads(line).items():
            stages[kind].extend((at, value) for at, value in samples)
    return stages


# --- client side ------------------------------------------------------------------------------


def signed_in_client(base: str, session: list[str], timeout: float) -> httpx.AsyncClient:
    """A client holding a session the server's setup stored (token cookie, CSRF header)."""
    token, csrf = session
    client = httpx.AsyncClient(base_url=base, timeout=timeout, headers={CSRF_HEADER: csrf})
    client.cookies.set(SESSION_COOKIE, token)
    return client


def stored_sessions(data_dir: Path) -> dict[str, list[str]]:
    sessions: dict[str, list[str]] = json.loads((data_dir / SESSIONS_FILE).read_text())
    return sessions


class Operator:
    def __init__(self, base: str, login: str, session: list[str]) -> None:
        self.client = signed_in_client(base, session, 30)
        self.login = login
        self.on_break = False
        self.busy = False  # a change of this operator is in flight: the next one waits for it
        self.refused = 0

    async def start(self) -> None:
        await self.set_state({"status": "ready"})

    async def toggle(self) -> None:
        body = {"status": "ready"} if self.on_break else {"status": "on_break", "reason": "break"}
        self.busy = True
        try:
            await self.set_state(body)
            self.on_break = not self.on_break
        except httpx.HTTPStatusError:
            self.refused += 1  # counted in the results; the run goes on
        finally:
            self.busy = False

    async def set_state(self, body: dict[str, str]) -> None:
        try:
            response = await self.client.put("/api/v1/operators/me/state", json=body)
        except httpx.TransportError:
            # The server closed an idle keep-alive connection as the request went out: once more on a
            # new one (the state asked for is the same, so a second arrival changes nothing).
            response = await self.client.put("/api/v1/operators/me/state", json=body)
        response.raise_for_status()


class Senior:
    def __init__(self, base: str, login: str, session: list[str], ack_delay_ms: float) -> None:
        self.client = signed_in_client(base, session, 60)
        self.ack_delay_s = ack_delay_ms / 1000
        self.login = login
        self.latencies_ms: list[tuple[float, float]] = []  # (since, ms)
        self.measuring_from = float("inf")

    async def listen(self, ws_url: str, opened: asyncio.Event) -> None:
        from websockets.asyncio.client import connect

        cookie = "; ".join(f"{k}={v}" for k, v in self.client.cookies.items())
        async with connect(ws_url, additional_headers={"Cookie": cookie}, max_size=None) as socket:
            opened.set()
            acks = Acknowledger(socket, self.ack_delay_s)
            async for frame in socket:
                received = time.time()
                message = json.loads(frame)
                if message["kind"] == "ping":
                    await socket.send('{"kind":"pong"}')
                if message["kind"] != "event":
                    continue
                await acks.received(message["id"])
                if message["type"] == "operator.state_changed":
                    since = datetime.fromisoformat(message["data"]["since"]).timestamp()
                    if since >= self.measuring_from:
                        self.latencies_ms.append((since, (received - since) * 1000))


class BoardPage:
    """A senior's board in headless Chromium (Playwright)."""

    def __init__(self, playwright: Any, browser: Any, page: Any) -> None:
        self._playwright, self._browser, self.page = playwright, browser, page

    async def baseline(self, seconds: float) -> dict[str, Any]:
        """The same frame loop on a blank page of the same browser: what this machine allows at all."""
        blank = await self.page.context.new_page()
        try:
            return await self.frames(blank, seconds)
        finally:
            await blank.close()

    async def scroll(self, seconds: float) -> dict[str, Any]:
        return await self.frames(self.page, seconds)

    @staticmethod
    async def frames(page: Any, seconds: float) -> dict[str, Any]:
        deltas: list[float] = await page.evaluate(SCROLL_SCRIPT, seconds)
        deltas = deltas[1:]  # the first interval runs from the call, not from a frame
        figures = percentiles(deltas)
        over = sum(1 for d in deltas if d > FRAME_BUDGET_MS * 1.5)
        return {
            "frame_ms": figures,
            "fps_mean": round(1000 / figures["mean_ms"], 1),
            "frames_over_25ms": over,
            "frames_over_share": round(over / len(deltas), 4),
        }

    async def close(self) -> None:
        await self._browser.close()
        await self._playwright.stop()


async def open_board(base: str, login: str) -> BoardPage:
    import shutil

    from playwright.async_api import async_playwright

    playwright = await async_playwright().start()
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    browser = await playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
    viewport = {"width": 1600, "height": 900}
    context = await browser.new_context(locale="ru-RU", base_url=base, viewport=viewport)
    page = await context.new_page()
    await page.goto("/auth")
    await page.get_by_test_id("login-username").fill(login)
    await page.get_by_test_id("login-password").fill(PASSWORD)
    await page.get_by_test_id("login-submit").click()
    try:
        await page.wait_for_selector("[data-testid=workstation]")
    except Exception:
        await page.screenshot(path="/tmp/c122-board-bench-failure.png")
        raise
    await page.goto("/supervision")
    try:
        await page.wait_for_selector("[data-testid=board-row-op0000]")  # the snapshot comes whole
    except Exception:
        await page.screenshot(path="/tmp/c122-board-bench-failure.png")
        raise
    return BoardPage(playwright, browser, page)


async def open_streams(seniors: list[Senior], base: str) -> list[asyncio.Task[None]]:
    """One desktop after another, as seniors come to work: twenty snapshots built at the same instant
    can wait longer for a database connection than the pool allows on a loaded machine (setup, not
    what is measured)."""
    ws_url = base.replace("http://", "ws://") + "/api/v1/events"
    tasks = []
    for senior in seniors:
        opened = asyncio.Event()
        task = asyncio.create_task(senior.listen(ws_url, opened))
        await asyncio.wait([task, asyncio.create_task(opened.wait())], return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()  # it failed before opening: say why
        tasks.append(task)
    return tasks


async def listen_only(args: argparse.Namespace) -> None:
    """The seniors' desktops in a process of their own: sign in, open the streams, say ready; then the
    window's start on stdin, and on the next line the latencies and this process's loop lag on stdout."""
    base = f"http://127.0.0.1:{args.http_port}"
    sessions = stored_sessions(Path(args.data_dir))
    seniors = [
        Senior(base, f"sr{n:04d}", sessions[f"sr{n:04d}"], args.ack_delay_ms) for n in range(args.seniors)
    ]
    listeners = await open_streams(seniors, base)
    lag: list[tuple[float, float]] = []
    probe = asyncio.create_task(probe_loop_lag(lag))
    print(json.dumps({"ready": True}), flush=True)
    measuring_from = float(await asyncio.to_thread(sys.stdin.readline))
    for senior in seniors:
        senior.measuring_from = measuring_from
    await asyncio.to_thread(sys.stdin.readline)
    for task in [*listeners, probe]:
        task.cancel()
    latencies = [ms for s in seniors for ms in s.latencies_ms]
    print(json.dumps({"latencies": latencies, "loop_lag": lag}), flush=True)


class Listeners:
    """The seniors' streams, read in this process or in a process of their own."""

    def __init__(self, args: argparse.Namespace, base: str) -> None:
        self._args = args
        self._base = base
        self._process: asyncio.subprocess.Process | None = None
        self._seniors: list[Senior] = []
        self._tasks: list[asyncio.Task[None]] = []

    async def open(self) -> None:
        if self._args.listeners_process:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable, __file__, "--listen", "--http-port", str(self._args.http_port),
                "--seniors", str(self._args.seniors), "--data-dir", str(self._args.data_dir),
                "--ack-delay-ms", str(self._args.ack_delay_ms),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                limit=2**26,  # the results come as one line of JSON
            )  # fmt: skip
            assert self._process.stdout is not None
            line = await asyncio.wait_for(self._process.stdout.readline(), 120)
            assert json.loads(line)["ready"], line
            return
        sessions = stored_sessions(Path(self._args.data_dir))
        self._seniors = [
            Senior(self._base, f"sr{n:04d}", sessions[f"sr{n:04d}"], self._args.ack_delay_ms)
            for n in range(self._args.seniors)
        ]
        self._tasks = await open_streams(self._seniors, self._base)

    async def start(self, measuring_from: float) -> None:
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.write(f"{measuring_from}\n".encode())
            await self._process.stdin.drain()
        for senior in self._seniors:
            senior.measuring_from = measuring_from

    async def stop(self) -> tuple[list[tuple[float, float]], list[tuple[float, float]] | None]:
        """The latencies, and the listening process's loop lag (None: it is the driver's)."""
        if self._process is not None:
            assert self._process.stdin is not None
            assert self._process.stdout is not None
            self._process.stdin.write(b"stop\n")
            await self._process.stdin.drain()
            result = json.loads(await asyncio.wait_for(self._process.stdout.readline(), 60))
            await self._process.wait()
            return [tuple(x) for x in result["latencies"]], [tuple(x) for x in result["loop_lag"]]
        for task in self._tasks:
            task.cancel()
        latencies = [ms for s in self._seniors for ms in s.latencies_ms]
        for senior in self._seniors:
            await senior.client.aclose()
        return latencies, None


async def gather_limited(coroutines: list[Any], limit: int) -> None:
    gate = asyncio.Semaphore(limit)

    async def one(coroutine: Any) -> None:
        async with gate:
            await coroutine

    await asyncio.gather(*(one(c) for c in coroutines))


async def drive(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as data_dir:
        port = args.http_port
        server = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--serve",
            "--data-dir",
            data_dir,
            "--http-port",
            str(port),
            "--operators",
            str(args.operators),
            "--seniors",
            str(args.seniors + 1),  # one more for the browser
            *(["--profile", args.profile] if args.profile else []),
            "--alternate-s",
            str(args.alternate_s),
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            assert server.stdout is not None
            started = time.monotonic()
            line = await asyncio.wait_for(server.stdout.readline(), 600)
            assert json.loads(line)["ready"], line
            setup_s = time.monotonic() - started
            args.data_dir = data_dir  # the listeners' process reads the stored sessions there
            return await measure(args, f"http://127.0.0.1:{port}", setup_s, Path(data_dir), server)
        finally:
            server.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait(), 30)


async def measure(
    args: argparse.Namespace, base: str, setup_s: float, data_dir: Path, server: asyncio.subprocess.Process
) -> dict[str, Any]:
    sessions = stored_sessions(data_dir)
    operators = [Operator(base, f"op{n:04d}", sessions[f"op{n:04d}"]) for n in range(args.operators)]
    # the board snapshot's readers
    seniors = [
        Senior(base, f"sr{n:04d}", sessions[f"sr{n:04d}"], args.ack_delay_ms) for n in range(args.seniors)
    ]
    started = time.monotonic()
    await gather_limited([o.start() for o in operators], LOGIN_CONCURRENCY)
    shift_s = time.monotonic() - started
    snapshot_ms = []
    for senior in seniors:
        t0 = time.monotonic()
        response = await senior.client.get("/api/v1/supervision/operators")
        snapshot_ms.append((time.monotonic() - t0) * 1000)
        rows = [o for o in response.json()["operators"] if o["role"] == "operator"]
        assert len(rows) == args.operators, response.text[:200]
    listeners = Listeners(args, base)
    await listeners.open()
    driver_lag: list[tuple[float, float]] = []
    probe = asyncio.create_task(probe_loop_lag(driver_lag))
    await asyncio.sleep(1.0)
    browser = await open_board(base, f"sr{args.seniors:04d}") if args.browser else None
    blank_frames = await browser.baseline(3.0) if browser is not None else None
    rng = random.Random(16)
    measuring_from = time.time()
    await listeners.start(measuring_from)
    if args.profile:
        import signal

        server.send_signal(signal.SIGUSR1)
    scrolling = asyncio.create_task(browser.scroll(args.seconds)) if browser is not None else None
    interval = 1.0 / args.rate
    changes = int(args.rate * args.seconds)
    pending: set[asyncio.Task[None]] = set()
    late_starts = 0
    skipped = 0
    t_start = time.monotonic()
    for n in range(changes):
        due = t_start + n * interval
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -interval:
            late_starts += 1
        free = [o for o in rng.sample(operators, 5) if not o.busy]
        if not free:
            skipped += 1
            continue
        task = asyncio.create_task(free[0].toggle())
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    driven_s = time.monotonic() - t_start
    frames = await scrolling if scrolling is not None else None
    if browser is not None:
        await browser.close()
    measuring_to = time.time()
    await asyncio.sleep(2.0)  # the last events on their way, and the server's stages file written
    probe.cancel()
    latencies, listener_lag = await listeners.stop()
    for client in [o.client for o in operators] + [s.client for s in seniors]:
        await client.aclose()
    delivered = percentiles([ms for _since, ms in latencies])
    stages = read_stages(data_dir / STAGES_FILE)
    to_bus = [ms for since, ms in stages["published"] if since >= measuring_from]
    baseline = {
        "server_loop_lag_ms": percentiles(in_window(stages["loop_lag"], measuring_from, measuring_to)),
        "driver_loop_lag_ms": percentiles(in_window(driver_lag, measuring_from, measuring_to)),
    }
    if listener_lag is not None:
        baseline["listeners_loop_lag_ms"] = percentiles(in_window(listener_lag, measuring_from, measuring_to))
    return {
        "setup": {"server_ready_s": round(setup_s, 1), "operators_signed_in_and_ready_s": round(shift_s, 1)},
        "snapshot_get_ms": percentiles(snapshot_ms),
        # the server's CPU in the window: what it needs, whatever share of the cores it was given
        "server_cpu": cpu_used(stages["cpu"], measuring_from, measuring_to, changes),
        "changes": {
            "asked": changes,
            "seconds": round(driven_s, 2),
            "achieved_rate_per_s": round(changes / driven_s, 1),
            "late_starts": late_starts,
            "skipped_all_busy": skipped,
            "refused": sum(o.refused for o in operators),
            "expected_deliveries": changes * args.seniors,
            "delivered": len(latencies),
        },
        "delivery_ms": delivered,
        "meets_target": delivered["p99_ms"] < TARGET_P99_MS,
        # where it goes: change decided -> on the event bus (decision, transaction, commit)
        "stages": {
            "since_to_event_bus_ms": percentiles(to_bus),
            "since_to_handed_to_socket_ms": percentiles(
                [ms for since, ms in stages["handed"] if since >= measuring_from]
            ),
        },
        # the same run's bare baseline: a 10 ms timer's overshoot in each process (scheduling alone)
        "bare_baseline": baseline,
        "listeners_process": args.listeners_process,
        **({} if frames is None else {"browser_scrolling": frames, "browser_blank_page": blank_frames}),
        **(
            {}
            if not stages["variants"]
            else {"side_by_side": side_by_side(stages, latencies, measuring_from)}
        ),
    }


def cpu_used(samples: list[tuple[float, float]], start: float, end: float, changes: int) -> dict[str, float]:
    window = [(at, cpu) for at, cpu in samples if start <= at <= end]
    if len(window) < 2:
        return {}
    (first_at, first_cpu), (last_at, last_cpu) = window[0], window[-1]
    seconds = last_cpu - first_cpu
    share = seconds / (last_at - first_at)
    return {
        "cpu_s_per_s": round(share, 3),
        "cpu_ms_per_change": round(seconds * 1000 / (changes * (last_at - first_at) / (end - start)), 3),
    }


def side_by_side(
    stages: dict[str, list[tuple[float, float]]], latencies: list[tuple[float, float]], start: float
) -> dict[str, Any]:
    """Each change counted under the tick variant in force at its `since` (the windows alternate)."""
    switches = sorted(stages["variants"])

    def variant(at: float) -> str:
        current = 1.0
        for since, skip in switches:
            if since > at:
                break
            current = skip
        return "tick_skips_operators_not_due" if current else "baseline_tick_checks_all"

    result: dict[str, Any] = {}
    for name in ("tick_skips_operators_not_due", "baseline_tick_checks_all"):
        result[name] = {
            "delivery_ms": percentiles([ms for since, ms in latencies if variant(since) == name]),
            "since_to_event_bus_ms": percentiles(
                [ms for since, ms in stages["published"] if since >= start and variant(since) == name]
            ),
            "server_loop_lag_ms": percentiles(
                [ms for at, ms in stages["loop_lag"] if at >= start and variant(at) == name]
            ),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--operators", type=int, default=1000)
    parser.add_argument("--seniors", type=int, default=20)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--http-port", type=int, default=18716)
    parser.add_argument("--browser", action="store_true", help="also scroll the board in Chromium")
    parser.add_argument(
        "--listeners-process",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="read the seniors' streams in a process of their own (default) or in the driver's",
    )
    parser.add_argument("--profile", help="write the server's cProfile statistics to this file")
    parser.add_argument(
        "--alternate-s",
        type=float,
        default=0.0,
        help="side by side: alternate the ACD tick's variant (skip operators not due / check all) this often",
    )
    parser.add_argument(
        "--ack-delay-ms",
        type=float,
        default=WEB_CLIENT_ACK_DELAY_MS,
        help="the seniors acknowledge as the web client does; 0: every event at once (the client before)",
    )
    parser.add_argument(
        "--result", default="supervision_board", help="the result's name in bench/results (side-by-side runs)"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--listen", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        uvloop.run(serve(args))
        return
    if args.listen:
        uvloop.run(listen_only(args))
        return
    load_before = os.getloadavg()[0]
    figures = uvloop.run(drive(args))
    # other work on the shared machine skews the figures; the 1-minute load average says how much
    load = {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)}
    names = (
        "operators",
        "seniors",
        "rate",
        "seconds",
        "ack_delay_ms",
        "browser",
        "listeners_process",
        "profile",
    )
    parameters = {k: getattr(args, k) for k in names}
    result = {
        "command": " ".join(sys.argv),
        "parameters": parameters,
        "target": {"p99_ms": TARGET_P99_MS},
        "results": figures,
        "load_average_1m": load,
    }
    path = write_result(args.result, result)
    print(json.dumps(figures, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
