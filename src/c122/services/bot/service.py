"""The chat bot's use cases (MM-04): a text from a citizen on a text channel (app chat, messenger, SMS)
steps the channel's flow — the IVR flow an administrator edits for voice — and the session is stored
after every step, so a restart continues it. When the flow reaches a queue the conversation is handed
to the intake with its transcript, the case type the citizen chose and the queue.

An outside bot hands a conversation over the same way (`hand_over_from_outside`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from c122.domain.bot import (
    BotConversation,
    BotTurn,
    Line,
    Outcome,
    Speaker,
    TextBot,
    text_problems,
)
from c122.domain.citizen import Channel
from c122.domain.clock import Clock
from c122.domain.errors import FieldProblem, Forbidden, InvalidFields
from c122.domain.ivr import Flow
from c122.domain.users import Actor
from c122.services.bot.ports import (
    Applicant,
    BotUnitOfWork,
    ChannelSetting,
    HandedOver,
    HandOver,
    Intake,
)
from c122.services.ports import UnitOfWorkFactory

_log = logging.getLogger(__name__)

HANDED_OVER_TEXT = "Ваше обращение № {number} передано оператору. Пишите сюда: он ответит в этом чате."
TRANSFER_TEXT = "Позвоните, пожалуйста, по номеру {number}."
NO_FLOW_TEXT = "Ваше обращение № {number} принято. Оператор ответит в этом чате."


@dataclass(frozen=True)
class BotReply:
    """What to send back to the citizen: the bot's texts (the last with `choices` as buttons), and the
    case when the conversation was handed to operators."""

    texts: tuple[str, ...]
    choices: tuple[str, ...] = ()
    handed_over: HandedOver | None = None


@dataclass(frozen=True)
class SessionView:
    transcript: tuple[Line, ...]
    choices: tuple[str, ...]


class ChatBot:
    def __init__(self, uow_factory: UnitOfWorkFactory[BotUnitOfWork], clock: Clock, intake: Intake) -> None:
        self._uow = uow_factory
        self._clock = clock
        self.intake = intake
        # Versions never change once saved: a version read once serves every later step of it.
        self._versions: dict[tuple[str, int], Flow] = {}

    async def on_text(self, channel: Channel, address: str, text: str, applicant: Applicant) -> BotReply:
        """A citizen's text with no case to join yet: starts or continues the bot's session."""
        now = self._clock.now()
        said = Line(Speaker.CITIZEN, text.strip(), now)
        async with self._uow() as uow:
            setting = await uow.bot.setting(channel)
            stored = await uow.bot.session(channel, address)
            texts = await self._prompt_texts(uow)
            if stored is not None:
                flow = await self._flow(
                    uow, stored.conversation.flow_name, stored.conversation.state.flow_version
                )
                if flow is None:  # the flow was deleted meanwhile: start again on what is set now
                    await uow.bot.end_session(channel, address)
                    stored = None
            if stored is None:
                flow = await self._flow(uow, setting.flow_name) if setting and setting.flow_name else None
                if flow is None:
                    await uow.commit()
                    return await self._straight(channel, address, applicant, setting, said)
                turn = self._bot(flow, texts).start(now)
                conversation = BotConversation(flow.name, turn.state).said(said)
            else:
                assert flow is not None
                turn = self._bot(flow, texts).answer(stored.conversation.state, text, now)
                conversation = BotConversation(flow.name, turn.state, stored.conversation.transcript).said(
                    said
                )
            conversation = conversation.said(*(Line(Speaker.BOT, t, now) for t in turn.texts))
            if turn.outcome is Outcome.WAITING:
                await uow.bot.save_session(channel, address, conversation, now)
            else:
                await uow.bot.end_session(channel, address)
            queue_id = await self._queue_of(uow, turn, setting)
            await uow.commit()
        return await self._after(channel, address, applicant, turn, conversation, queue_id)

    async def _after(
        self,
        channel: Channel,
        address: str,
        applicant: Applicant,
        turn: BotTurn,
        conversation: BotConversation,
        queue_id: int | None,
    ) -> BotReply:
        match turn.outcome:
            case Outcome.HANDED_OVER:
                handed = await self.intake.hand_over(
                    HandOver(
                        channel=channel,
                        address=address,
                        applicant=applicant,
                        transcript=conversation.transcript,
                        case_type_id=turn.case_type,
                        queue_id=queue_id,
                        priority=turn.priority,
                    )
                )
                return BotReply((*turn.texts, HANDED_OVER_TEXT.format(number=handed.case_number)), (), handed)
            case Outcome.TRANSFERRED:
                return BotReply((*turn.texts, TRANSFER_TEXT.format(number=turn.number)))
        return BotReply(turn.texts, turn.choices)

    async def _straight(
        self,
        channel: Channel,
        address: str,
        applicant: Applicant,
        setting: ChannelSetting | None,
        said: Line,
    ) -> BotReply:
        """No bot on the channel: the first message goes straight to the channel's queue."""
        handed = await self.intake.hand_over(
            HandOver(channel, address, applicant, (said,), queue_id=setting.queue_id if setting else None)
        )
        return BotReply((NO_FLOW_TEXT.format(number=handed.case_number),), (), handed)

    async def serves(self, channel: Channel) -> bool:
        """The administrator set the channel up (a flow or a queue): its new conversations are taken."""
        async with self._uow() as uow:
            setting = await uow.bot.setting(channel)
        return setting is not None and (setting.flow_name is not None or setting.queue_id is not None)

    async def runs_flow(self, channel: Channel) -> bool:
        """The administrator set a flow for the channel: its bot talks before operators do."""
        async with self._uow() as uow:
            setting = await uow.bot.setting(channel)
        return setting is not None and setting.flow_name is not None

    async def session_view(self, channel: Channel, address: str) -> SessionView | None:
        """The open session at the address: what was said, and the choices the bot waits for now."""
        async with self._uow() as uow:
            stored = await uow.bot.session(channel, address)
            if stored is None:
                return None
            conversation = stored.conversation
            flow = await self._flow(uow, conversation.flow_name, conversation.state.flow_version)
            texts = await self._prompt_texts(uow) if flow is not None else {}
        choices = self._bot(flow, texts).choices(conversation.state) if flow is not None else ()
        return SessionView(tuple(line for line in conversation.transcript if line.text), choices)

    async def hand_over_from_outside(self, handover: HandOver) -> HandedOver:
        """An outside bot's conversation (the API checked its key): an open session of ours on the
        same address ends, so the citizen's next message joins the case."""
        async with self._uow() as uow:
            if handover.case_type_id is not None and await uow.case_types.get(handover.case_type_id) is None:
                raise InvalidFields([FieldProblem("topic_id", "not_found", "нет такого типа обращения")])
            if handover.queue_id is not None and await uow.queues.get(handover.queue_id) is None:
                raise InvalidFields([FieldProblem("queue_id", "not_found", "нет такой очереди")])
            queue_id = handover.queue_id
            if queue_id is None:
                setting = await uow.bot.setting(handover.channel)
                queue_id = setting.queue_id if setting else None
            await uow.bot.end_session(handover.channel, handover.address)
            await uow.commit()
        handed = await self.intake.hand_over(
            HandOver(
                handover.channel,
                handover.address,
                handover.applicant,
                handover.transcript,
                handover.case_type_id,
                queue_id,
                handover.topic,
                handover.priority,
            )
        )
        _log.info(
            "an outside bot handed over %s %s as case %s", handover.channel, handover.address, handed.case_id
        )
        return handed

    # --- the channels' settings (administrators) ---------------------------------------------------

    async def settings(self, actor: Actor) -> list[ChannelSetting]:
        _require_admin(actor)
        async with self._uow() as uow:
            found = [await uow.bot.setting(channel) for channel in Channel]
        return [s or ChannelSetting(channel, None, None) for s, channel in zip(found, Channel, strict=True)]

    async def save_setting(self, actor: Actor, setting: ChannelSetting) -> ChannelSetting:
        """The channel's flow must run as text (every prompt with a text form, named on its node) and
        its queue must exist."""
        _require_admin(actor)
        now = self._clock.now()
        async with self._uow() as uow:
            problems: list[FieldProblem] = []
            if setting.flow_name:
                flow = await self._flow(uow, setting.flow_name)
                if flow is None:
                    problems.append(
                        FieldProblem("flow_name", "not_found", f"нет схемы «{setting.flow_name}»")
                    )
                else:
                    problems += text_problems(flow, await self._prompt_texts(uow))
            if setting.queue_id is not None and await uow.queues.get(setting.queue_id) is None:
                problems.append(FieldProblem("queue_id", "not_found", "нет такой очереди"))
            if problems:
                raise InvalidFields(problems)
            saved = ChannelSetting(setting.channel, setting.flow_name or None, setting.queue_id, now)
            await uow.bot.save_setting(saved)
            await uow.audit.record(
                at=now,
                actor_id=actor.user_id,
                action="update",
                entity="channel",
                entity_id=setting.channel.value,
                detail={"flow_name": saved.flow_name, "queue_id": saved.queue_id},
            )
            await uow.commit()
        return saved

    # --- helpers -------------------------------------------------------------------------------------

    async def _flow(self, uow: BotUnitOfWork, name: str, version: int | None = None) -> Flow | None:
        cached = self._versions.get((name, version)) if version is not None else None
        if cached is not None:
            return cached
        stored = await uow.ivr.flow(name, version)
        if stored is None:
            return None
        self._versions[(name, stored.flow.version)] = stored.flow
        return stored.flow

    @staticmethod
    async def _prompt_texts(uow: BotUnitOfWork) -> dict[str, str]:
        return {p.name: p.text.strip() for p in await uow.ivr.prompts() if p.text and p.text.strip()}

    @staticmethod
    def _bot(flow: Flow, texts: dict[str, str]) -> TextBot:
        return TextBot(flow, texts)  # cheap: the executor keeps no state, the zone is cached

    @staticmethod
    async def _queue_of(uow: BotUnitOfWork, turn: BotTurn, setting: ChannelSetting | None) -> int | None:
        """The flow's queue (a queue id as the flow stores it), else the channel's."""
        if turn.queue is not None and turn.queue.isdigit():
            queue = await uow.queues.get(int(turn.queue))
            if queue is not None:
                return queue.id
        return setting.queue_id if setting else None


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("only administrators manage the channels")


def transcript_of(lines: list[tuple[str, str, datetime]]) -> tuple[Line, ...]:
    """An outside bot's transcript: (speaker, text, at) with speaker `bot` or `citizen`."""
    return tuple(Line(Speaker(speaker), text, at) for speaker, text, at in lines)
