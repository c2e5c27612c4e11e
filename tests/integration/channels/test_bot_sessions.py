"""Chat bot sessions on a real database (SQLite and PostgreSQL): a session stored by one process is
continued by the next one (a restart), on the flow version it started with even after the flow is
saved again; a wrong answer follows the flow's retry rules; the hand-over carries the transcript."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from c122.domain.bot import Speaker
from c122.domain.citizen import Channel
from c122.domain.ivr import flow_from_dict
from c122.domain.users import CONSOLE
from c122.persistence.database import create_engine
from c122.persistence.unit_of_work import SqlUnitOfWorkFactory
from c122.services.bot.ports import Applicant, ChannelSetting, HandedOver, HandOver
from c122.services.bot.service import ChatBot
from c122.services.ivr.ports import NewPrompt
from tests.support.clock import FakeClock

NOON = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # a Wednesday, 12:00 in Moscow


def _flow(version: int, menu: str) -> dict[str, object]:
    return {
        "name": "Чат",
        "version": version,
        "entry": "menu",
        "timezone": "Europe/Moscow",
        "nodes": {
            "menu": {
                "type": "menu",
                "prompt": menu,
                "branches": {"1": "typed"},
                "invalid_prompt": "again",
                "fallback": "queue",
            },
            "typed": {"type": "set_case_type", "case_type": 7, "next": "queue"},
            "queue": {"type": "enqueue", "queue": "3", "priority": 2},
        },
    }


class RecordingIntake:
    def __init__(self) -> None:
        self.handed: list[HandOver] = []

    async def hand_over(self, handover: HandOver) -> HandedOver:
        self.handed.append(handover)
        return HandedOver(100 + len(self.handed), f"№{len(self.handed)}")


@pytest.fixture
async def factory(database_url: str) -> AsyncIterator[SqlUnitOfWorkFactory]:
    made = SqlUnitOfWorkFactory(create_engine(database_url))
    async with made() as uow:
        for name, text in (("menu_v1", "1 — врач"), ("menu_v2", "1 — врач (новое меню)"), ("again", "Нет")):
            await uow.ivr.add_prompt(NewPrompt(name, name, "tts", text, 0, ""), NOON)
        await uow.ivr.add_flow_version(flow_from_dict(_flow(1, "menu_v1")), NOON, None)
        await uow.commit()
    try:
        yield made
    finally:
        await made.dispose()


async def test_a_restart_continues_the_session_on_its_flow_version(factory: SqlUnitOfWorkFactory) -> None:
    clock = FakeClock(NOON)
    before = ChatBot(factory, clock, RecordingIntake())
    await before.save_setting(CONSOLE, ChannelSetting(Channel.MESSENGER, "Чат", None))
    greeting = await before.on_text(Channel.MESSENGER, "telegram:1", "здравствуйте", Applicant(name="Анна"))
    assert greeting.texts == ("1 — врач",)
    assert greeting.choices == ("1",)

    async with factory() as uow:  # an administrator saves a new version meanwhile
        await uow.ivr.add_flow_version(flow_from_dict(_flow(2, "menu_v2")), NOON, None)
        await uow.commit()

    intake = RecordingIntake()
    after = ChatBot(factory, clock, intake)  # a new process: nothing but the database is shared
    wrong = await after.on_text(Channel.MESSENGER, "telegram:1", "что?", Applicant(name="Анна"))
    assert wrong.texts == ("Нет", "1 — врач")  # still version 1, with its retry
    chosen = await after.on_text(Channel.MESSENGER, "telegram:1", "1", Applicant(name="Анна"))
    assert chosen.handed_over == HandedOver(101, "№1")
    assert "№1" in chosen.texts[-1]
    handover = intake.handed[0]
    assert (handover.case_type_id, handover.priority) == (7, 2)
    assert [(line.speaker, line.text) for line in handover.transcript] == [
        (Speaker.CITIZEN, "здравствуйте"),
        (Speaker.BOT, "1 — врач"),
        (Speaker.CITIZEN, "что?"),
        (Speaker.BOT, "Нет"),
        (Speaker.BOT, "1 — врач"),
        (Speaker.CITIZEN, "1"),
    ]
    async with factory() as uow:
        assert await uow.bot.session(Channel.MESSENGER, "telegram:1") is None  # ended with the hand-over

    fresh = await after.on_text(Channel.MESSENGER, "telegram:2", "привет", Applicant())
    assert fresh.texts == ("1 — врач (новое меню)",)  # a new session starts on the latest version


async def test_a_channel_without_a_setting_is_not_served_and_without_a_flow_goes_straight_to_the_queue(
    factory: SqlUnitOfWorkFactory,
) -> None:
    intake = RecordingIntake()
    bot = ChatBot(factory, FakeClock(NOON), intake)
    assert not await bot.serves(Channel.SMS)
    await bot.save_setting(CONSOLE, ChannelSetting(Channel.SMS, None, None))
    assert not await bot.serves(Channel.SMS)
    reply = await bot.on_text(Channel.SMS, "+79161234567", "нужен врач", Applicant(phone="+79161234567"))
    assert reply.handed_over is not None
    assert [line.text for line in intake.handed[0].transcript] == ["нужен врач"]
