"""Text work items (OPS-25): a conversation of a case — an app request, an SMS, a messenger chat —
waits in a text queue and is offered to an operator like a call, with its own rules:

- an operator holds several chats at once, up to their group's `chat_limit`, besides their one call;
  so a chat is offered to an operator who is ready, being offered a call, on a call or in wrap-up
  (not on break, away, blocked or offline), who holds fewer chats than the limit and has no chat
  offer pending;
- among those, the one holding the fewest chats, then the longest idle, gets the offer;
- an offer lasts the queue's ring timeout; declined or timed out, the chat goes to the next operator
  and the one who missed it is not offered it again for the queue's retry interval;
- skills (the queue's and the item's), priority and waiting order are the calls' rules.

Chats never change the operator's call state; they live in `AcdState.chats` and are stored with the
snapshot, so a restart keeps the waiting ones (and their places)."""

from __future__ import annotations

from dataclasses import replace

from c122.domain.acd.chat_item import ChatItem
from c122.domain.acd.errors import NoSuchOffer, UnknownCall
from c122.domain.acd.events import ChatAccepted, ChatEnded, ChatOffered, ChatOfferMissed, ChatQueued, Offer
from c122.domain.acd.ids import CallId, OperatorId, QueueId
from c122.domain.acd.operator_state import OperatorStatus
from c122.domain.acd.retries import still_excluded, with_exclusion
from c122.domain.acd.state import AcdState
from c122.domain.acd.step import Step

S = OperatorStatus
AT_DESK = frozenset({S.READY, S.OFFERED, S.ON_CALL, S.WRAP_UP})


def enqueue(
    state: AcdState,
    call_id: CallId,
    queue_id: QueueId,
    caller: str,
    channel: str,
    step: Step,
    *,
    priority: int = 0,
    skills: frozenset[str] = frozenset(),
) -> bool:
    """Queues the item; False when it is already waiting or held (left as it is)."""
    state.queue(queue_id)
    if call_id in state.chats:
        return False
    item = ChatItem(
        call_id=call_id,
        queue_id=queue_id,
        caller=caller,
        channel=channel,
        enqueued_at=step.now,
        seq=state.next_seq(),
        priority=priority,
        required_skills=skills,
    )
    state.chats[call_id] = item
    position = sum(1 for c in state.chats.values() if c.queue_id == queue_id and c.waiting)
    step.events.append(
        ChatQueued(
            call_id=call_id,
            queue_id=queue_id,
            caller=caller,
            channel=channel,
            priority=priority,
            position=position,
            at=step.now,
        )
    )
    return True


def _offered(state: AcdState, operator_id: OperatorId, call_id: CallId) -> ChatItem:
    item = state.chats.get(call_id)
    if item is None or item.offered_to != operator_id or not item.waiting:
        raise NoSuchOffer(f"operator {operator_id} holds no offer of chat {call_id}")
    return item


def accept(state: AcdState, operator_id: OperatorId, call_id: CallId, step: Step) -> None:
    item = _offered(state, operator_id, call_id)
    state.chats[call_id] = replace(
        item, operator_id=operator_id, accepted_at=step.now, offered_to=None, offer_until=None
    )
    step.events.append(
        ChatAccepted(
            call_id=call_id,
            operator_id=operator_id,
            queue_id=item.queue_id,
            waited_s=step.now - item.enqueued_at,
            at=step.now,
        )
    )


def decline(state: AcdState, operator_id: OperatorId, call_id: CallId, step: Step) -> None:
    _miss(state, _offered(state, operator_id, call_id), "rejected", step)


def end(state: AcdState, call_id: CallId, step: Step) -> ChatItem:
    """The operator closed the chat, or its case was closed: the item leaves the distribution."""
    item = state.chats.pop(call_id, None)
    if item is None:
        raise UnknownCall(f"chat {call_id} is neither waiting nor held")
    talk = step.now - item.accepted_at if item.accepted_at is not None else 0.0
    waited = (item.accepted_at if item.accepted_at is not None else step.now) - item.enqueued_at
    step.events.append(
        ChatEnded(
            call_id=call_id,
            operator_id=item.operator_id,
            queue_id=item.queue_id,
            waited_s=waited,
            talk_s=talk,
            at=step.now,
        )
    )
    return item


def held_by(state: AcdState, operator_id: OperatorId) -> list[ChatItem]:
    return sorted(
        (c for c in state.chats.values() if c.operator_id == operator_id), key=lambda c: c.accepted_at or 0.0
    )


def _miss(state: AcdState, item: ChatItem, cause: str, step: Step) -> None:
    assert item.offered_to is not None
    retry = state.queues[item.queue_id].retry_s
    state.chats[item.call_id] = replace(
        item,
        offered_to=None,
        offered_at=None,
        offer_until=None,
        excluded=with_exclusion(item.excluded, item.offered_to, step.now + retry),
    )
    step.events.append(
        ChatOfferMissed(
            call_id=item.call_id,
            operator_id=item.offered_to,
            queue_id=item.queue_id,
            cause=cause,
            ring_s=step.now - (item.offered_at or step.now),
            at=step.now,
        )
    )


def expire(state: AcdState, step: Step) -> None:
    """Offers past their time, or to an operator who left the desk, go back to the queue."""
    for item in list(state.chats.values()):
        if item.offered_to is None:
            continue
        op = state.operators.get(item.offered_to)
        if op is None or op.status not in AT_DESK:
            _miss(state, item, "unavailable", step)
        elif item.offer_until is not None and item.offer_until <= step.now:
            _miss(state, item, "offer_timeout", step)


def dispatch(state: AcdState, step: Step) -> None:
    """Offers every waiting, unoffered chat, in service order, to the best operator who may take it."""
    if not state.chats:
        return
    load: dict[OperatorId, int] = {}
    pending: set[OperatorId] = set()
    for item in state.chats.values():
        if item.operator_id is not None:
            load[item.operator_id] = load.get(item.operator_id, 0) + 1
        elif item.offered_to is not None:
            load[item.offered_to] = load.get(item.offered_to, 0) + 1
            pending.add(item.offered_to)
    waiting = sorted(
        (c for c in state.chats.values() if c.waiting and c.offered_to is None), key=lambda c: c.order_key
    )
    for item in waiting:
        operator_id = _best(state, item, load, pending, step.now)
        if operator_id is None:
            continue
        _offer(state, item, operator_id, step)
        load[operator_id] = load.get(operator_id, 0) + 1
        pending.add(operator_id)


def _best(
    state: AcdState, item: ChatItem, load: dict[OperatorId, int], pending: set[OperatorId], now: float
) -> OperatorId | None:
    queue = state.queues.get(item.queue_id)
    if queue is None:
        return None
    excluded = {op for op, _ in still_excluded(item.excluded, now)}
    best: tuple[int, float, OperatorId] | None = None
    for operator_id in state.members_by_queue[item.queue_id]:
        op = state.operators.get(operator_id)
        profile = state.profiles.get(operator_id)
        if op is None or profile is None or op.status not in AT_DESK:
            continue
        if operator_id in pending or operator_id in excluded:
            continue
        if not (queue.required_skills | item.required_skills) <= profile.skills:
            continue
        held = load.get(operator_id, 0)
        if held >= state.policy(profile.group_id).chat_limit:
            continue
        key = (held, op.idle_since, operator_id)
        if best is None or key < best:
            best = key
    return best[2] if best is not None else None


def _offer(state: AcdState, item: ChatItem, operator_id: OperatorId, step: Step) -> None:
    queue = state.queues[item.queue_id]
    until = step.now + queue.ring_timeout_s
    state.chats[item.call_id] = replace(item, offered_to=operator_id, offered_at=step.now, offer_until=until)
    step.events.append(
        ChatOffered(
            offer=Offer(
                call_id=item.call_id, operator_id=operator_id, queue_id=item.queue_id, expires_at=until
            ),
            channel=item.channel,
            at=step.now,
        )
    )
