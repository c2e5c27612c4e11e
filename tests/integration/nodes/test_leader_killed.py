"""kill -9 of the ACD's leader mid-shift, with callers waiting: the other node leads within 5 s and
carries on from what the leader stored: the same callers in the same order, the operators in the
same states. The leader is a real `c122 serve` (SIGKILL leaves it nothing to tidy); the follower
runs in this process and queued the calls through the leader."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import pytest

from c122.domain.acd import OperatorStatus
from tests.integration.faults.test_restart import ServerProcess
from tests.support.polling import reading, until
from tests.support.redis_server import RedisServer
from tests.support.server import running_server

pytestmark = [pytest.mark.peers, pytest.mark.serial]

TAKEOVER_S = 5.0


async def test_a_killed_leader_is_replaced_with_the_queue_and_the_operators_as_stored(
    database_url: str, redis_server: RedisServer, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several nodes need PostgreSQL (SQLite serves one node)")
    async with running_server(database_url, data_dir=tmp_path / "seed") as seeding:
        passwords = dict(seeding.passwords)  # seeded, then gone: it never took part in the election
    leader = ServerProcess(
        database_url, tmp_path / "leader", environment={"C122_EVENT_BUS_URL": redis_server.url}
    )
    try:
        await leader.start()
        async with running_server(
            database_url, event_bus_url=redis_server.url, seed=False, data_dir=tmp_path / "follower"
        ) as follower:
            follower.passwords.update(passwords)
            relay = follower.application.relay
            assert relay is not None
            await asyncio.sleep(2)  # the leader holds the lock: the follower stays a follower
            assert not relay.leading
            center = follower.application.contact_center
            await center.refresh()
            acd, setup = center._ready()
            operator = next(u for u in setup.staff.values() if u.login == "operator1")
            queue_id = int(acd.state.members_by_operator[str(operator.id)][0].queue_id)

            desk = await follower.signed_in("operator1")
            answer = await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
            assert answer.status_code == 200, answer.text
            answer = await desk.write(
                "PUT", "/api/v1/operators/me/state", json={"status": "on_break", "reason": "lunch"}
            )
            assert answer.status_code == 200, answer.text
            calls = [f"call-{secrets.token_hex(8)}" for _ in range(3)]
            for number, call_id in enumerate(calls):
                await center.enqueue(call_id, queue_id, f"+7999000110{number}")
            before = _picture(center, queue_id, operator.id)
            assert before == (calls, ("on_break", "lunch"))

            killed_at = asyncio.get_running_loop().time()
            await leader.kill()
            await until(reading(lambda: relay.leading), bool, timeout=15)
            took = asyncio.get_running_loop().time() - killed_at
            assert took < TAKEOVER_S, f"the follower led {took:.1f} s after the kill"
            await until(reading(lambda: center.started), bool)
            await asyncio.sleep(1)  # the new leader's re-read of the stored state
            assert _picture(center, queue_id, operator.id) == before
            ready = await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
            assert ready.status_code == 200, ready.text  # decided here now, without forwarding
    finally:
        await leader.stop()


def _picture(center, queue_id: int, user_id: int) -> tuple[list[str], tuple[str, str]]:
    """The queue's callers in order and the operator's state with its reason, as this node holds them."""
    acd, _setup = center._ready()
    order = [key[4] for key in acd.state.orders[str(queue_id)]]  # in the queue's order
    state = acd.state.operator(str(user_id))
    status = state.status.value if isinstance(state.status, OperatorStatus) else str(state.status)
    return order, (status, state.reason)
