"""Calls through the whole call flow under load: line → IVR greeting → queue → operator's SIP phone →
bridged and recorded conversation → call record.

    .venv/bin/python bench/call_flow_load.py [--rates 20,50,100] [--seconds 10] [--hold 5]
        [--concurrent 10x15x12] [--operators 500] [--wrap-up 1]
        [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres] [--sip-rate-limit]
        [--media-workers N] [--keep] [--server-src DIR] [--profile FILE]
        → bench/results/call_flow_load.json

`--concurrent ""` leaves the concurrent check out. `--server-src` runs the hotline on the `c122`
package of another folder (`git archive <commit> src | tar -x -C DIR`, then DIR/src): the code before
a change measured by the same driver in the same session. `--profile` writes the hotline's cProfile
statistics (C122_BENCH_PROFILE).

Each level runs on a hotline of its own (bench/call_flow_server.py: the application `c122 serve`
builds, with telephony, on loopback, in its own process; a new SQLite file, or with `--database-url`
a new database on that PostgreSQL server, dropped after). Its main line plays a short greeting and
enqueues into a bench queue of `--operators` operators. Each operator signs in over HTTP, sets a SIP
phone with a password and starts the shift (ready); the queue's wrap-up is set to `--wrap-up` seconds
through the queue admin API. All the operators' phones are one SIPp UAS process (bench/scenarios/
operator_phones.xml: 180, 200, RTP echoed back, BYE): every account is registered with digest from
that UAS's address and port before SIPp takes the port over.

Levels: first the "concurrent" check (rate x seconds x hold: 10 calls per second for 15 s, each on the
line 12 s, so about 100 conversations are up at once with media and recording), then `--rates` for
`--seconds` each with calls of `--hold` seconds. Callers are SIPp (bench/scenarios/caller.xml)
streaming a PCMU tone for the whole call. Per level: SIPp's counters and answer delay (callers and
phones), the callers' call records by status and end cause (GET /api/v1/calls), recordings written
(files on disk, and a sample fetched and checked for the tone on both channels), peak calls up and
peak conversations (from the records' timestamps), queue samples, the hotline process's CPU
(utime+stime from /proc), its event-loop lateness, database connections in use and tasks (written by
the hotline once a second), its log lines at WARNING and above, and how it stopped. The whole run is
bounded to RUN_LIMIT_S; `--keep` keeps the working folder (logs, databases, recordings).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import json
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import time
import wave
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import numpy as np
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentiles, write_result
from tests.support import databases

from c122.telephony.media.analysis import dominant_frequency, rms
from c122.telephony.media.codecs import PCMU
from c122.telephony.sip import SipStack
from c122.telephony.sip.trunk import Trunk, TrunkSettings

T = TypeVar("T")
HERE = Path(__file__).resolve().parent
SCENARIOS = HERE / "scenarios"
SERVICE_NUMBER = "88001220122"  # the main line +78001220122, dialled the way a Russian caller would
SIP_PASSWORD = "bench-phone-secret"
TONE_HZ = 440
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
RUN_LIMIT_S = 780  # the whole run, set-up included, stays under thirteen minutes
HOTLINE_STOP_S = 20.0
RECORDINGS_CHECKED = 5  # recordings fetched per level and checked for the tone on both channels


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_media_port() -> int:
    """An even UDP port with the one two above it free as well: SIPp binds both (audio, video)."""
    for _attempt in range(100):
        port = free_port()
        if port % 2 or port + 2 > 65535:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind(("127.0.0.1", port + 2))
            except OSError:
                continue
        return port
    raise RuntimeError("no free pair of UDP ports for SIPp's media")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, all its threads included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


async def wait_bound(port: int, timeout: float = 10.0) -> None:
    """Until another process has bound this UDP port on loopback."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"nothing bound UDP port {port}")


def sipp_rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    return list(csv.DictReader(path.open(), delimiter=";"))


def counter(row: dict[str, str], name: str) -> int:
    value = row.get(name, "") or "0"
    return int(value) if value.isdigit() else 0


def sipp_duration_ms(value: str) -> float:
    """SIPp's "HH:MM:SS:microseconds" as milliseconds."""
    hours, minutes, seconds, micros = (int(part) for part in value.split(":"))
    return round((hours * 3600 + minutes * 60 + seconds) * 1000 + micros / 1000, 1)


def write_tone(path: Path) -> None:
    """One second of a 440 Hz tone as PCMU in a WAV file: what SIPp's rtp_stream sends as payload."""
    n = np.arange(8000)
    pcm = (8000 * np.sin(2 * np.pi * TONE_HZ * n / 8000)).astype(np.int16)
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(1)
        writer.setframerate(8000)
        writer.writeframes(PCMU.encode(pcm))


@dataclass
class Level:
    name: str
    rate: float
    calls: int
    hold_s: float


@dataclass
class Hotline:
    """The hotline process and what it printed when it was ready."""

    process: asyncio.subprocess.Process
    log: Path
    base_url: str
    sip_port: int
    ready: dict[str, Any]
    log_offset: int = 0

    def new_log_lines(self) -> list[str]:
        with self.log.open("rb") as reader:
            reader.seek(self.log_offset)
            data = reader.read()
        self.log_offset += len(data)
        return data.decode(errors="replace").splitlines()


@dataclass
class Desk:
    http: httpx.AsyncClient
    csrf: str

    async def write(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.request(method, path, headers={"X-CSRF-Token": self.csrf}, **kwargs)


async def sign_in(base_url: str, login: str, password: str) -> Desk:
    # idle connections are dropped by the client before the server's 5 s keep-alive can close them
    # under a request (operators stay idle while their phones register)
    client = httpx.AsyncClient(base_url=base_url, timeout=30, limits=httpx.Limits(keepalive_expiry=2.0))
    response = await client.post("/api/v1/auth/login", json={"login": login, "password": password})
    response.raise_for_status()
    return Desk(client, response.json()["csrf_token"])


def server_environment(args: argparse.Namespace) -> dict[str, str]:
    """The hotline's environment: with `--server-src`, the product's code is taken from that folder (an
    export of another commit), so that two versions are measured side by side by the same driver."""
    environment = dict(os.environ)
    if args.server_src:
        environment["PYTHONPATH"] = str(Path(args.server_src).resolve())
    if args.profile:
        environment["C122_BENCH_PROFILE"] = str(Path(args.profile).resolve())
    return environment


async def start_hotline(args: argparse.Namespace, database_url: str, workdir: Path) -> Hotline:
    http_port = free_port(socket.SOCK_STREAM)
    sip_port = free_port()
    log = workdir / "hotline.log"
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(HERE / "call_flow_server.py"), "--database-url", database_url,
        "--data-dir", str(workdir / "data"), "--http-port", str(http_port), "--sip-port", str(sip_port),
        "--sip-ws-port", str(free_port(socket.SOCK_STREAM)), "--operators", str(args.operators),
        *(["--sip-rate-limit"] if args.sip_rate_limit else []),
        "--media-workers", str(args.media_workers),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=log.open("wb"),
        env=server_environment(args),
    )  # fmt: skip
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), 180)
    except TimeoutError:
        process.kill()
        raise
    if not line:
        await process.wait()
        raise RuntimeError(f"the hotline did not start:\n{log.read_text()[-3000:]}")
    return Hotline(process, log, f"http://127.0.0.1:{http_port}", sip_port, json.loads(line))


async def stop_process(process: asyncio.subprocess.Process, timeout: float = 20.0) -> None:
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(process.wait(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()


async def retried(request: Callable[[], Awaitable[T]], attempts: int = 3) -> T:
    """A set-up request, tried again when the connection breaks under it (a loaded machine; the
    requests repeated here - sign-in, phone, ready - give the same result when repeated)."""
    for attempt in range(attempts):
        try:
            return await request()
        except httpx.TransportError:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(1.0)
    raise AssertionError("unreachable")


async def put_operators_on_duty(hotline: Hotline, admin: Desk, wrap_up_s: float, phone_port: int) -> int:
    """Wrap-up (and no callbacks) through the queue admin API; each operator signs in, sets a SIP
    phone, which registers from `phone_port` (the phones' SIPp takes that port over afterwards), and
    starts the shift. Returns how many phones are registered."""
    queue_id = hotline.ready["queue_id"]
    # No callback list: with no carrier trunk here, every callback of an abandoned caller would ring an
    # operator only to fail dialling out, which measures the missing trunk rather than the call flow.
    settings = {"wrap_up_s": wrap_up_s, "callbacks_enabled": False}
    response = await admin.write("PATCH", f"/api/v1/admin/queues/{queue_id}", json=settings)
    response.raise_for_status()
    logins: list[str] = hotline.ready["operators"]
    password: str = hotline.ready["operator_password"]
    gate = asyncio.Semaphore(16)

    async def with_phone(login: str) -> Desk:
        async with gate:
            desk = await retried(lambda: sign_in(hotline.base_url, login, password))
            phone = {"mode": "sip", "sip_password": SIP_PASSWORD}
            put = await retried(lambda: desk.write("PUT", "/api/v1/operators/me/phone", json=phone))
            put.raise_for_status()
            return desk

    desks = await asyncio.gather(*(with_phone(login) for login in logins))
    await register_phones(logins, hotline.sip_port, phone_port)

    async def on_duty(desk: Desk) -> bool:
        async with gate:
            phone = await retried(lambda: desk.http.get("/api/v1/operators/me/phone"))
            registered = bool(phone.json()["sip"]["registered"])
            state = await retried(
                lambda: desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
            )
            state.raise_for_status()
            await desk.http.aclose()
            return registered

    return sum(await asyncio.gather(*(on_duty(desk) for desk in desks)))


async def register_phones(logins: list[str], sip_port: int, phone_port: int) -> None:
    """Every account's REGISTER, with digest, from the port the phones' SIPp will listen on."""
    stack = SipStack("127.0.0.1", udp_port=phone_port, tcp_port=None, protection=None)
    await stack.start()
    try:
        trunks = [
            Trunk(
                TrunkSettings(
                    name=login,
                    host="127.0.0.1",
                    port=sip_port,
                    username=login,
                    password=SIP_PASSWORD,
                    register_expires=3600,
                ),
                stack.send_request,
                lambda _transport: ("127.0.0.1", phone_port),
            )
            for login in logins
        ]
        gate = asyncio.Semaphore(32)

        async def register(trunk: Trunk) -> int:
            async with gate:
                return await trunk.register(3600)

        # a refused phone is counted, not fatal: with --sip-rate-limit, refusals are the finding
        await asyncio.gather(*(register(t) for t in trunks))
    finally:
        await stack.stop()


async def start_phones(workdir: Path, phone_port: int) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        "sipp", "-sf", str(SCENARIOS / "operator_phones.xml"), "-i", "127.0.0.1", "-p", str(phone_port),
        "-mi", "127.0.0.1", "-mp", str(free_media_port()), "-rtp_echo", "-cp", str(free_port()),
        "-nostdin", "-trace_stat", "-stf", "phones.csv", "-fd", "1", "-trace_err",
        "-max_socket", "5000", "-buff_size", str(4 * 1024 * 1024),
        cwd=workdir, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await wait_bound(phone_port)
    return process


@dataclass
class QueueSamples:
    waiting: list[int] = field(default_factory=list)
    available: list[int] = field(default_factory=list)
    longest_wait_s: list[float] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        return {
            "samples": len(self.waiting),
            "peak_waiting": max(self.waiting, default=0),
            "min_available_operators": min(self.available, default=0),
            "peak_longest_wait_s": round(max(self.longest_wait_s, default=0.0), 2),
        }


async def answer_of(admin: Desk, path: str, **params: str) -> dict[str, Any]:
    """The JSON of a 200 answer; an overloaded hotline's refusal (or a broken connection) raises
    ApiRefused with what it said, for the caller to try again or report."""
    try:
        response = await admin.http.get(path, params=params)
    except httpx.HTTPError as exc:
        raise ApiRefused(f"{path}: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise ApiRefused(f"{path}: {response.status_code} {response.text[:200]}")
    answer: dict[str, Any] = response.json()
    return answer


class ApiRefused(Exception):
    pass


async def sample_queue(admin: Desk, queue_id: int, samples: QueueSamples) -> None:
    while True:
        with contextlib.suppress(ApiRefused):
            live = await answer_of(admin, f"/api/v1/queues/{queue_id}")
            samples.waiting.append(int(live["waiting"]))
            samples.available.append(int(live["available_operators"]))
            samples.longest_wait_s.append(float(live["longest_wait_s"]))
        await asyncio.sleep(0.5)


async def wait_settled(admin: Desk, queue_id: int, operators: int, timeout: float = 60.0) -> bool:
    """Until no call is active and every operator is available again (wrap-up over)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            active = await answer_of(admin, "/api/v1/calls/count", status="active")
            live = await answer_of(admin, f"/api/v1/queues/{queue_id}")
        except ApiRefused as exc:
            print(f"not settled yet: {exc}", flush=True)
        else:
            if active["total"] == 0 and live["available_operators"] >= operators:
                return True
        await asyncio.sleep(0.5)
    return False


async def call_records(admin: Desk, since: datetime, until: datetime) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    params: dict[str, Any] = {"from": since.isoformat(), "to": until.isoformat(), "limit": 200}
    while True:
        page = await admin.http.get("/api/v1/calls", params={**params, "offset": len(records)})
        page.raise_for_status()
        items = page.json()["items"]
        records += items
        if len(items) < 200:
            return records


def peak_overlap(spans: list[tuple[str, str | None]]) -> int:
    """Most intervals open at one moment (ISO timestamps; an open end counts as still up)."""
    edges: list[tuple[datetime, int]] = []
    for start, end in spans:
        edges.append((datetime.fromisoformat(start), 1))
        if end is not None:
            edges.append((datetime.fromisoformat(end), -1))
    up = peak = 0
    for _moment, step in sorted(edges, key=lambda e: (e[0], e[1])):
        up += step
        peak = max(peak, up)
    return peak


def record_figures(all_records: list[dict[str, Any]]) -> dict[str, Any]:
    """The callers' (inbound) records; others (the hotline calling abandoned callers back) counted apart."""
    records = [r for r in all_records if r["direction"] == "inbound"]
    others = [r for r in all_records if r["direction"] != "inbound"]
    answered = [r for r in records if r["status"] == "answered"]
    waits = [float(r["wait_s"]) * 1000 for r in answered]
    after_offer = [
        (datetime.fromisoformat(r["connected_at"]) - datetime.fromisoformat(r["offered_at"])).total_seconds()
        * 1000
        for r in answered
        if r.get("offered_at") and r.get("connected_at")
    ]
    talks = [float(r["talk_s"]) for r in answered]
    return {
        "count": len(records),
        "by_status": dict(Counter(r["status"] for r in records)),
        "by_end_cause": dict(Counter(str(r["end_cause"]) for r in records)),
        "answered_with_recording": sum(1 for r in answered if r["has_recording"]),
        "wait_in_queue": percentiles(waits) if waits else None,
        # the operator's phone rung (offered_at) until the conversation is up (connected_at)
        "answer_after_offer": percentiles(after_offer) if after_offer else None,
        "talk_s_mean": round(sum(talks) / len(talks), 2) if talks else None,
        "peak_calls_up": peak_overlap([(r["started_at"], r["ended_at"]) for r in records]),
        "peak_conversations": peak_overlap([(r["connected_at"], r["ended_at"]) for r in answered]),
        "other_records": dict(Counter(f"{r['direction']} {r['status']} {r['end_cause']}" for r in others)),
    }


def stereo(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    with wave.open(io.BytesIO(data), "rb") as reader:
        frames = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
        if reader.getnchannels() != 2:
            return frames, np.zeros(0, dtype=np.int16)
    pairs = frames.reshape(-1, 2)
    return pairs[:, 0], pairs[:, 1]


async def check_recordings(admin: Desk, records: list[dict[str, Any]]) -> dict[str, Any]:
    """A few recordings fetched: the caller's tone on the left, the phone's echo of it on the right."""
    with_audio = [r for r in records if r["has_recording"]]
    step = max(1, len(with_audio) // RECORDINGS_CHECKED)
    sample = with_audio[::step][:RECORDINGS_CHECKED]
    both_sides = 0
    for record in sample:
        response = await admin.http.get(f"/api/v1/calls/{record['id']}/recording")
        if response.status_code != 200:
            continue
        try:
            left, right = stereo(response.content)
        except (wave.Error, EOFError):  # not a WAV (a recording still being written): not heard
            continue
        heard = [
            len(side) > 8000 and rms(side) > 300 and abs(dominant_frequency(side) - TONE_HZ) < 15
            for side in (left, right)
        ]
        both_sides += all(heard)
    return {"checked": len(sample), "tone_on_both_channels": both_sides}


def recording_files(folder: Path) -> dict[str, int]:
    """One entry per recording: the compressor turns `<name>.wav` into `<name>.ogg` (through
    `<name>.ogg.part`) while this walks, so a file may vanish between listing and reading and a
    recording may briefly exist under two suffixes."""
    sizes: dict[str, int] = {}
    for path in folder.rglob("*") if folder.exists() else []:
        if path.suffix not in (".wav", ".ogg"):
            continue
        with contextlib.suppress(FileNotFoundError):
            sizes[str(path.with_suffix(""))] = path.stat().st_size
    return {
        "files": len(sizes),
        "bytes": sum(sizes.values()),
        "without_audio": sum(1 for s in sizes.values() if s <= 44),
    }


LOG_LEVEL = re.compile(r"^\S+ \S+ (WARNING|ERROR|CRITICAL) +(\S+) \[[^]]*\] (.*)$")
VARYING = re.compile(r"[0-9a-f]{6,}|\d+")  # ids, ports, numbers: blanked so that alike lines group


def log_figures(lines: list[str]) -> dict[str, Any]:
    """Lines at WARNING and above, grouped by logger and message with numbers blanked."""
    kinds: Counter[str] = Counter()
    for line in lines:
        match = LOG_LEVEL.match(line)
        if match:
            level, logger, message = match.groups()
            kinds[f"{level} {logger}: {VARYING.sub('#', message)[:160]}"] += 1
    return {
        "warnings_and_errors": sum(kinds.values()),
        "tracebacks": sum(1 for line in lines if line.startswith("Traceback")),
        "most_common": [{"count": n, "line": text} for text, n in kinds.most_common(8)],
    }


@dataclass
class CpuSamples:
    """The hotline's CPU seconds every half second: the busiest second shows saturation."""

    points: list[tuple[float, float]] = field(default_factory=list)

    def peak_fraction(self) -> float:
        pairs = zip(self.points, self.points[2:], strict=False)
        return round(max(((c2 - c1) / (t2 - t1) for (t1, c1), (t2, c2) in pairs), default=0.0), 3)


async def sample_cpu(pid: int, samples: CpuSamples) -> None:
    while True:
        samples.points.append((time.monotonic(), cpu_seconds(pid)))
        await asyncio.sleep(0.5)


def loop_figures(path: Path, since: float, until: float) -> dict[str, Any]:
    """From the hotline's once-a-second line between two wall-clock times: the worst event-loop
    lateness of each second, the most database connections in use, the most asyncio tasks, and the SQL
    statements executed in between."""
    lag: list[float] = []
    connections: list[int] = []
    tasks: list[int] = []
    statements: list[int] = []
    if path.exists():
        for line in path.read_text().splitlines():
            moment, lag_ms, in_use, running, executed = line.split()
            if since <= float(moment) <= until:
                lag.append(float(lag_ms))
                connections.append(int(in_use))
                tasks.append(int(running))
                statements.append(int(executed))
    return {
        "event_loop_lag_ms_worst_per_second": percentiles(lag) if lag else None,
        "database_connections_in_use_peak": max(connections, default=None),
        "seconds_with_database_pool_at_peak": connections.count(max(connections, default=-1)),
        "asyncio_tasks_peak": max(tasks, default=None),
        "sql_statements": statements[-1] - statements[0] if statements else None,
    }


def collector_figures(path: Path, since: float, until: float) -> dict[str, Any]:
    """The cycle collector's passes over the middle and the oldest generation between two wall-clock
    times: how many, how long each stopped the event loop, and how many objects they freed."""
    passes: dict[int, list[tuple[float, int]]] = {1: [], 2: []}
    if path.exists():
        for line in path.read_text().splitlines():
            moment, generation, took_ms, freed = line.split()
            if since <= float(moment) <= until:
                passes[int(generation)].append((float(took_ms), int(freed)))
    return {
        name: {
            "passes": len(found),
            "ms_each": [took for took, _freed in found],
            "freed_each": [freed for _took, freed in found],
        }
        for name, found in (("middle_generation", passes[1]), ("oldest_generation", passes[2]))
    }


async def run_callers(level: Level, hotline: Hotline, folder: Path) -> asyncio.subprocess.Process:
    arrivals_s = level.calls / level.rate
    return await asyncio.create_subprocess_exec(
        "sipp", "-sf", str(SCENARIOS / "caller.xml"), "-inf", str(folder.parent / "callers.csv"),
        "-s", SERVICE_NUMBER, f"127.0.0.1:{hotline.sip_port}", "-r", f"{level.rate:g}",
        "-m", str(level.calls), "-l", str(int(level.rate * (level.hold_s + 10))),
        "-d", str(int(level.hold_s * 1000)), "-i", "127.0.0.1", "-p", str(free_port()),
        "-mi", "127.0.0.1", "-mp", str(free_media_port()), "-cp", str(free_port()), "-nostdin",
        "-timeout", str(int(arrivals_s + level.hold_s + 60)), "-timeout_error",
        "-trace_stat", "-stf", "callers.csv", "-fd", "1", "-trace_err",
        "-max_socket", "5000", "-buff_size", str(4 * 1024 * 1024),
        cwd=folder, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def after_level(admin: Desk, queue_id: int) -> dict[str, Any]:
    """What the hotline still holds once the callers are gone and it had time to settle."""
    active = await answer_of(admin, "/api/v1/calls/count", status="active")
    live = await answer_of(admin, f"/api/v1/queues/{queue_id}")
    return {
        "active_call_records": active["total"],
        "waiting_in_queue": live["waiting"],
        "available_operators": live["available_operators"],
        "on_break_operators": live["on_break_operators"],
        "logged_in_operators": live["logged_in_operators"],
    }


async def run_level(level: Level, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """One level on a hotline of its own: a level that breaks it does not leak into the next."""
    folder = workdir / level.name
    folder.mkdir()
    shutil.copyfile(workdir / "tone.wav", folder / "tone.wav")
    async with level_database(args, folder) as database_url:
        return await run_level_on(level, args, database_url, folder)


async def run_level_on(
    level: Level, args: argparse.Namespace, database_url: str, folder: Path
) -> dict[str, Any]:
    hotline = await start_hotline(args, database_url, folder)
    phones: asyncio.subprocess.Process | None = None
    try:
        admin = await sign_in(hotline.base_url, "admin", hotline.ready["admin_password"])
        phone_port = free_port()
        registered = await put_operators_on_duty(hotline, admin, args.wrap_up, phone_port)
        phones = await start_phones(folder, phone_port)
        queue_id = hotline.ready["queue_id"]
        if not await wait_settled(admin, queue_id, args.operators):
            raise RuntimeError("the operators did not all become available")
        hotline.new_log_lines()  # set-up lines are not the level's
        result = await measure_level(level, hotline, admin, phones, folder)
        result["operators_registered"] = registered
        result["after_settling"] = await after_level(admin, queue_id)
        await admin.http.aclose()
    finally:
        if phones is not None:
            await stop_process(phones, 5)
        stopping = time.monotonic()
        await stop_process(hotline.process, HOTLINE_STOP_S)
    # SIGINT lets the hotline close its calls, telephony and database; killed when it takes too long
    result["hotline_stop"] = {
        "seconds": round(time.monotonic() - stopping, 1),
        "exit_code": hotline.process.returncode,
        "killed_after_s": HOTLINE_STOP_S if hotline.process.returncode == -signal.SIGKILL else None,
    }
    return result


async def measure_level(
    level: Level, hotline: Hotline, admin: Desk, phones: asyncio.subprocess.Process, folder: Path
) -> dict[str, Any]:
    queue_id = hotline.ready["queue_id"]
    phone_cpu_before = cpu_seconds(phones.pid)
    queue_samples, cpu_samples = QueueSamples(), CpuSamples()
    samplers = [
        asyncio.create_task(sample_queue(admin, queue_id, queue_samples)),
        asyncio.create_task(sample_cpu(hotline.process.pid, cpu_samples)),
    ]
    since, since_wall = datetime.now(UTC), time.time()
    started = time.monotonic()
    cpu_before = cpu_seconds(hotline.process.pid)
    callers = await run_callers(level, hotline, folder)
    caller_cpu = 0.0
    with contextlib.suppress(FileNotFoundError):
        while callers.returncode is None:
            caller_cpu = cpu_seconds(callers.pid)  # read while it lives: gone once reaped
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(callers.wait(), 0.5)
    await callers.wait()
    callers_s = time.monotonic() - started
    cpu_while_calling = cpu_seconds(hotline.process.pid) - cpu_before
    inside = loop_figures(folder / "data" / "loop_lag.txt", since_wall, time.time())
    inside["collector"] = collector_figures(folder / "data" / "collector.txt", since_wall, time.time())
    settled = await wait_settled(admin, queue_id, len(hotline.ready["operators"]), timeout=30)
    for sampler in samplers:
        sampler.cancel()
    await asyncio.gather(*samplers, return_exceptions=True)
    rows = sipp_rows(folder / "callers.csv")
    last = rows[-1] if rows else {}
    phone_rows = sipp_rows(folder / "phones.csv")
    phone_last = phone_rows[-1] if phone_rows else {}
    records = await call_records(admin, since, datetime.now(UTC))
    files = recording_files(folder / "data" / "recordings")
    figures = record_figures(records)
    result = {
        "level": level.name,
        "offered_cps": level.rate,
        "calls": level.calls,
        "hold_s": level.hold_s,
        "callers_sipp": {
            "exit": callers.returncode,
            "successful": counter(last, "SuccessfulCall(C)"),
            "failed": counter(last, "FailedCall(C)"),
            "retransmissions": counter(last, "Retransmissions(C)"),
            "peak_current_calls": max((counter(r, "CurrentCall") for r in rows), default=0),
            "failure_kinds": {
                k: counter(last, k)
                for k in last
                if k.startswith("Failed") and k.endswith("(C)") and counter(last, k)
            },
            # INVITE to 200 OK: how long the hotline takes to pick up (mean; worst one-second period)
            "answer_ms_mean": sipp_duration_ms(last.get("ResponseTime1(C)") or "0:0:0:0"),
            "answer_ms_worst_period": max(
                (sipp_duration_ms(r["ResponseTime1(P)"]) for r in rows if r.get("ResponseTime1(P)")),
                default=0.0,
            ),
            "cpu_s": round(caller_cpu, 2),
            "finished_after_s": round(callers_s, 1),
        },
        "phones_sipp": {
            "rung": counter(phone_last, "IncomingCall(C)"),
            "failed": counter(phone_last, "FailedCall(C)"),
            "peak_current_calls": max((counter(r, "CurrentCall") for r in phone_rows), default=0),
            "cpu_s": round(cpu_seconds(phones.pid) - phone_cpu_before, 2),
        },
        "call_records": figures,
        "recordings": {
            "files_written": files["files"],
            "bytes_written": files["bytes"],
            "files_without_audio": files["without_audio"],
            **await check_recordings(admin, records),
        },
        "queue": queue_samples.figures(),
        "hotline_cpu": {
            "seconds_while_calling": round(cpu_while_calling, 2),
            "ms_per_call": round(cpu_while_calling * 1000 / level.calls, 1),
            "fraction_of_one_core_while_calling": round(cpu_while_calling / callers_s, 3),
            "peak_fraction_of_one_core_1s": cpu_samples.peak_fraction(),
        },
        "hotline_inside": inside,
        "settled": settled,
        "hotline_log": log_figures(hotline.new_log_lines()),
    }
    answered = figures["by_status"].get("answered", 0)
    result["lost_calls"] = level.calls - min(answered, files["files"])
    result["passed"] = (
        callers.returncode == 0
        and result["callers_sipp"]["failed"] == 0
        and answered == level.calls
        and figures["answered_with_recording"] == level.calls
        and files["files"] >= level.calls
        and files["without_audio"] == 0
    )
    return result


def parse_levels(args: argparse.Namespace) -> list[Level]:
    levels = []
    if args.concurrent:  # "" leaves the concurrent check out
        rate, seconds, hold = (float(x) for x in args.concurrent.split("x"))
        levels.append(Level(f"concurrent_{int(rate * (hold - 2))}", rate, int(rate * seconds), hold))
    for text in args.rates.split(","):
        cps = float(text)
        levels.append(Level(f"cps_{text}", cps, int(cps * args.seconds), args.hold))
    return levels


@contextlib.asynccontextmanager
async def level_database(args: argparse.Namespace, folder: Path) -> AsyncIterator[str]:
    """A new SQLite file, or a new database on the PostgreSQL server, dropped after the level."""
    if not args.database_url:
        yield databases.sqlite_url(folder / "c122.db")
        return
    name, url = await databases.create_postgres_database(template=None)
    try:
        yield url
    finally:
        await databases.drop_postgres_database(name)


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    write_tone(workdir / "tone.wav")
    numbers = "\n".join(f"7916{n:07d}" for n in range(20000))
    (workdir / "callers.csv").write_text(f"SEQUENTIAL\n{numbers}\n")
    levels = []
    for level in parse_levels(args):
        try:
            levels.append(await run_level(level, args, workdir))
        except Exception as exc:  # a level that could not be set up is reported, the others still run
            levels.append({"level": level.name, "passed": False, "error": f"{type(exc).__name__}: {exc}"})
        print(json.dumps(levels[-1], ensure_ascii=False), flush=True)
    return {"operators": args.operators, "wrap_up_s": args.wrap_up, "levels": levels}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="20,50,100", help="calls per second, one level each")
    parser.add_argument("--seconds", type=float, default=10.0, help="arrivals per rate level")
    parser.add_argument("--hold", type=float, default=5.0, help="seconds each caller stays on the line")
    parser.add_argument("--concurrent", default="10x15x12", help="rate x seconds x hold of the first level")
    parser.add_argument("--operators", type=int, default=500)
    parser.add_argument("--wrap-up", type=float, default=1.0)
    parser.add_argument("--database-url", default="", help="PostgreSQL server; default: SQLite")
    parser.add_argument("--sip-rate-limit", action="store_true", help="keep the per-source SIP limit")
    parser.add_argument("--media-workers", type=int, default=0, help="the hotline's media worker processes")
    parser.add_argument(
        "--server-src", default="", help="take the hotline's c122 package from this src folder"
    )
    parser.add_argument("--profile", default="", help="profile the hotline with cProfile into this file")
    parser.add_argument("--keep", action="store_true", help="keep the working folder (logs, recordings)")
    args = parser.parse_args()
    if args.database_url and not args.database_url.startswith("postgresql+asyncpg://"):
        parser.error("--database-url: a postgresql+asyncpg:// URL of the server to create databases on")
    os.environ["C122_TEST_POSTGRES_URL"] = args.database_url or databases.DEFAULT_POSTGRES_URL
    load_before = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="call_flow_load_"))
    try:
        async with asyncio.timeout(RUN_LIMIT_S):
            figures = await run(args, workdir)
    finally:
        if args.keep:
            print(f"working folder kept: {workdir}", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    command = " ".join(["bench/call_flow_load.py", *sys.argv[1:]])
    document = {
        "command": command,
        "database": "postgresql" if args.database_url else "sqlite",
        "sip_rate_limit_for_loopback": args.sip_rate_limit,
        "media_workers": args.media_workers,
        "target": "100 concurrent calls with media and recording on the 2-core machine, no lost calls",
        "target_met": figures["levels"][0]["passed"],
        **figures,
        "note": "the hotline, both SIPp processes and this driver share the 2-core machine",
        # other work on the machine skews the figures; the 1-minute load average says how much
        "load_average_1m": {"before": round(load_before[0], 2), "after": round(os.getloadavg()[0], 2)},
    }
    print(write_result("call_flow_load", document))


if __name__ == "__main__":
    uvloop.run(main())
