"""What an operator's desk shows of the text work items (OPS-25): the chat offered to them (an alert
like a call's offer, with its time) and the chats they hold; `chat.desk` tells them when it changes."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from c122.domain.acd import AcdState, ChatItem
from c122.domain.acd.chats import held_by
from c122.domain.organisation import Queue
from c122.services.contact_center.views import at
from c122.services.events import Audience, OutboundEvent

CHAT_PREFIX = "chat-"


def chat_call_id(case_id: int) -> str:
    """A case's conversation has one work item id in the distribution."""
    return f"{CHAT_PREFIX}{case_id}"


def case_of(call_id: str) -> int | None:
    if not call_id.startswith(CHAT_PREFIX) or not call_id[len(CHAT_PREFIX) :].isdigit():
        return None
    return int(call_id[len(CHAT_PREFIX) :])


@dataclass(frozen=True)
class ChatView:
    call_id: str
    case_id: int
    channel: str
    queue_id: int
    queue_name: str
    caller: str
    waiting_since: datetime
    expires_at: datetime | None  # an offer's end
    accepted_at: datetime | None  # a held chat's start


@dataclass(frozen=True)
class ChatDeskView:
    user_id: int
    chat_limit: int
    offer: ChatView | None
    held: list[ChatView]


def chat_view(item: ChatItem, queues: dict[int, Queue]) -> ChatView:
    queue = queues.get(int(item.queue_id))
    return ChatView(
        call_id=item.call_id,
        case_id=case_of(item.call_id) or 0,
        channel=item.channel,
        queue_id=int(item.queue_id),
        queue_name=queue.name if queue is not None else "",
        caller=item.caller,
        waiting_since=at(item.enqueued_at),
        expires_at=at(item.offer_until) if item.offer_until is not None else None,
        accepted_at=at(item.accepted_at) if item.accepted_at is not None else None,
    )


def chat_desk(state: AcdState, queues: dict[int, Queue], user_id: int) -> ChatDeskView:
    operator_id = str(user_id)
    offer = next((c for c in state.chats.values() if c.offered_to == operator_id), None)
    profile = state.profiles.get(operator_id)
    limit = state.policy(profile.group_id).chat_limit if profile is not None else 0
    return ChatDeskView(
        user_id=user_id,
        chat_limit=limit,
        offer=chat_view(offer, queues) if offer is not None else None,
        held=[chat_view(c, queues) for c in held_by(state, operator_id)],
    )


def desk_changed(view: ChatDeskView, when: datetime) -> OutboundEvent:
    return OutboundEvent(
        type="chat.desk",
        data={"desk": asdict(view)},
        audience=Audience(user_ids=frozenset({view.user_id})),
        occurred_at=when,
    )
