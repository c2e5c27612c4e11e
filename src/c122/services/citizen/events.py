"""What the conversation of a case tells the desktops: `chat.message`, each message as it is stored, to
the case's group and its operator (administrators see every event)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from c122.domain.cases import Case
from c122.domain.citizen import Message
from c122.services.events import Audience, OutboundEvent

CHAT_MESSAGE = "chat.message"


@dataclass(frozen=True, slots=True)
class OperatorAnswered:
    """An operator wrote to the applicant in the card (after commit): their app is pushed."""

    case_id: int
    case_name: str
    text: str


def message_data(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "case_id": message.case_id,
        "channel": message.channel.value,
        "author": message.author.value,
        "author_user_id": message.author_user_id,
        "author_name": message.author_name,
        "text": message.text,
        "media_id": message.media_id,
        "created_at": message.created_at,
        "delivery": message.delivery,
        "problem": message.problem,
    }


def chat_message_event(case: Case, message: Message) -> OutboundEvent:
    return OutboundEvent(
        type=CHAT_MESSAGE,
        data={"message": message_data(message)},
        audience=Audience(
            user_ids=frozenset({case.operator_id}) if case.operator_id is not None else frozenset(),
            group_ids=frozenset({case.group_id}) if case.group_id is not None else frozenset(),
        ),
        occurred_at=message.created_at,
    )
