"""A text work item: one case's conversation in the distribution (the rules are in chats.py)."""

from __future__ import annotations

from dataclasses import dataclass

from c122.domain.acd.ids import CallId, OperatorId, QueueId


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatItem:
    """One case's conversation in the distribution: waiting, offered to one operator, or held."""

    call_id: CallId
    queue_id: QueueId
    caller: str  # the applicant's address on the channel
    channel: str  # app, sms, messenger
    enqueued_at: float
    seq: int
    priority: int = 0
    required_skills: frozenset[str] = frozenset()
    offered_to: OperatorId | None = None
    offered_at: float | None = None
    offer_until: float | None = None
    excluded: tuple[tuple[OperatorId, float], ...] = ()  # missed it: not offered again before `until`
    operator_id: OperatorId | None = None  # who holds it
    accepted_at: float | None = None

    @property
    def waiting(self) -> bool:
        return self.operator_id is None

    @property
    def order_key(self) -> tuple[float, float, int]:
        return (float(-self.priority), self.enqueued_at, self.seq)
