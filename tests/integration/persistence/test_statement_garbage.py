"""What the call path writes and reads at every call leaves nothing of SQLAlchemy in reference cycles,
on SQLite and PostgreSQL: a record's legs and segments, the interval sums it moves, the ACD's records,
the SIP dialogs, registrations and conversations kept for a restart, the calls' cards, their applicants
and help requests.
A statement built at each call with its values in an IN list left its bound parameters (and tuples,
subqueries) in cycles, about 450 objects a call that only the collector's passes over the older
generations freed, stopping the event loop for 0.2-0.5 s at 100 calls/s; these statements are built
once with expanding parameters and given their values at execution."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.support import journal_seed
from tests.support.garbage import collector_paused

from c122.domain.acd import AcdSnapshot, OperatorStatus
from c122.domain.acd.calls import WaitingCall
from c122.domain.acd.operator_state import OperatorState
from c122.domain.calls import CallLegRecord, CallRecord, RecordingSegment
from c122.persistence.calls import SqlCallRecordRepository
from c122.persistence.cases import SqlCaseRepository
from c122.persistence.contact_center import SqlAcdRepository
from c122.persistence.database import create_engine
from c122.persistence.help_requests import SqlHelpRequestRepository
from c122.persistence.tables.calls import call_cases
from c122.persistence.telephony_state import SqlTelephonyState
from c122.services.restart.ports import StoredConversation, StoredDialog, StoredLeg, StoredRegistration

AT = datetime(2026, 9, 12, 8, 30, tzinfo=UTC)
TURNS = 3


def _segment(leg_id: str, n: int) -> RecordingSegment:
    return RecordingSegment(
        legs=(leg_id,), started_at=AT + timedelta(seconds=n), ended_at=None, offset_s=float(n),
        duration_s=None, mixed=False,
    )  # fmt: skip


def _record(call_id: str) -> CallRecord:
    legs = tuple(
        CallLegRecord(leg_id=f"{call_id}-{n}", kind="sip", role=role, party=party, started_at=AT)
        for n, (role, party) in enumerate((("caller", "+79161234567"), ("operator", "12")))
    )
    segments = tuple(_segment(legs[0].leg_id, n) for n in range(2))
    return CallRecord(
        id=call_id, direction="inbound", status="active", line_number="+78001220122",
        caller="+79161234567", called="+78001220122", started_at=AT, queued_at=AT, group_id=2,
        queue_id=1, legs=legs, recording_path=f"{call_id}.wav", segments=segments,
    )  # fmt: skip


def _waiting(call_id: str) -> WaitingCall:
    return WaitingCall(
        call_id=call_id, queue_id="7", caller="79161234567", enqueued_at=1.0, joined_at=1.0, seq=1
    )


def _dialog(call_id: str) -> StoredDialog:
    return StoredDialog(
        call_id=call_id, local_tag="ours", remote_tag="theirs", local_uri="<sip:hotline@127.0.0.1>;tag=ours",
        remote_uri="<sip:peer@127.0.0.1>;tag=theirs", remote_target="sip:peer@127.0.0.1:5099",
        route_set=(), local_cseq=1, remote_cseq=1, local_contact="<sip:h@127.0.0.1>", transport="udp",
        flow_transport=None, flow_host=None, flow_port=None, established_at=AT, invite=None,
    )  # fmt: skip


def _conversation(call_id: str) -> StoredConversation:
    leg = StoredLeg(
        channel_id=f"ch-{call_id}", direction="inbound", caller="79161234567", called="88001220122",
        sip_call_id=call_id, local_tag="ours", rtp_port=31000, remote_host="127.0.0.1", remote_port=47000,
        codec="PCMU", dtmf_payload_type=101, local_sdp="v=0", remote_sdp="v=0",
    )  # fmt: skip
    return StoredConversation(call_id, (leg,), {"queue_id": 1}, AT)


def _binding(account: str) -> StoredRegistration:
    return StoredRegistration(
        account=account, contact=f"<sip:{account}@127.0.0.1:5070>", expires_at=AT + timedelta(hours=1),
        call_id=f"reg-{account}", cseq=1, source_transport="udp", source_host="127.0.0.1", source_port=5070,
    )  # fmt: skip


async def _a_turn_of_calls(engine: AsyncEngine, turn: int, linked: list[str]) -> None:
    """Two calls as the call path stores them, from their first save to their end, and what goes with
    them: each statement that takes a list of values runs with two values and more."""
    calls = [f"turn-{turn}-{n}" for n in range(2)]
    async with engine.begin() as db:
        records = SqlCallRecordRepository(db)
        saved = [_record(call_id) for call_id in calls]
        await records.save_many(saved, UTC)
        # a leg and a segment fewer, and another group: the stale rows and the emptied interval deleted
        await records.save_many(
            [
                replace(r, status="answered", group_id=3, legs=r.legs[1:], segments=r.segments[:1])
                for r in saved
            ],
            UTC,
        )
        await records.set_wrap_ups([(call_id, 5.0) for call_id in calls])
        cards = SqlCaseRepository(db)
        found = await cards.cases_of_calls(linked)
        assert len(found) == len(linked)
        assert len(await cards.rows([card.id for card in found.values() if card.id is not None])) == len(
            linked
        )
        await cards.applicants_of_phones(["+79161234567", "+79161234568"])
        assert await SqlHelpRequestRepository(db).active_on_calls(calls) == []
        # the ACD: both calls wait, then leave the queue
        ready = OperatorState(operator_id="1", status=OperatorStatus.READY, since=1.0, call_id=None)
        empty = AcdSnapshot(operators=(ready,), waiting=(), connected=(), callbacks=(), seq=turn)
        waiting = replace(empty, waiting=tuple(_waiting(call_id) for call_id in calls))
        acd = SqlAcdRepository(db)
        await acd.save_snapshot(None, empty, AT)
        await acd.save_snapshot(empty, waiting, AT)
        await acd.save_snapshot(waiting, empty, AT)
    state = SqlTelephonyState(engine)
    await state.save_dialogs({(c, "ours"): _dialog(c) for c in calls})
    await state.save_dialogs(dict.fromkeys(((c, "ours") for c in calls), None))
    await state.save_conversations({c: _conversation(c) for c in calls})
    await state.save_conversations(dict.fromkeys(calls, None))
    await state.save_registrations({"101": [_binding("101")], "102": [_binding("102")]})


async def test_the_call_paths_statements_leave_nothing_for_the_cycle_collector(database_url: str) -> None:
    await journal_seed.seed(database_url, 30)  # calls with cards, whose cards the call path reads
    engine = create_engine(database_url)
    try:
        async with engine.connect() as db:
            linked = sorted({row.call_id for row in await db.execute(select(call_cases.c.call_id))})[:2]
        # SQLAlchemy's compiled statements and the drivers' prepared ones are made by the first turn
        await _a_turn_of_calls(engine, 0, linked)
        with collector_paused() as cycles:
            for turn in range(1, TURNS + 1):
                await _a_turn_of_calls(engine, turn, linked)
    finally:
        await engine.dispose()
    assert not cycles.left("sqlalchemy"), cycles.explain("sqlalchemy")
