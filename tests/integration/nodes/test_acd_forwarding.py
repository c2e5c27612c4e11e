"""Two real servers on one PostgreSQL and a Redis of the test's own: the ACD's leader is the only one
deciding. An operator whose desk is on the follower goes ready there, a call taken by the follower
is queued and offered by the leader to that operator, the follower's desk and its calls hear the
offer, the answer taken on the follower connects it on the leader; refusals come back as on one
node; outcomes the leader publishes while a follower is still catching up cost that follower one
re-read of the stored state, and each still reaches its calls, in order; a command id is decided
once; with no leader a follower says so within its timeout."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from c122.domain.acd import CallOffered, OfferRejected, OperatorStatus, Outcome
from c122.domain.errors import Unavailable
from c122.realtime.acd_relay import COMMANDS_KEY, RedisAcdRelay
from c122.services.contact_center.commands import AcdCommand
from tests.support.polling import reading, until
from tests.support.redis_server import RedisServer
from tests.support.server import RunningServer, running_server

pytestmark = pytest.mark.serial


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("several nodes need PostgreSQL (SQLite serves one node)")
    return database_url


@contextlib.asynccontextmanager
async def leader_and_follower(
    database_url: str, bus_url: str
) -> AsyncIterator[tuple[RunningServer, RunningServer]]:
    async with (
        running_server(database_url, event_bus_url=bus_url) as a,
        running_server(database_url, event_bus_url=bus_url, seed=False) as b,
    ):
        b.passwords.update(a.passwords)
        nodes = (a, b)
        await until(
            reading(lambda: [n for n in nodes if _relay(n).leading]), lambda led: len(led) == 1, timeout=15
        )
        leader = next(n for n in nodes if _relay(n).leading)
        follower = b if leader is a else a
        await follower.application.contact_center.refresh()  # the follower's copy of what the leader seeded
        yield leader, follower


def _relay(node: RunningServer) -> RedisAcdRelay:
    relay = node.application.relay
    assert relay is not None
    return relay


def _queue_of(node: RunningServer, login: str) -> tuple[int, int]:
    """The operator's id and the first queue they serve, as the node's copy of the ACD has them."""
    acd, setup = node.application.contact_center._ready()
    user = next(u for u in setup.staff.values() if u.login == login)
    return user.id, int(acd.state.members_by_operator[str(user.id)][0].queue_id)


async def test_a_call_on_the_follower_is_queued_and_offered_by_the_leader_to_a_desk_on_the_follower(
    postgres_url: str, redis_server: RedisServer
) -> None:
    async with leader_and_follower(postgres_url, redis_server.url) as (leader, follower):
        heard: list[Outcome] = []
        follower.application.contact_center.add_remote_listener(heard.append)
        operator = await follower.signed_in("operator1")
        user_id, queue_id = _queue_of(follower, "operator1")
        async with operator.events() as stream:
            await stream.receive()
            answer = await operator.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
            assert answer.status_code == 200, answer.text
            assert answer.json()["status"] == "ready"  # the follower's copy shows the leader's decision
            on_leader = leader.application.contact_center
            assert on_leader._ready()[0].state.operator(str(user_id)).status is OperatorStatus.READY

            call_id = f"call-{secrets.token_hex(8)}"
            await follower.application.contact_center.enqueue(call_id, queue_id, "+79990001122")

            offered = await stream.next_event("call.offered", timeout=10)
            assert offered["data"]["offer"]["call_id"] == call_id
            await until(
                reading(lambda: [e for o in heard for e in o.events if isinstance(e, CallOffered)]),
                lambda offers: any(
                    e.offer.call_id == call_id and e.offer.operator_id == str(user_id) for e in offers
                ),
                timeout=10,
            )
            accepted = await operator.write("POST", f"/api/v1/operators/me/offers/{call_id}/accept")
            assert accepted.status_code == 200, accepted.text
            assert accepted.json()["status"] == "on_call"
            assert on_leader._ready()[0].state.operator(str(user_id)).status is OperatorStatus.ON_CALL

            again = await operator.write("POST", f"/api/v1/operators/me/offers/{call_id}/accept")
            assert again.status_code == 409  # the leader's refusal, as one node gives it
            assert again.json()["code"] == "no_such_offer"


async def test_outcomes_arriving_together_cost_a_follower_one_re_read_and_each_reaches_its_call(
    postgres_url: str, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with leader_and_follower(postgres_url, redis_server.url) as (leader, follower):
        center = follower.application.contact_center
        heard: list[Outcome] = []
        center.add_remote_listener(heard.append)
        read_the_stored_state = center.refresh
        re_reads = 0
        held = asyncio.Event()

        async def counted_re_read() -> None:
            nonlocal re_reads
            re_reads += 1
            await held.wait()  # the first re-read is slow: the next outcomes arrive meanwhile
            await read_the_stored_state()

        monkeypatch.setattr(center, "refresh", counted_re_read)
        calls = [f"together-{n}" for n in range(6)]
        outcomes = [
            Outcome(
                events=(
                    OfferRejected(
                        call_id=c, operator_id="1", queue_id="1", cause="rejected", ring_s=1.0, at=0.0
                    ),
                )
            )
            for c in calls
        ]
        _relay(leader).published(outcomes[0])
        await until(reading(lambda: re_reads), lambda n: n == 1, timeout=10)
        for outcome in outcomes[1:]:
            _relay(leader).published(outcome)
        await until(
            reading(lambda: _relay(follower)._heard.qsize()), lambda n: n == len(calls) - 1, timeout=10
        )
        held.set()
        await until(reading(lambda: len(heard)), lambda n: n == len(calls), timeout=10)
        assert re_reads == 2  # the first outcome's, then one for the five that came together
        assert [e.call_id for o in heard for e in o.events if isinstance(e, OfferRejected)] == calls


async def test_a_command_id_is_decided_once_a_repeat_gets_the_first_answer_and_garbage_is_dropped(
    postgres_url: str, redis_server: RedisServer
) -> None:
    async with leader_and_follower(postgres_url, redis_server.url) as (leader, follower):
        _user_id, queue_id = _queue_of(follower, "operator1")
        call_id = f"call-{secrets.token_hex(8)}"
        command = AcdCommand("enqueue", {"call_id": call_id, "queue_id": queue_id, "caller": "+79990001133"})
        garbage = redis.Redis.from_url(redis_server.url)
        await garbage.rpush(COMMANDS_KEY, b"not a command", b'{"name": "enqueue"}')  # dropped, logged
        await garbage.aclose()
        first = await _relay(follower).forward(command)
        repeat = await _relay(follower).forward(command)
        assert first == repeat
        assert [type(e).__name__ for e in first.events][:1] == ["CallQueued"]
        waiting = leader.application.contact_center._ready()[0].state.waiting
        assert list(waiting).count(call_id) == 1


async def test_without_a_leader_a_follower_says_so_within_its_timeout(redis_server: RedisServer) -> None:
    relay = RedisAcdRelay(redis_server.url, "lonely", lambda: False, forward_timeout_s=0.5)
    with pytest.raises(Unavailable) as refused:
        await asyncio.wait_for(relay.forward(AcdCommand("set_state", {"op": 1, "desired": "ready"})), 5)
    assert refused.value.code == "acd_leader_unreachable"
