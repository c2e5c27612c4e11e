"""The conversations kept for a restart as rows (persistence/telephony_state.py), on SQLite and
PostgreSQL: a conversation kept again replaces its row without a delete, an ended one is deleted, and
what is read back is the latest of each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event

from c122.persistence.database import create_engine
from c122.persistence.telephony_state import SqlTelephonyState
from c122.services.restart.ports import StoredConversation, StoredLeg

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def _conversation(call_id: str, step: int) -> StoredConversation:
    leg = StoredLeg(
        channel_id=f"{call_id}-a", direction="inbound", caller="+79161234567", called="+78001220122",
        sip_call_id=f"{call_id}@sip", local_tag="t1", rtp_port=20000 + step, remote_host="127.0.0.1",
        remote_port=30000, codec="PCMU", dtmf_payload_type=101, local_sdp="v=0", remote_sdp="v=0",
    )  # fmt: skip
    return StoredConversation(call_id, (leg,), {"step": step}, NOW + timedelta(seconds=step))


async def test_a_conversation_kept_again_replaces_its_row_and_an_ended_one_goes(database_url: str) -> None:
    engine = create_engine(database_url)
    store = SqlTelephonyState(engine)
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement.split()[0] + " " + statement.split()[2])

    try:
        await store.save_conversations({"k-1": _conversation("k-1", 1), "k-2": _conversation("k-2", 1)})
        event.listen(engine.sync_engine, "before_cursor_execute", count)
        await store.save_conversations({"k-1": _conversation("k-1", 2)})
        assert [s for s in seen if s.startswith(("DELETE", "INSERT"))] == ["INSERT kept_conversations"]
        await store.save_conversations({"k-2": None})
        event.remove(engine.sync_engine, "before_cursor_execute", count)
        kept = await store.conversations()
        assert [(c.call_id, c.flow, c.legs[0].rtp_port, c.kept_at) for c in kept] == [
            ("k-1", {"step": 2}, 20002, NOW + timedelta(seconds=2))
        ]
    finally:
        await engine.dispose()
