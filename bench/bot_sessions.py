"""Chat bot conversations: 1,000 concurrent sessions stepping through a menu (issue #22, MM-04).

Each simulated citizen writes «привет» (the bot greets and shows the menu), then a wrong answer (the
menu again, with the invalid-choice text), then «2» (a case type is set and the flow reaches its
queue: the session ends and the conversation is handed over). Every step loads the session, steps
the flow with the IVR executor and stores the session — on a real database (SQLite file, then
PostgreSQL when it answers). The hand-over itself is counted, not stored: the intake's case cards are
measured by their own benchmarks.

Side by side in the same run: the pure stepping (domain TextBot, no storage) for the same steps, so
the cost of keeping sessions is visible apart from the flow's. The load average is recorded with
each figure (the machine is shared).

    .venv/bin/python -m bench.bot_sessions [--sessions 1000] [--no-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from datetime import UTC, datetime
from typing import Any

from bench.common import percentiles, write_result
from bench.databases import on_both_databases
from tests.support.clock import FakeClock

from c122.domain.bot import Outcome, TextBot
from c122.domain.citizen import Channel
from c122.domain.ivr import flow_from_dict
from c122.domain.users import CONSOLE
from c122.persistence import migrate
from c122.persistence.database import create_engine
from c122.persistence.unit_of_work import SqlUnitOfWorkFactory
from c122.services.bot.ports import Applicant, ChannelSetting, HandedOver, HandOver
from c122.services.bot.service import ChatBot
from c122.services.ivr.ports import NewPrompt

OPEN_MOMENT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # a Wednesday noon in Moscow
TEXTS = {
    "welcome": "Здравствуйте! Это линия 122.",
    "main_menu": "1 — справка, 2 — врач на дом, 0 — оператор",
    "invalid_choice": "Нет такого пункта.",
    "closed": "Линия работает с 8 до 20.",
}
FLOW: dict[str, Any] = {
    "name": "Чат 122",
    "entry": "hours",
    "timezone": "Europe/Moscow",
    "nodes": {
        "hours": {
            "type": "schedule",
            "schedule": {
                "weekly": {day: [["08:00", "20:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
            },
            "open": "welcome",
            "closed": "closed",
        },
        "welcome": {"type": "play", "prompt": "welcome", "next": "main_menu"},
        "main_menu": {
            "type": "menu",
            "prompt": "main_menu",
            "branches": {"1": "info", "2": "doctor", "0": "operator"},
            "invalid_prompt": "invalid_choice",
            "fallback": "operator",
        },
        "info": {"type": "set_case_type", "case_type": 1, "next": "queue"},
        "doctor": {"type": "set_case_type", "case_type": 2, "next": "queue"},
        "operator": {"type": "enqueue", "queue": "1"},
        "queue": {"type": "enqueue", "queue": "1", "priority": 1},
        "closed": {"type": "hang_up", "prompt": "closed"},
    },
}
ANSWERS = ("привет", "не знаю", "2")


class CountingIntake:
    """Counts hand-overs; the intake's own storage is not what this benchmark measures."""

    def __init__(self) -> None:
        self.handed = 0

    async def hand_over(self, handover: HandOver) -> HandedOver:
        self.handed += 1
        return HandedOver(self.handed, str(self.handed))


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def pure_stepping(sessions: int) -> dict[str, Any]:
    """The same conversations with the domain's TextBot only: no storage."""
    flow = flow_from_dict({**FLOW, "version": 1})
    bot = TextBot(flow, TEXTS)
    started = time.perf_counter()
    handed = 0
    for _ in range(sessions):
        turn = bot.start(OPEN_MOMENT)
        for answer in ANSWERS[1:]:
            turn = bot.answer(turn.state, answer, OPEN_MOMENT)
        handed += turn.outcome is Outcome.HANDED_OVER
    elapsed = time.perf_counter() - started
    steps = sessions * len(ANSWERS)
    return {
        "sessions": sessions,
        "handed_over": handed,
        "steps_per_s": round(steps / elapsed, 1),
        "load_average": load(),
    }


async def _prepare(url: str) -> SqlUnitOfWorkFactory:
    await migrate.upgrade_async(url)
    factory = SqlUnitOfWorkFactory(create_engine(url))
    now = datetime.now(UTC)
    async with factory() as uow:
        for name, text in TEXTS.items():
            await uow.ivr.add_prompt(NewPrompt(name, name, "tts", text, 0, ""), now)
        # Stored as is: the flow's queue and case types are not looked up on the bot's way.
        await uow.ivr.add_flow_version(flow_from_dict({**FLOW, "version": 1}), now, None)
        await uow.commit()
    return factory


async def stored_sessions(url: str, sessions: int, concurrency: int) -> dict[str, Any]:
    factory = await _prepare(url)
    try:
        clock = FakeClock(OPEN_MOMENT)
        intake = CountingIntake()
        bot = ChatBot(factory, clock, intake)
        await bot.save_setting(CONSOLE, ChannelSetting(Channel.MESSENGER, FLOW["name"], None))
        gate = asyncio.Semaphore(concurrency)
        samples: list[float] = []
        failures: list[str] = []

        async def conversation(n: int) -> None:
            for answer in ANSWERS:
                async with gate:
                    began = time.perf_counter()
                    try:
                        await bot.on_text(
                            Channel.MESSENGER, f"bench:{n}", answer, Applicant(name=f"Гражданин {n}")
                        )
                    except Exception as exc:
                        failures.append(f"{type(exc).__name__}: {exc}"[:200])
                        return
                    samples.append((time.perf_counter() - began) * 1000)
                await asyncio.sleep(0)  # the citizen reads the answer; others step meanwhile

        load_before = load()
        started = time.perf_counter()
        await asyncio.gather(*(conversation(n) for n in range(sessions)))
        elapsed = time.perf_counter() - started
        async with factory() as uow:
            left = await uow.bot.session(Channel.MESSENGER, "bench:0")
        return {
            "sessions": sessions,
            "concurrency": concurrency,
            "handed_over": intake.handed,
            "failures": len(failures),
            "first_failures": failures[:3],
            "sessions_left_open": int(left is not None),
            "elapsed_s": round(elapsed, 2),
            "steps_per_s": round(len(samples) / elapsed, 1),
            "conversations_per_s": round(intake.handed / elapsed, 1),
            "step": percentiles(samples) if samples else {},
            "load_average_before": load_before,
            "load_average_after": load(),
        }
    finally:
        await factory.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=1000)
    # 1,000 sessions are open at once and interleave; the steps in flight at one moment are bounded
    # like a server's requests are, by the connection pool (10 + 20 overflow): more only time out.
    parser.add_argument("--concurrency", type=int, default=25, help="steps in flight at once")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    async def run() -> dict[str, Any]:
        async def measure(url: str) -> dict[str, Any]:
            return await stored_sessions(url, args.sessions, args.concurrency)

        return await on_both_databases(measure, None if args.no_postgres else measure)

    pure = pure_stepping(args.sessions)
    print("pure stepping", pure, flush=True)
    stored = asyncio.run(run())
    path = write_result("bot_sessions", {"pure_stepping": pure, "stored_sessions": stored})
    print(path)


if __name__ == "__main__":
    main()
