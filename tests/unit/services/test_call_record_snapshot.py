"""A call's record draft kept with its conversation for a restart comes back as it was."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from c122.services.call_flow.ports import LegQuality
from c122.services.call_flow.record import CallRecordDraft

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_a_draft_survives_its_snapshot_as_json() -> None:
    draft = CallRecordDraft.inbound("call-1", "ch-caller", "+78001220122", "+79161234567", "88001220122", AT)
    draft.ivr_choice = "menu:1"
    draft.collected["snils"] = "123"
    draft.queued(4, 2, AT + timedelta(seconds=5), 20.0)
    draft.offered(AT + timedelta(seconds=8))
    draft.operator_leg("ch-phone", "sip", 7, AT + timedelta(seconds=9))
    draft.connected(7, 4.0, AT + timedelta(seconds=9))
    draft.hold_changed(True, AT + timedelta(seconds=20))
    draft.hold_changed(False, AT + timedelta(seconds=25))
    draft.recording_path = "/data/recordings/call-1.wav"
    draft.legs[0].quality = LegQuality(jitter_ms=1.5, loss_percent=0.0)

    again = CallRecordDraft.from_snapshot(json.loads(json.dumps(draft.snapshot())))

    assert again == draft
    assert again.to_record() == draft.to_record()


def test_what_is_not_a_snapshot_is_refused() -> None:
    with pytest.raises((KeyError, TypeError, ValueError)):
        CallRecordDraft.from_snapshot({"id": "call-1"})
    snapshot = CallRecordDraft.inbound("c", "l", None, "1", "2", AT).snapshot()
    snapshot["started_at"] = "yesterday"
    with pytest.raises(ValueError, match="yesterday"):
        CallRecordDraft.from_snapshot(snapshot)
