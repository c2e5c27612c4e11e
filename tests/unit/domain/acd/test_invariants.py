"""Hypothesis state-machine tests: random sequences of calls, answers, rejects, hang-ups, breaks, logins
and passing time, checking after every step the invariants the ACD promises.

- an operator never holds two offers, and every offer is held by a ringing operator;
- no call is lost or duplicated: every caller on the line is waiting or connected, exactly once;
- queue order is respected: an offer never skips an earlier unoffered caller of the same queue that
  the operator may take (so callers of equal priority are served first come, first served); the one
  exception is a caller this operator missed within the queue's retry interval;
- no free operator idles while a caller they may take waits unrung (a missed offer keeps only that
  operator from that caller, and only until the retry interval ends);
- wrap-up is honoured across queues: an operator leaves a timed wrap-up no earlier than its end;
- callbacks offered in a step never exceed the operators free in it.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from c122.domain.acd import (
    Acd,
    AcdConfig,
    BreakPolicy,
    CallAbandoned,
    CallCompleted,
    CallExited,
    CompletedBy,
    GroupPolicy,
    Membership,
    OperatorProfile,
    OperatorStateChanged,
    OperatorStatus,
    Outcome,
    QueueConfig,
    SeniorScope,
    Strategy,
)
from c122.domain.acd.calls import WaitingCall

S = OperatorStatus
OPERATORS = ("o1", "o2", "o3")
CALLERS = ("+79000000001", "+79000000002", "+79000000003", "+79000000004", "+79000000005")

CONFIG = AcdConfig(
    queues=(
        QueueConfig(
            queue_id="q1",
            group_id="g1",
            strategy=Strategy.LONGEST_IDLE,
            weight=1,
            wrap_up_s=10,
            ring_timeout_s=15,
            no_answer_limit=2,
            max_wait_s=200,
            overflow_destination="queue:reserve",
            repeat_call_window_s=60,
        ),
        QueueConfig(
            queue_id="q2",
            group_id="g1",
            strategy=Strategy.ROUND_ROBIN,
            weight=2,
            wrap_up_s=0,
            ring_timeout_s=10,
            no_answer_limit=3,
            retry_s=30,  # outlives several steps, so exclusions meet arrivals, breaks and restarts of work
            max_length=4,
            repeat_call_window_s=60,
        ),
        QueueConfig(queue_id="q3", group_id="g1", strategy=Strategy.RING_ALL, wrap_up_s=5, ring_timeout_s=12),
    ),
    memberships=(
        Membership(operator_id="o1", queue_id="q3"),
        Membership(operator_id="o3", queue_id="q3"),
        Membership(operator_id="o1", queue_id="q1"),
        Membership(operator_id="o2", queue_id="q1", position=1),
        Membership(operator_id="o2", queue_id="q2"),
        Membership(operator_id="o3", queue_id="q2", position=1),
    ),
    profiles=tuple(OperatorProfile(operator_id=op, group_id="g1") for op in OPERATORS),
    policies=(
        GroupPolicy(
            group_id="g1", idle_to_away_s=100, away_to_logout_s=100, breaks=BreakPolicy(continuous_work_s=300)
        ),
    ),
)

SENIOR = SeniorScope("senior", frozenset({"g1"}))
WRAP_UP_S = {q.queue_id: q.wrap_up_s for q in CONFIG.queues}


class AcdMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.acd = Acd(CONFIG, random.Random(1))
        self.live: set[str] = set()
        self.next_id = 0
        self.offer_violations: list[str] = []
        self._watch_offers()

    def _watch_offers(self) -> None:
        """Check queue order at the moment each offer is decided."""
        original = self.acd.moves.offer

        def checked(call: WaitingCall, operator_id: str, step: Any) -> None:
            state = self.acd.state
            for key in state.orders[call.queue_id]:
                if key >= call.order_key:
                    break
                earlier = state.waiting[key[4]]
                if not earlier.offered_to and not earlier.excludes(operator_id, step.now):
                    self.offer_violations.append(f"{call.call_id} offered before waiting {earlier.call_id}")
            original(call, operator_id, step)  # type: ignore[arg-type]

        self.acd.moves.offer = checked  # type: ignore[method-assign]

    def status(self, op: str) -> OperatorStatus:
        return self.acd.state.operators[op].status

    def apply(self, action, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        before = dict(self.acd.state.operators)
        outcome: Outcome = action(*args, **kwargs)
        self.check_step(before, outcome)
        for event in outcome.events:
            if isinstance(event, CallExited | CallAbandoned | CallCompleted):
                self.live.discard(event.call_id)

    def check_step(self, before, outcome: Outcome) -> None:  # type: ignore[no-untyped-def]
        freed = sum(1 for s in before.values() if s.status is S.READY)
        freed += sum(
            1 for e in outcome.events if isinstance(e, OperatorStateChanged) and e.new_status == "ready"
        )
        callback_offers = sum(1 for o in outcome.offers if o.is_callback)
        assert callback_offers <= freed, "callbacks flooded operators who were not free"
        for e in outcome.events:
            if isinstance(e, OperatorStateChanged) and e.trigger == "wrap_up_elapsed":
                assert e.queue_id is not None
                assert e.duration_s >= WRAP_UP_S[e.queue_id], "wrap-up cut short"
        assert self.offer_violations == []

    # --- rules ----------------------------------------------------------------------------------
    @rule(
        queue=st.sampled_from(["q1", "q2", "q3"]), priority=st.integers(0, 1), caller=st.sampled_from(CALLERS)
    )
    def call_arrives(self, queue: str, priority: int, caller: str) -> None:
        self.next_id += 1
        call_id = f"c{self.next_id}"
        self.live.add(call_id)
        self.apply(self.acd.enqueue, call_id, queue, caller, self.now, priority=priority)

    @precondition(lambda self: any(self.status(op) is S.OFFERED for op in OPERATORS))
    @rule(data=st.data(), accept=st.booleans())
    def operator_answers_or_rejects(self, data: st.DataObject, accept: bool) -> None:
        op = data.draw(st.sampled_from([o for o in OPERATORS if self.status(o) is S.OFFERED]))
        call_id = self.acd.state.operators[op].call_id
        self.apply(self.acd.accept if accept else self.acd.reject, op, call_id, self.now)

    @precondition(lambda self: bool(self.live))
    @rule(data=st.data())
    def caller_hangs_up(self, data: st.DataObject) -> None:
        call_id = data.draw(st.sampled_from(sorted(self.live)))
        self.apply(self.acd.hang_up, call_id, CompletedBy.CALLER, self.now)

    @precondition(lambda self: bool(self.acd.state.connected))
    @rule(data=st.data())
    def operator_hangs_up(self, data: st.DataObject) -> None:
        call_id = data.draw(st.sampled_from(sorted(self.acd.state.connected)))
        self.apply(self.acd.hang_up, call_id, CompletedBy.OPERATOR, self.now)

    @rule(seconds=st.integers(1, 40))
    def time_passes(self, seconds: int) -> None:
        self.now += seconds
        self.apply(self.acd.tick, self.now)

    @rule(op=st.sampled_from(OPERATORS))
    def operator_logs_in_or_out(self, op: str) -> None:
        status = self.status(op)
        if status is S.OFFLINE:
            self.apply(self.acd.login, op, self.now)
        elif status in (S.READY, S.ON_BREAK, S.AWAY, S.WRAP_UP):
            self.apply(self.acd.logout, op, self.now)

    @rule(op=st.sampled_from(OPERATORS), reason=st.sampled_from(["break", "lunch"]))
    def operator_takes_a_break(self, op: str, reason: str) -> None:
        if self.status(op) in (S.READY, S.WRAP_UP, S.AWAY, S.ON_CALL):
            self.apply(self.acd.take_break, op, reason, self.now)

    @rule(op=st.sampled_from(OPERATORS))
    def operator_returns_to_work(self, op: str) -> None:
        if self.status(op) in (S.ON_BREAK, S.AWAY, S.WRAP_UP):
            self.apply(self.acd.ready, op, self.now)

    @precondition(lambda self: bool(self.acd.state.waiting))
    @rule(data=st.data(), to_head=st.booleans())
    def senior_moves_a_call(self, data: st.DataObject, to_head: bool) -> None:
        call_id = data.draw(st.sampled_from(sorted(self.acd.state.waiting)))
        move = self.acd.senior.move_to_head if to_head else self.acd.senior.move_to_tail
        self.apply(move, SENIOR, call_id, self.now)

    @rule(op=st.sampled_from(OPERATORS))
    def senior_blocks_or_unblocks(self, op: str) -> None:
        if self.status(op) is S.BLOCKED:
            self.apply(self.acd.senior.unblock_operator, SENIOR, op, self.now)
        else:
            self.apply(self.acd.senior.block_operator, SENIOR, op, "проверка", self.now)

    # --- invariants -----------------------------------------------------------------------------
    @invariant()
    def an_operator_never_holds_two_offers(self) -> None:
        state = self.acd.state
        holders: dict[str, str] = {}
        for call in state.waiting.values():
            for op in call.offered_to:
                assert op not in holders, f"{op} rings with {holders[op]} and {call.call_id}"
                holders[op] = call.call_id
        for op, op_state in state.operators.items():
            if op_state.status is S.OFFERED:
                assert holders.get(op) == op_state.call_id
            else:
                assert op not in holders

    @invariant()
    def no_call_is_lost_or_duplicated(self) -> None:
        state = self.acd.state
        waiting = {c for c, call in state.waiting.items() if not call.is_callback}
        connected = {c for c, call in state.connected.items() if not call.is_callback}
        assert not waiting & connected
        assert waiting | connected == self.live
        for call in state.connected.values():
            op = state.operators[call.operator_id]
            assert (op.status, op.call_id) == (S.ON_CALL, call.call_id)

    @invariant()
    def no_free_operator_idles_while_a_caller_they_may_take_waits(self) -> None:
        state = self.acd.state
        for op, op_state in state.operators.items():
            if op_state.status is not S.READY:
                continue
            for member in state.members_by_operator[op]:
                ring_all = state.queues[member.queue_id].strategy is Strategy.RING_ALL
                for key in state.orders[member.queue_id]:
                    call = state.waiting[key[4]]
                    if call.offered_to and not ring_all:
                        continue
                    if op in call.declined_by or call.excludes(op, self.now):
                        continue
                    raise AssertionError(f"{op} is free while {call.call_id} waits in {member.queue_id}")

    @invariant()
    def callbacks_in_the_queue_match_the_callback_list(self) -> None:
        state = self.acd.state
        in_queue = {c for c, call in state.waiting.items() if call.is_callback}
        assert in_queue <= set(state.callbacks)


TestAcdInvariants = AcdMachine.TestCase
TestAcdInvariants.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
