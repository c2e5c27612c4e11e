"""Two real servers on one database and a Redis server of the test's own: what one node commits
reaches the desktops of the other, a desktop resumes its stream on the other node with the ids it
holds, and with Redis gone each node says `degraded` and keeps serving its own desktops."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest

from tests.support.polling import until
from tests.support.redis_server import RedisServer
from tests.support.server import Desk, RunningServer, running_server


@contextlib.asynccontextmanager
async def two_nodes(
    database_url: str, bus_url: str, **settings: object
) -> AsyncIterator[tuple[RunningServer, RunningServer]]:
    async with (
        running_server(database_url, event_bus_url=bus_url, **settings) as a,
        running_server(database_url, event_bus_url=bus_url, seed=False, **settings) as b,
    ):
        b.passwords.update(a.passwords)
        for node in (a, b):
            await until(
                lambda node=node: _health(node), lambda h: h["components"]["socket"]["status"] == "ok"
            )
        yield a, b


async def _health(node: RunningServer) -> dict[str, object]:
    async with node.client() as client:
        answer: dict[str, object] = (await client.get("/api/v1/health")).json()
        return answer


def on(node: RunningServer, desk: Desk) -> Desk:
    """The same browser, its requests now sent to `node` (as a load balancer would after a failover)."""
    client = node.client()
    client.cookies = desk.http.cookies
    return Desk(node, client, desk.csrf)


async def test_an_event_committed_on_one_node_reaches_a_desktop_on_the_other(
    database_url: str, redis_server: RedisServer
) -> None:
    async with two_nodes(database_url, redis_server.url) as (a, b):
        operator1 = await a.signed_in("operator1")
        async with operator1.events() as stream:
            await stream.receive()
            await b.signed_in("operator2")
            came = await stream.next_event("operator.presence_changed")
        assert (came["data"]["operator"]["login"], came["data"]["online"]) == ("operator2", True)


async def test_a_desktop_resumes_its_stream_on_the_other_node(
    database_url: str, redis_server: RedisServer
) -> None:
    async with two_nodes(database_url, redis_server.url) as (a, b):
        operator1 = await a.signed_in("operator1")
        async with operator1.events() as stream:
            ready = await stream.receive()
            await b.signed_in("operator2")
            first = await stream.next_event("operator.presence_changed")
            await stream.ack(first["id"])
            # The checkpoint is written within a second; the desktop's node then goes away.
            await until(lambda: _checkpointed(a), bool, timeout=5)
        await a.signed_in("operator4")  # happens while the desktop is away
        async with on(b, operator1).events(f"?stream={ready['stream']}&after={first['id']}") as moved:
            resumed = await moved.receive()
            following = await moved.receive()
            while following["kind"] != "event":  # a heartbeat
                following = await moved.receive()
            missed = following
            if missed["type"] != "operator.presence_changed":  # another event came between (health)
                missed = await moved.next_event("operator.presence_changed")
        assert (resumed["kind"], resumed["resumed"], resumed["snapshot"]) == ("ready", True, None)
        assert following["id"] == first["id"] + 1  # nothing skipped, nothing repeated
        assert missed["data"]["operator"]["login"] == "operator4"


async def _checkpointed(node: RunningServer) -> bool:
    handover = node.application.context.handover
    assert handover is not None
    await handover.save()
    return not node.application.context.hub.checkpoints()


@pytest.mark.serial
async def test_without_redis_each_node_is_degraded_serves_its_own_desktops_and_recovers(
    database_url: str, redis_server: RedisServer
) -> None:
    async with two_nodes(database_url, redis_server.url) as (a, b):
        operator1 = await a.signed_in("operator1")
        async with operator1.events() as stream:
            await stream.receive()
            redis_server.kill()
            for node in (a, b):
                health = await until(lambda node=node: _health(node), lambda h: h["status"] == "degraded")
                socket = health["components"]["socket"]  # type: ignore[index]
                assert socket["status"] == "degraded"
                assert "Redis unreachable" in socket["detail"]
            await a.signed_in("operator2")  # committed on the desktop's own node: it still sees it
            came = await stream.next_event("operator.presence_changed")
            assert came["data"]["operator"]["login"] == "operator2"

            redis_server.start()
            reload = await stream.receive(timeout=15)
            while reload["kind"] != "reload":
                reload = await stream.receive(timeout=15)
            assert reload["reason"] == "resync"
        for node in (a, b):
            await until(
                lambda node=node: _health(node), lambda h: h["components"]["socket"]["status"] == "ok"
            )


async def _login(node: RunningServer, login: str, password: str) -> int:
    async with node.client() as client:
        answer = await client.post("/api/v1/auth/login", json={"login": login, "password": password})
        return answer.status_code


async def test_failed_sign_ins_spread_over_nodes_lock_the_account_on_every_node(
    database_url: str, redis_server: RedisServer
) -> None:
    async with two_nodes(database_url, redis_server.url, login_max_failures=4) as (a, b):
        for node in (a, b, a, b):  # two guesses on each node: under the limit on either alone
            assert await _login(node, "operator2", "wrong-password") == 401
        assert await _login(a, "operator2", a.passwords["operator2"]) == 429
        assert await _login(b, "operator2", a.passwords["operator2"]) == 429
        assert await _login(b, "operator3", a.passwords["operator3"]) == 200  # the others still sign in


@pytest.mark.serial
async def test_without_redis_a_node_still_limits_failed_sign_ins_itself(
    database_url: str, redis_server: RedisServer
) -> None:
    async with two_nodes(database_url, redis_server.url, login_max_failures=3) as (a, _b):
        redis_server.kill()
        for _ in range(3):
            assert await _login(a, "operator2", "wrong-password") == 401
        assert await _login(a, "operator2", a.passwords["operator2"]) == 429
        assert await _login(a, "operator3", a.passwords["operator3"]) == 200
