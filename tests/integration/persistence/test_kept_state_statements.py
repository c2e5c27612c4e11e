"""What the call path keeps for a restart costs few statements, and what is kept reads back the same:
the SIP dialogs and conversations (an upsert of what is kept and a DELETE of what is forgotten per
batch, a dialog kept and forgotten before any batch stored it not written at all) and the ACD's
snapshot (one DELETE and one upsert per save whatever the kinds of records, the meta row among them;
the meta row an older version kept in acd_meta still read, and removed by the first save), on SQLite
and PostgreSQL."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from c122.domain.acd import AcdSnapshot, OperatorStatus
from c122.domain.acd.calls import ConnectedCall, WaitingCall
from c122.domain.acd.operator_state import OperatorState
from c122.persistence import acd_codec as codec
from c122.persistence import tables
from c122.persistence.contact_center import SqlAcdRepository
from c122.persistence.database import create_engine
from c122.persistence.telephony_state import SqlTelephonyState
from c122.services.restart.ports import DialogKey, StoredConversation, StoredDialog, StoredLeg
from c122.telephony.sip import SipStack
from c122.telephony.sip.kept_dialogs import KeptDialogs

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    database = create_engine(database_url)
    try:
        yield database
    finally:
        await database.dispose()


@contextlib.contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """The statements sent to the database inside the block (their first word and table)."""
    sent: list[str] = []

    def executed(_connection: object, _cursor: object, statement: str, *_args: object) -> None:
        words = statement.split()
        if words[0] in ("INSERT", "DELETE", "UPDATE", "SELECT"):
            sent.append(" ".join(words[:3]))

    event.listen(engine.sync_engine, "before_cursor_execute", executed)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", executed)


def dialog(call_id: str, cseq: int = 3, invite: str | None = None) -> StoredDialog:
    return StoredDialog(
        call_id=call_id, local_tag="ours", remote_tag="theirs", local_uri="<sip:hotline@127.0.0.1>;tag=ours",
        remote_uri="<sip:peer@127.0.0.1>;tag=theirs", remote_target="sip:peer@127.0.0.1:5099",
        route_set=("<sip:proxy;lr>",), local_cseq=cseq, remote_cseq=1, local_contact="<sip:h@127.0.0.1>",
        transport="udp", flow_transport=None, flow_host=None, flow_port=None, established_at=NOW,
        invite=invite,
    )  # fmt: skip


def conversation(call_id: str, flow: Mapping[str, int]) -> StoredConversation:
    leg = StoredLeg(
        channel_id=f"ch-{call_id}", direction="inbound", caller="79161234567", called="88001220122",
        sip_call_id=call_id, local_tag="ours", rtp_port=31000, remote_host="127.0.0.1", remote_port=47000,
        codec="PCMU", dtmf_payload_type=101, local_sdp="v=0", remote_sdp="v=0",
    )  # fmt: skip
    return StoredConversation(call_id, (leg, leg), dict(flow), NOW)


async def test_dialogs_are_upserted_and_deleted_one_statement_each_per_batch(engine: AsyncEngine) -> None:
    store = SqlTelephonyState(engine)
    await store.save_dialogs({("a", "ours"): dialog("a", invite="INVITE sip:a"), ("b", "ours"): dialog("b")})
    with statements(engine) as sent:
        # a ringing call answered (its row replaced), one ended, one new: one batch
        await store.save_dialogs(
            {("a", "ours"): dialog("a", cseq=4), ("b", "ours"): None, ("c", "ours"): dialog("c")}
        )
    assert sent == ["DELETE FROM sip_dialogs", "INSERT INTO sip_dialogs"]
    stored = {d.call_id: d for d in await store.dialogs()}
    assert stored == {"a": dialog("a", cseq=4), "c": dialog("c")}
    with statements(engine) as sent:
        await store.save_dialogs({("a", "ours"): None})
    assert sent == ["DELETE FROM sip_dialogs"]
    assert [d.call_id for d in await store.dialogs()] == ["c"]


async def test_conversations_are_upserted_and_deleted_one_statement_each(engine: AsyncEngine) -> None:
    store = SqlTelephonyState(engine)
    await store.save_conversations({"x": conversation("x", {"queue_id": 1}), "y": conversation("y", {})})
    with statements(engine) as sent:
        await store.save_conversations({"x": conversation("x", {"queue_id": 2}), "y": None})
    assert sent == ["DELETE FROM kept_conversations", "INSERT INTO kept_conversations"]
    assert [(c.call_id, c.flow) for c in await store.conversations()] == [("x", {"queue_id": 2})]


class CountingStore(SqlTelephonyState):
    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self.batches: list[dict[DialogKey, StoredDialog | None]] = []

    async def save_dialogs(self, changes: Mapping[DialogKey, StoredDialog | None]) -> None:
        self.batches.append(dict(changes))
        await super().save_dialogs(changes)


async def test_a_dialog_forgotten_before_it_was_stored_is_not_written_and_a_stored_one_is_deleted(
    engine: AsyncEngine,
) -> None:
    store = CountingStore(engine)
    await store.save_dialogs({("left", "ours"): dialog("left")})  # what a previous run left
    store.batches.clear()
    kept = KeptDialogs(SipStack("127.0.0.1", udp_port=0, tcp_port=None, protection=None), store)
    await kept.load()
    try:
        # kept and forgotten before the writer took the batch: no row, nothing written
        kept._writer.put(("short", "ours"), dialog("short"))
        kept._writer.put(("short", "ours"), None)
        await kept._writer.flush(5.0)
        assert store.batches == []
        # kept, stored, then forgotten: deleted; the previous run's dialog is deleted too
        kept._writer.put(("long", "ours"), dialog("long"))
        await kept._writer.flush(5.0)
        kept._writer.put(("long", "ours"), None)
        kept._writer.put(("left", "ours"), None)
        await kept._writer.flush(5.0)
    finally:
        await kept.close()
    assert store.batches == [
        {("long", "ours"): dialog("long")},
        {("long", "ours"): None, ("left", "ours"): None},
    ]
    assert await store.dialogs() == []


def operator(operator_id: str, status: OperatorStatus, call_id: str | None = None) -> OperatorState:
    return OperatorState(operator_id=operator_id, status=status, since=1.0, call_id=call_id)


async def test_an_acd_save_is_one_delete_and_one_upsert_whatever_the_kinds(engine: AsyncEngine) -> None:
    ready = operator("1", OperatorStatus.READY)
    waiting = WaitingCall(
        call_id="c1", queue_id="7", caller="79161234567", enqueued_at=1.0, joined_at=1.0, seq=1
    )
    first = AcdSnapshot(
        operators=(ready, operator("2", OperatorStatus.READY)),
        waiting=(waiting,),
        connected=(),
        callbacks=(),
        seq=1,
    )
    connected = ConnectedCall(
        call_id="c1", queue_id="7", operator_id="1", caller="79161234567", waited_s=0.5, connected_at=1.5
    )
    # the call is answered: it leaves the waiting calls, joins the connected ones, its operator is on it
    on_call = (operator("1", OperatorStatus.ON_CALL, "c1"), first.operators[1])
    second = replace(first, operators=on_call, waiting=(), connected=(connected,), seq=2)
    async with engine.begin() as connection:
        await SqlAcdRepository(connection).save_snapshot(None, first, NOW)
    async with engine.begin() as connection:
        with statements(engine) as sent:
            written = await SqlAcdRepository(connection).save_snapshot(first, second, NOW)
    assert written == 4  # the waiting call gone, the connected one and the operator changed, the meta
    assert sent == ["DELETE FROM acd_records", "INSERT INTO acd_records"]
    async with engine.connect() as connection:
        loaded = await SqlAcdRepository(connection).load_snapshot()
    assert loaded is not None  # rows come back in no particular order
    assert replace(loaded, operators=tuple(sorted(loaded.operators, key=lambda o: o.operator_id))) == second
    async with engine.begin() as connection:
        with statements(engine) as sent:
            await SqlAcdRepository(connection).save_snapshot(second, second, NOW)
    assert sent == []  # nothing changed, nothing written


async def test_the_meta_row_an_older_version_kept_is_read_and_removed_by_the_first_save(
    engine: AsyncEngine,
) -> None:
    waiting = WaitingCall(
        call_id="c1", queue_id="7", caller="79161234567", enqueued_at=1.0, joined_at=1.0, seq=5
    )
    older = AcdSnapshot(
        operators=(operator("1", OperatorStatus.READY),),
        waiting=(waiting,),
        connected=(),
        callbacks=(),
        seq=5,
    )
    async with engine.begin() as connection:  # as a version before this one stored it
        rows = [
            {"kind": kind, "record_id": key, "data": codec.encode(record)}
            for kind, records in codec.records_by_kind(older).items()
            for key, record in records.items()
        ]
        await connection.execute(insert(tables.acd_records), rows)
        meta = {"id": 1, "saved_at": NOW, "data": codec.encode_meta(older)}
        await connection.execute(insert(tables.acd_meta), meta)
    async with engine.connect() as connection:
        assert await SqlAcdRepository(connection).load_snapshot() == older
    newer = replace(older, waiting=(), seq=6)
    async with engine.begin() as connection:  # the first save of a run: no previous snapshot
        await SqlAcdRepository(connection).save_snapshot(None, newer, NOW)
    async with engine.connect() as connection:
        assert (await connection.execute(select(tables.acd_meta))).all() == []
        assert await SqlAcdRepository(connection).load_snapshot() == newer
