"""Records left `active` are closed by the one rule of `domain.calls.restart`, with the cause that says
who closed them: a restart closes those no call of this process carries (`system_restart`); the
surviving leader closes exactly those a dead node carried (`node_lost`). Both databases."""

from __future__ import annotations

from datetime import timedelta

from tests.support.server import running_server

from c122.domain.calls import NODE_LOST, SYSTEM_RESTART, CallRecord


async def test_a_restart_and_a_dead_nodes_sweep_close_the_records_they_own(database_url):
    async with running_server(database_url) as server:
        calls = server.application.context.calls
        at = server.clock.now() - timedelta(minutes=5)
        for call_id in ("running", "left", "on-node-b", "elsewhere"):
            await calls.save(
                CallRecord(
                    id=call_id,
                    direction="inbound",
                    status="active",
                    caller="+79161234567",
                    called="88001220122",
                    started_at=at,
                )
            )

        async def end_causes() -> dict[str, str | None]:
            async with server.application.uow_factory() as uow:
                found = {
                    call_id: await uow.calls.get(call_id)
                    for call_id in ("running", "left", "on-node-b", "elsewhere")
                }
            return {
                call_id: r.record.end_cause if r is not None and r.record.status != "active" else None
                for call_id, r in found.items()
            }

        assert await calls.close_lost({"on-node-b", "no-such-call"}) == ["on-node-b"]
        assert await calls.close_after_restart(lambda: {"running", "elsewhere"}) == ["left"]
        assert await end_causes() == {
            "running": None,
            "left": SYSTEM_RESTART,
            "on-node-b": NODE_LOST,
            "elsewhere": None,
        }
