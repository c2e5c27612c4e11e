"""Several SIP listeners on one UDP port (`SO_REUSEPORT`), as the listener processes of one node
would share it: SIPp with a socket per call is spread over them, and every call completes in the
listener that took its INVITE, with no retransmission at a bounded rate (a correctness check, not
a timing one). Two listeners in one process stand for two processes: the kernel spreads by the
sender's address and port either way."""

from __future__ import annotations

import contextlib
import csv
from collections.abc import AsyncIterator

import pytest
from tests.integration.sip.conftest import FAST_TIMERS, CallLog, answer_at_once, free_port, recording_handler

from c122.telephony.sip import SipStack

pytestmark = pytest.mark.peers

CALLS = 30


@pytest.fixture
async def stacks() -> AsyncIterator[list[SipStack]]:
    made: list[SipStack] = []
    yield made
    for stack in made:
        with contextlib.suppress(Exception):
            await stack.stop()


def listener(port: int, log: CallLog, *, reuse_port: bool) -> SipStack:
    return SipStack(
        "127.0.0.1",
        udp_port=port,
        tcp_port=None,
        timers=FAST_TIMERS,
        on_incoming_call=recording_handler(log, answer_at_once),
        reuse_port=reuse_port,
    )


async def test_calls_are_spread_over_listeners_sharing_the_port_and_complete_without_retransmission(
    sipp, stacks
):
    port = free_port()
    logs = [CallLog(), CallLog()]
    for log in logs:
        stacks.append(listener(port, log, reuse_port=True))
        await stacks[-1].start()
    stats = sipp.workdir / "stats.csv"
    result = await sipp.run(
        ["-sn", "uac", "-m", str(CALLS), "-r", "10", "-l", "10", "-max_socket", "200",
         "-trace_stat", "-stf", str(stats), "-fd", "1", f"127.0.0.1:{port}"],
        transport="un",
    )  # fmt: skip
    assert result.returncode == 0, result.output + result.errors
    taken = [len(log.calls) for log in logs]
    assert sum(taken) == CALLS
    assert min(taken) > 0, taken  # a socket per call: both listeners get calls (2**-29 otherwise)
    for log, count in zip(logs, taken, strict=True):
        ended = await log.wait_ended(count)
        assert [e.reason for e in ended] == ["remote-bye"] * count
    last = list(csv.DictReader(stats.open(), delimiter=";"))[-1]
    assert last["FailedCall(C)"] == "0"
    assert last["Retransmissions(C)"] == "0"


async def test_the_port_stays_exclusive_unless_every_listener_shares_it(stacks):
    port = free_port()
    stacks.append(listener(port, CallLog(), reuse_port=False))
    await stacks[-1].start()
    for reuse_port in (False, True):
        intruder = listener(port, CallLog(), reuse_port=reuse_port)
        with pytest.raises(OSError, match="in use"):
            await intruder.start()
