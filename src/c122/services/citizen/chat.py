"""The conversation of a case as the operator's card shows it (OPS-16, seed 4.3.3.7): the messages and
media of an app request, and the operator's answers. Only those who may see the card read it (refusals
audited); only those who work on cards write; the citizen's device learns of an answer by its long poll."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from c122.domain.citizen import Author, Channel, CitizenRequest, Media, Message, message_text
from c122.domain.clock import Clock
from c122.domain.errors import Conflict, NotFound
from c122.domain.users import Actor
from c122.services.citizen.events import OperatorAnswered
from c122.services.citizen.ports import CaseAccess, CitizenUnitOfWork
from c122.services.citizen.service import MAX_MESSAGES, CitizenApp
from c122.services.internal_events import InternalEventBus, InternalPublisher
from c122.services.ports import UnitOfWorkFactory


@dataclass(frozen=True)
class CaseConversation:
    """`request` None: the case did not come from the app (nobody to write to there)."""

    request: CitizenRequest | None
    messages: list[Message]
    media: list[Media]


class CaseChat:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[CitizenUnitOfWork],
        clock: Clock,
        access: CaseAccess,
        app: CitizenApp,
        internal: InternalPublisher | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._access = access
        self._app = app
        self._internal = internal or InternalEventBus()

    async def conversation(self, actor: Actor, case_id: int) -> CaseConversation:
        await self._access.check(actor, case_id, write=False)
        async with self._uow() as uow:
            request = await uow.citizen.request_for_case(case_id)
            messages = await uow.citizen.messages(case_id, 0, MAX_MESSAGES)
            media = await uow.citizen.media_of_case(case_id)
        return CaseConversation(request, messages, media)

    async def send(self, actor: Actor, case_id: int, text: str) -> Message:
        """The operator's answer, by the app. 409 `not_from_app` for a case without an app request."""
        await self._access.check(actor, case_id, write=True)
        cleaned = message_text(text)
        now = self._clock.now()
        async with self._uow() as uow:
            case = await uow.cases.get_case(case_id)
            if case is None:
                raise NotFound("no such case")
            if await uow.citizen.request_for_case(case_id) is None:
                raise Conflict("обращение поступило не из приложения: писать некуда", code="not_from_app")
            user = await uow.users.get(actor.user_id)
            message = await uow.citizen.add_message(
                Message(
                    0,
                    case_id,
                    Channel.APP,
                    Author.OPERATOR,
                    cleaned,
                    now,
                    author_user_id=actor.user_id,
                    author_name=user.full_name if user else "",
                )
            )
            await uow.commit()
        self._app.tell(case, message)
        self._internal.publish(OperatorAnswered(case_id, case.name, message.text))
        return message

    async def media_file(self, actor: Actor, case_id: int, media_id: int) -> tuple[Media, Path]:
        """A photo or voice note of the case; each view is audited."""
        await self._access.check(actor, case_id, write=False)
        async with self._uow() as uow:
            media = await uow.citizen.get_media(media_id)
            found = self._app.file_of(media, case_id)
            await uow.audit.record(
                at=self._clock.now(),
                actor_id=actor.user_id,
                action="view_media",
                entity="case",
                entity_id=str(case_id),
                detail={"media_id": media_id},
            )
            await uow.commit()
        return found
