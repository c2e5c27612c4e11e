"""The segments of a call's recording as the call flow notes them: each conversation with who was in
it and where the recorder put it in the file, a recording restarted on the same parties carried on, the
open one closed with the call; a record
whose segments name legs it does not have is refused; they survive the outbox and a restart's snapshot."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from c122.domain.calls import RecordingSegment, check_record
from c122.domain.errors import InvalidFields
from c122.services.call_flow.record import CallRecordDraft
from c122.services.calls.outbox import record_from_data, record_to_data

AT = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)


def seconds(n: float) -> datetime:
    return AT + timedelta(seconds=n)


def consulted_call() -> CallRecordDraft:
    """Caller and operator, the operator with a consultant, then a conference."""
    draft = CallRecordDraft.inbound("call-1", "caller", "+78001220122", "+79161234567", "88001220122", AT)
    draft.operator_leg("operator", "sip", 7, seconds(5))
    draft.connected(7, 3.0, seconds(5))
    draft.recording_path = "/data/recordings/call-1.wav"
    draft.segment_started(("caller", "operator"), seconds(5))
    draft.segment_ended(seconds(20), 14.9)  # the operator rings the consultant: nothing recorded
    draft.consultant_leg("consultant", "sip", "9", seconds(20))
    draft.segment_started(("consultant", "operator"), seconds(24))
    draft.segment_ended(seconds(40), 30.9)
    draft.segment_started(("caller", "operator", "consultant"), seconds(40), mixed=True)
    draft.segment_ended(seconds(70), 60.8)
    draft.ended(seconds(70), None)
    return draft


def test_each_conversation_is_a_segment_with_its_parties_and_place_in_the_file() -> None:
    record = consulted_call().to_record()
    # Back to back in the file, as long as the recorder wrote each: the ringing is not in it.
    assert [(s.legs, s.started_at, s.ended_at, s.mixed) for s in record.segments] == [
        (("caller", "operator"), seconds(5), seconds(20), False),
        (("consultant", "operator"), seconds(24), seconds(40), False),
        (("caller", "operator", "consultant"), seconds(40), seconds(70), True),
    ]
    places = [value for s in record.segments for value in (s.offset_s, s.duration_s)]
    assert places == pytest.approx([0.0, 14.9, 14.9, 16.0, 30.9, 29.9])
    check_record(record)


def test_a_segment_whose_end_the_recorder_did_not_report_runs_to_the_files_end() -> None:
    draft = consulted_call()
    draft.segment_started(("caller", "operator"), seconds(80))
    draft.ended(seconds(90), None)  # the recording was not stopped by the call flow (a fault)
    assert (draft.segments[-1].offset_s, draft.segments[-1].duration_s) == (60.8, None)


def test_the_same_parties_recorded_again_at_once_carry_their_segment_on() -> None:
    draft = consulted_call()
    draft.ended_at = None
    draft.segments[-1] = replace(draft.segments[-1], ended_at=None)
    draft.segment_started(("caller", "consultant"), seconds(70))  # transferred to the consultant
    draft.segment_ended(seconds(70.2), 61.0)  # the operator's part closed
    draft.segment_started(("caller", "consultant"), seconds(70.3))  # the caller's talk goes on
    draft.segment_ended(seconds(80), 70.8)
    draft.segment_started(("caller", "consultant"), seconds(90))  # the same two, but later: a new one
    assert [(s.legs, s.started_at, s.ended_at) for s in draft.segments[-2:]] == [
        (("caller", "consultant"), seconds(70), seconds(80)),
        (("caller", "consultant"), seconds(90), None),
    ]


def test_segments_naming_legs_the_call_does_not_have_are_refused() -> None:
    record = consulted_call().to_record()
    stranger = RecordingSegment(("caller", "someone"), seconds(70), seconds(60), offset_s=-1)
    with pytest.raises(InvalidFields) as refused:
        check_record(replace(record, segments=(*record.segments, stranger)))
    assert {(p.path, p.code) for p in refused.value.problems} == {
        ("segments.3.legs", "unknown_leg"),
        ("segments.3.ended_at", "before_start"),
        ("segments.3.offset_s", "negative"),
    }
    with pytest.raises(InvalidFields):
        check_record(replace(record, segments=(RecordingSegment((), AT),)))
    with pytest.raises(InvalidFields) as refused:
        check_record(replace(record, recording_path=None))  # segments of a file the call does not have
    assert [(p.path, p.code) for p in refused.value.problems] == [("segments", "no_recording")]


def test_segments_survive_the_outbox_and_a_restarts_snapshot() -> None:
    draft = consulted_call()
    assert record_from_data(record_to_data(draft.to_record())) == draft.to_record()
    assert CallRecordDraft.from_snapshot(json.loads(json.dumps(draft.snapshot()))) == draft
    old_outbox_form = record_to_data(draft.to_record())
    del old_outbox_form["segments"]  # written before segments were kept
    assert record_from_data(old_outbox_form).segments == ()
