"""A call's recording segments are stored with its record and come back on the call's read, in order;
saving the record again replaces them, and closing the records a restart left active keeps them (on
SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tests.support.server import running_server

from c122.domain.calls import CallLegRecord, CallRecord, RecordingSegment


async def test_segments_are_stored_read_in_order_replaced_and_kept_by_a_restarts_close(database_url):
    async with running_server(database_url) as server:
        calls = server.application.context.calls
        at = server.clock.now() - timedelta(minutes=5)
        legs = tuple(
            CallLegRecord(leg_id=f"leg-{role}", kind="sip", role=role, party=party, started_at=at)
            for role, party in (("caller", "+79161234567"), ("operator", "7"), ("consultant", "+74951112233"))
        )
        segments = (
            RecordingSegment(("leg-caller", "leg-operator"), at, at + timedelta(seconds=10), 0.0, 9.96),
            RecordingSegment(("leg-consultant", "leg-operator"), at + timedelta(seconds=14), None, 9.96),
        )
        record = CallRecord(
            id="call-seg",
            direction="inbound",
            status="active",
            caller="+79161234567",
            called="88001220122",
            started_at=at,
            connected_at=at,
            recording_path="call-seg.wav",
            legs=legs,
            segments=segments,
        )
        await calls.save(record)

        async def stored() -> tuple[RecordingSegment, ...]:
            async with server.application.uow_factory() as uow:
                found = await uow.calls.get("call-seg")
            assert found is not None
            return found.record.segments

        assert await stored() == segments
        assert await calls.close_after_restart(set) == ["call-seg"]
        assert await stored() == segments  # the cut-off segment runs to the file's end
        conference = RecordingSegment(
            ("leg-caller", "leg-operator", "leg-consultant"),
            at + timedelta(seconds=30),
            None,
            20.0,
            mixed=True,
        )
        await calls.save(replace(record, segments=(conference,)))
        assert await stored() == (conference,)
