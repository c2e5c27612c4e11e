"""Everything the ACD knows at one moment, with the indexes routing needs, and its snapshot for storage.

Records are frozen dataclasses replaced on change, so a snapshot is a cheap copy of references and a
restore rebuilds the indexes from the rows (a restart forgets nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from c122.domain.acd.callbacks import CallbackEntry
from c122.domain.acd.calls import ConnectedCall, QueueOrder, WaitingCall
from c122.domain.acd.chat_item import ChatItem
from c122.domain.acd.config import GroupPolicy, Membership, OperatorProfile, QueueConfig
from c122.domain.acd.errors import CallAnswered, UnknownCall, UnknownOperator, UnknownQueue
from c122.domain.acd.history import HistorySnapshot, QueueHistory
from c122.domain.acd.ids import CallId, GroupId, OperatorId, QueueId
from c122.domain.acd.operator_state import OperatorState, OperatorStatus
from c122.domain.acd.retries import RetrySchedule, still_excluded, with_exclusion


@dataclass(frozen=True, slots=True)
class AcdConfig:
    queues: tuple[QueueConfig, ...]
    memberships: tuple[Membership, ...]
    profiles: tuple[OperatorProfile, ...]
    policies: tuple[GroupPolicy, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class AcdSnapshot:
    """The dynamic state as rows: operators, waiting and connected calls, callbacks, cursors, history."""

    operators: tuple[OperatorState, ...]
    waiting: tuple[WaitingCall, ...]
    connected: tuple[ConnectedCall, ...]
    callbacks: tuple[CallbackEntry, ...]
    round_robin_cursors: Mapping[QueueId, tuple[int, OperatorId]] = field(default_factory=dict)
    history: Mapping[QueueId, HistorySnapshot] = field(default_factory=dict)
    blocked_groups: Mapping[GroupId, str] = field(default_factory=dict)
    seq: int = 0
    move_seq: int = 0
    chats: tuple[ChatItem, ...] = ()


class AcdState:
    def __init__(self, config: AcdConfig, history_size: int = 50) -> None:
        self.queues: dict[QueueId, QueueConfig] = {q.queue_id: q for q in config.queues}
        self.profiles: dict[OperatorId, OperatorProfile] = {p.operator_id: p for p in config.profiles}
        self.policies: dict[GroupId, GroupPolicy] = {p.group_id: p for p in config.policies}
        self.members_by_queue: dict[QueueId, dict[OperatorId, Membership]] = {q: {} for q in self.queues}
        self.members_by_operator: dict[OperatorId, list[Membership]] = {p: [] for p in self.profiles}
        for m in config.memberships:
            if m.queue_id not in self.queues:
                raise UnknownQueue(f"membership refers to unknown queue {m.queue_id}")
            if m.operator_id not in self.profiles:
                raise UnknownOperator(f"membership refers to unknown operator {m.operator_id}")
            self.members_by_queue[m.queue_id][m.operator_id] = m
            self.members_by_operator[m.operator_id].append(m)
        self.operators: dict[OperatorId, OperatorState] = {
            p: OperatorState(operator_id=p) for p in self.profiles
        }
        # Free (ready) members per queue: the candidates when a call arrives.
        self.free_by_queue: dict[QueueId, set[OperatorId]] = {q: set() for q in self.queues}
        self.waiting: dict[CallId, WaitingCall] = {}
        self.orders: dict[QueueId, QueueOrder] = {q: QueueOrder() for q in self.queues}
        self.retries = RetrySchedule()  # when missed-offer exclusions end
        self.connected: dict[CallId, ConnectedCall] = {}
        self.callbacks: dict[CallId, CallbackEntry] = {}
        self.callback_by_caller: dict[tuple[QueueId, str], CallId] = {}
        self.round_robin_cursors: dict[QueueId, tuple[int, OperatorId]] = {}
        self.history_size = history_size
        self.history: dict[QueueId, QueueHistory] = {q: QueueHistory(history_size) for q in self.queues}
        self.blocked_groups: dict[GroupId, str] = {}
        self.chats: dict[CallId, ChatItem] = {}  # text work items, waiting and held (chats.py)
        self.seq = 0
        self.move_seq = 0
        # The tick's memo, never stored: per operator, the state object it last checked and the earliest
        # moment one of its timers can be due (operator_timers.next_due).
        self.timer_wake: dict[OperatorId, tuple[OperatorState, float]] = {}

    # --- look-ups -------------------------------------------------------------------------------
    def queue(self, queue_id: QueueId) -> QueueConfig:
        try:
            return self.queues[queue_id]
        except KeyError:
            raise UnknownQueue(f"unknown queue {queue_id}") from None

    def operator(self, operator_id: OperatorId) -> OperatorState:
        try:
            return self.operators[operator_id]
        except KeyError:
            raise UnknownOperator(f"unknown operator {operator_id}") from None

    def call(self, call_id: CallId) -> WaitingCall:
        try:
            return self.waiting[call_id]
        except KeyError:
            raise UnknownCall(f"call {call_id} is not waiting") from None

    def queued_call(self, call_id: CallId) -> WaitingCall:
        """The waiting call a senior acts on; one already answered is a conflict, not a missing call."""
        if call_id in self.connected:
            raise CallAnswered(f"call {call_id} was answered by an operator and is no longer in the queue")
        return self.call(call_id)

    def policy(self, group_id: GroupId) -> GroupPolicy:
        policy = self.policies.get(group_id)
        if policy is None:
            policy = self.policies[group_id] = GroupPolicy(group_id=group_id)
        return policy

    def operator_policy(self, operator_id: OperatorId) -> GroupPolicy:
        """The operator's group policy with their own idle interval where they chose one."""
        profile = self.profiles[operator_id]
        policy = self.policy(profile.group_id)
        if profile.idle_to_away_s is None:
            return policy
        return replace(policy, idle_to_away_s=profile.idle_to_away_s)

    # --- changes that keep the indexes right ----------------------------------------------------
    def put_operator(self, state: OperatorState) -> None:
        old = self.operators.get(state.operator_id)
        self.operators[state.operator_id] = state
        was_free = old is not None and old.status is OperatorStatus.READY
        if was_free != state.is_free:
            for m in self.members_by_operator[state.operator_id]:
                if state.is_free:
                    self.free_by_queue[m.queue_id].add(state.operator_id)
                else:
                    self.free_by_queue[m.queue_id].discard(state.operator_id)

    def add_waiting(self, call: WaitingCall) -> None:
        self.waiting[call.call_id] = call
        self.orders[call.queue_id].add(call.order_key)

    def remove_waiting(self, call_id: CallId) -> WaitingCall:
        call = self.waiting.pop(call_id)
        self.orders[call.queue_id].remove(call.order_key)
        return call

    def replace_waiting(self, call: WaitingCall) -> None:
        self.remove_waiting(call.call_id)
        self.add_waiting(call)

    def exclude(self, call_id: CallId, operator_id: OperatorId, until: float) -> None:
        """Keep the operator who missed this call away from it until `until`."""
        call = self.waiting[call_id]
        self.waiting[call_id] = replace(call, excluded=with_exclusion(call.excluded, operator_id, until))
        self.retries.add(until, call_id)

    def end_exclusions(self, now: float) -> list[WaitingCall]:
        """The waiting calls whose exclusions ended by `now`, with those exclusions dropped."""
        ended: list[WaitingCall] = []
        for call_id in self.retries.pop_due(now):
            call = self.waiting.get(call_id)
            if call is None:
                continue  # answered, abandoned or gone meanwhile
            kept = still_excluded(call.excluded, now)
            if len(kept) < len(call.excluded):
                call = self.waiting[call_id] = replace(call, excluded=kept)
                ended.append(call)
        return ended

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def next_move_seq(self) -> int:
        self.move_seq += 1
        return self.move_seq

    def put_callback(self, entry: CallbackEntry) -> None:
        self.callbacks[entry.entry_id] = entry
        self.callback_by_caller[(entry.queue_id, entry.caller)] = entry.entry_id

    def drop_callback(self, entry_id: CallId) -> CallbackEntry:
        entry = self.callbacks.pop(entry_id)
        key = (entry.queue_id, entry.caller)
        if self.callback_by_caller.get(key) == entry_id:
            del self.callback_by_caller[key]
        return entry

    def group_operators(self, group_id: GroupId) -> Iterable[OperatorId]:
        return (p.operator_id for p in self.profiles.values() if p.group_id == group_id)

    # --- storage --------------------------------------------------------------------------------
    def snapshot(self) -> AcdSnapshot:
        return AcdSnapshot(
            operators=tuple(self.operators.values()),
            waiting=tuple(self.waiting.values()),
            connected=tuple(self.connected.values()),
            callbacks=tuple(self.callbacks.values()),
            round_robin_cursors=dict(self.round_robin_cursors),
            history={q: h.snapshot() for q, h in self.history.items()},
            blocked_groups=dict(self.blocked_groups),
            seq=self.seq,
            move_seq=self.move_seq,
            chats=tuple(self.chats.values()),
        )

    @classmethod
    def restore(cls, config: AcdConfig, snapshot: AcdSnapshot, history_size: int = 50) -> AcdState:
        state = cls(config, history_size)
        for operator in snapshot.operators:
            if operator.operator_id in state.profiles:
                state.put_operator(operator)
        for call in snapshot.waiting:
            state.add_waiting(call)
            for _, until in call.excluded:
                state.retries.add(until, call.call_id)
        state.connected = {c.call_id: c for c in snapshot.connected}
        for entry in snapshot.callbacks:
            state.put_callback(entry)
        state.round_robin_cursors = dict(snapshot.round_robin_cursors)
        for queue_id, hist in snapshot.history.items():
            if queue_id in state.queues:
                state.history[queue_id] = QueueHistory.restore(hist, history_size)
        state.blocked_groups = dict(snapshot.blocked_groups)
        state.chats = {c.call_id: c for c in snapshot.chats if c.queue_id in state.queues}
        state.seq = snapshot.seq
        state.move_seq = snapshot.move_seq
        return state
