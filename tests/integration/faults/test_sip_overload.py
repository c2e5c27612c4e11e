"""Floods at bounded rates on loopback (issue: 2,000 calls in 4 s took every RTP port, everyone got
480, blocked callers could not hang up, queue entries outlived their calls).

Calls past the caps are refused with 503 and Retry-After while admitted calls go on to their
BYE; a source blocked by the rate limiter can still end its call; after a flood on the hotline no
queue entry and no active call record is left behind. SIPp runs each call with uac_or_503.xml: a
call counts as failed when an answer is lost, late or a 503 lacks Retry-After.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from c122.telephony.sip import ProtectionSettings
from c122.telephony.sip.admission import REFUSED, AdmissionSettings
from tests.integration.call_flow.conftest import (
    hotline_overrides,
    info_queue_id,
    put_menu_on_main_line,
    sip_port,
)
from tests.support.polling import until
from tests.support.server import RunningServer, running_server

pytestmark = [pytest.mark.peers, pytest.mark.serial]

SCENARIO = Path(__file__).resolve().parents[3] / "bench" / "scenarios" / "uac_or_503.xml"


T = TypeVar("T")


def reading(value: Callable[[], T]) -> Callable[[], Any]:
    """`until` reads with a coroutine; these values are plain attributes."""

    async def read() -> T:
        return value()

    return read


def scenario(workdir: Path, pause_ms: int) -> str:
    path = workdir / "uac_or_503.xml"
    path.write_text(SCENARIO.read_text().replace("PAUSE_MS", str(pause_ms)))
    return str(path)


async def test_calls_past_the_cap_get_503_with_retry_after_and_admitted_calls_complete(make_stack, sipp):
    stack, log = await make_stack(admission=AdmissionSettings(max_calls=3, retry_after=7))
    port = stack.bound_ports["udp"]
    # 8 calls within 0.2 s, each held 1.5 s: three are admitted, five arrive while they talk
    result = await sipp.run(
        ["-sf", scenario(sipp.workdir, 1500), "-s", "122", "-m", "8", "-r", "40", "-l", "8",
         f"127.0.0.1:{port}"],
        timeout=30,
    )  # fmt: skip
    assert result.returncode == 0, result.output + result.errors
    assert len(log.calls) == 3
    ended = await log.wait_ended(3)
    assert [e.reason for e in ended] == ["remote-bye"] * 3
    assert stack.admission is not None
    assert stack.admission.active == 0


async def test_a_blocked_source_can_still_hang_up_its_call(make_stack, sipp):
    stack, log = await make_stack(
        protection=ProtectionSettings(max_requests_per_source=20, rate_window=30, block_seconds=60)
    )
    port = stack.bound_ports["udp"]
    call = asyncio.ensure_future(
        sipp.run(
            ["-sf", scenario(sipp.workdir, 2500), "-s", "122", "-m", "1", f"127.0.0.1:{port}"], timeout=20
        )
    )
    await until(reading(lambda: len(log.calls)), lambda n: n == 1, timeout=10)
    # the same address floods while the call is up: the rate limiter blocks it
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as flood:
        flood.bind(("127.0.0.1", 0))
        local = flood.getsockname()[1]
        for n in range(40):
            flood.sendto(_options(local, n), ("127.0.0.1", port))
    assert stack.protection is not None
    await until(reading(lambda: stack.protection.blocked.blocked("127.0.0.1")), bool, timeout=5)
    result = await call  # SIPp's BYE comes from the blocked address and must get its 200
    assert result.returncode == 0, result.output + result.errors
    [ended] = await log.wait_ended(1)
    assert ended.reason == "remote-bye"


def _options(port: int, n: int) -> bytes:
    return (
        f"OPTIONS sip:122@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKfl{n}\r\n"
        f"From: <sip:flood@127.0.0.1>;tag=f{n}\r\nTo: <sip:122@127.0.0.1>\r\nCall-ID: flood-{n}\r\n"
        "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    ).encode()


@pytest.fixture
async def capped_hotline(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    overrides = {**hotline_overrides(tmp_path), "sip_max_calls": 3, "sip_trunk_reserve_percent": 0}
    async with running_server(database_url, with_telephony=True, **overrides) as server:
        yield server


async def test_a_flood_on_the_hotline_is_refused_at_the_cap_and_leaves_no_phantom_caller(
    capped_hotline: RunningServer, sipp
):
    hotline = capped_hotline
    queue_id = await info_queue_id(hotline)
    await put_menu_on_main_line(hotline, queue_id)
    result = await sipp.run(
        ["-sf", scenario(sipp.workdir, 3000), "-s", "88001220122", "-m", "8", "-r", "40", "-l", "8",
         f"127.0.0.1:{sip_port(hotline)}"],
        timeout=40,
    )  # fmt: skip
    assert result.returncode == 0, result.output + result.errors
    telephony = hotline.application.telephony
    assert telephony is not None
    assert telephony.sip.admission is not None
    admission = telephony.sip.admission
    await until(reading(lambda: admission.active), lambda n: n == 0, timeout=10)

    admin = await hotline.signed_in("admin")

    async def queue() -> dict[str, Any]:
        live: dict[str, Any] = (await admin.http.get(f"/api/v1/queues/{queue_id}")).json()
        return live

    live = await until(queue, lambda q: q["waiting"] == 0 and not q["calls"], timeout=10)
    assert live["calls"] == []
    calls = await until(lambda: ended_records(admin), lambda items: len(items) == 3, timeout=10)
    assert len(calls) == 3  # only the admitted calls have a record, each ended
    assert len((await admin.http.get("/api/v1/calls")).json()["items"]) == 3


@pytest.fixture
async def hotline_short_of_ports(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    """`sip_max_calls` above what the RTP range holds: three port pairs, eight calls allowed."""
    overrides = hotline_overrides(tmp_path)
    overrides.update(rtp_port_max=overrides["rtp_port_min"] + 5, sip_max_calls=8, sip_trunk_reserve_percent=0)
    async with running_server(database_url, with_telephony=True, **overrides) as server:
        yield server


async def test_calls_past_the_rtp_range_get_503_with_retry_after_counted_as_refusals(
    hotline_short_of_ports: RunningServer, sipp
):
    hotline = hotline_short_of_ports
    queue_id = await info_queue_id(hotline)
    await put_menu_on_main_line(hotline, queue_id)
    refused_before = REFUSED.labels("media")._value.get()
    # 8 calls within 0.2 s, each held 3 s: the first three take the range's three pairs, the other
    # five are admitted but find no media; a 480 (or a 503 without Retry-After) fails SIPp's call
    result = await sipp.run(
        ["-sf", scenario(sipp.workdir, 3000), "-s", "88001220122", "-m", "8", "-r", "40", "-l", "8",
         f"127.0.0.1:{sip_port(hotline)}"],
        timeout=40,
    )  # fmt: skip
    assert result.returncode == 0, result.output + result.errors
    assert REFUSED.labels("media")._value.get() - refused_before == 5
    telephony = hotline.application.telephony
    assert telephony is not None
    assert telephony.sip.admission is not None
    admission = telephony.sip.admission
    await until(reading(lambda: admission.active), lambda n: n == 0, timeout=10)
    admin = await hotline.signed_in("admin")
    calls = await until(lambda: ended_records(admin), lambda items: len(items) == 3, timeout=10)
    assert len(calls) == 3  # refused calls leave no record, like those over the caps
    assert len((await admin.http.get("/api/v1/calls")).json()["items"]) == 3


async def ended_records(admin: Any) -> list[dict[str, Any]]:
    """The call records that are over (a call's last write lands a moment after its BYE)."""
    items: list[dict[str, Any]] = (await admin.http.get("/api/v1/calls")).json()["items"]
    return [call for call in items if call["status"] != "active"]
