"""The ACD's dynamic state survives the trip to JSON rows and back, every kind of record included."""

from __future__ import annotations

import json
import random
from typing import Any

from c122.domain.acd import (
    Acd,
    AcdConfig,
    AcdSnapshot,
    CompletedBy,
    Membership,
    OperatorProfile,
    QueueConfig,
    SeniorScope,
    Strategy,
)
from c122.persistence import acd_codec as codec


def _busy_centre() -> Acd:
    """Operators talking, ringing, on break with a pending change, blocked; callers waiting (one moved
    to the head, one with skills and priority); a callback entry; queue history; a group block."""
    queues = (
        QueueConfig(queue_id="1", group_id="10", strategy=Strategy.ROUND_ROBIN),
        QueueConfig(queue_id="2", group_id="20", required_skills=frozenset({"ru"})),
    )
    members = tuple(
        Membership(operator_id=op, queue_id=q, level=1, position=i)
        for q in ("1", "2")
        for i, op in enumerate(["5", "6", "7", "8"])
    )
    profiles = tuple(
        OperatorProfile(operator_id=op, group_id="10" if op != "8" else "20", skills=frozenset({"ru", "en"}))
        for op in ["5", "6", "7", "8"]
    )
    acd = Acd(AcdConfig(queues, members, profiles), random.Random(3))
    scope = SeniorScope("99", frozenset({"10", "20"}))
    t = 1_000.0
    for op in ["5", "6", "7"]:
        acd.login(op, t)
    acd.enqueue("a", "1", "+79000000001", t)
    acd.accept("5", "a", t + 5)
    acd.enqueue("b", "1", "+79000000002", t + 6)  # rings 6
    acd.accept("6", "b", t + 7)
    acd.take_break("7", "lunch", t + 7)
    acd.take_break("5", "training", t + 8)  # during the call: kept as pending
    acd.enqueue("c", "2", "+79000000003", t + 9, priority=2, skills=frozenset({"en"}))
    acd.enqueue("d", "2", "+79000000004", t + 10)
    acd.senior.move_to_head(scope, "d", t + 11)
    acd.enqueue("e", "2", "+79000000005", t + 12)
    acd.hang_up("e", CompletedBy.CALLER, t + 80)  # abandoned after 68 s: a callback entry
    acd.hang_up("a", CompletedBy.CALLER, t + 90)  # history of queue 1
    acd.senior.block_group(scope, "20", "учения", t + 91)
    acd.senior.block_operator(scope, "7", "разбор", t + 92)
    return acd


def _through_json(snapshot: AcdSnapshot) -> AcdSnapshot:
    records: dict[str, list[Any]] = {}
    for kind, by_id in codec.records_by_kind(snapshot).items():
        records[kind] = [json.loads(json.dumps(codec.encode(r))) for r in by_id.values()]
    meta = json.loads(json.dumps(codec.encode_meta(snapshot)))
    return codec.decode_snapshot(records, meta)


def test_every_record_kind_comes_back_equal_after_json() -> None:
    snapshot = _busy_centre().snapshot()
    assert snapshot.waiting
    assert snapshot.connected
    assert snapshot.callbacks
    assert snapshot.history
    operators = {op.operator_id: op for op in snapshot.operators}
    assert operators["5"].pending is not None  # the break asked for during the call
    assert operators["7"].block_note == "разбор"
    assert dict(snapshot.blocked_groups) == {"20": "учения"}
    restored = _through_json(snapshot)
    assert restored == snapshot


def test_a_centre_rebuilt_from_decoded_rows_decides_as_the_original() -> None:
    original = _busy_centre()
    config = original.config
    copy = Acd(config, random.Random(3), snapshot=_through_json(original.snapshot()))
    late = 1_200.0
    assert copy.tick(late) == original.tick(late)
    assert copy.enqueue("f", "1", "+79000000006", late) == original.enqueue("f", "1", "+79000000006", late)
    assert copy.snapshot() == original.snapshot()
