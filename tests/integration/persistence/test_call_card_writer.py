"""The cards of calls arriving together are made in one transaction (services/cases/call_card_writer.py),
on SQLite and PostgreSQL: each call gets its own committed card with its own number and applicant (two
calls from one number share the applicant), a card naming no stored type is refused alone, and a
database that cannot answer fails every waiting call with DatabaseUnavailable instead of losing it. The
marks of calls ending together (taken, missed) are stored together too: a few statements a batch
besides each card's own update, two marks of one card in a batch both kept."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from tests.support.server import RunningServer
from tests.support.statements import statements_sent

from c122.domain.cases import Case, HandoverKind
from c122.domain.errors import DatabaseUnavailable, InvalidFields
from c122.services.cases.call_card_writer import CallCardRequest, CallCardWriter

CALLS = 60
UNKNOWN_TYPE = 987_654


async def _info_type(server: RunningServer) -> int:
    async with server.application.uow_factory() as uow:
        case_type = await uow.case_types.find({"code": "info"})
    assert case_type is not None
    return case_type.id


async def test_a_burst_of_call_cards_is_made_in_few_transactions_each_committed(
    server: RunningServer,
) -> None:
    desk = server.application.context.cases.cards
    info = await _info_type(server)
    batches: list[int] = []

    async def counted(requests: Sequence[CallCardRequest]) -> list[Case | InvalidFields]:
        batches.append(len(requests))
        return await desk.create_cases_for_calls(requests)

    writer = CallCardWriter(counted, max_batch=25)
    callers = [f"+7916{n % 20:07d}" for n in range(CALLS)]  # 20 numbers, three calls each
    with statements_sent(server.application.uow_factory.engine) as statements:
        made = await asyncio.gather(
            *(
                writer.create(CallCardRequest(caller, info, f"burst-{n}", None))
                for n, caller in enumerate(callers)
            ),
            writer.create(CallCardRequest("+79990000000", UNKNOWN_TYPE, "burst-unknown", None)),
            return_exceptions=True,
        )

    *cards, refused = made
    assert isinstance(refused, InvalidFields)
    assert all(isinstance(card, Case) for card in cards)
    assert len(batches) < CALLS / 10  # not one transaction per card
    assert len(statements) <= 12 * len(batches)  # nor statements per card: a few per table a batch
    assert len({card.name for card in cards if isinstance(card, Case)}) == CALLS  # numbers never repeat
    async with server.application.uow_factory() as uow:
        stored = [
            await uow.cases.get_case(case_id) for case_id in [c.id for c in cards if isinstance(c, Case)]
        ]
        assert await uow.cases.case_of_call("burst-unknown") is None
        assert await uow.cases.case_of_call(f"burst-{CALLS - 1}") == stored[-1].id  # type: ignore[union-attr]
    applicants = {card.applicant_id for card in stored if card is not None}
    assert len(applicants) == 20  # one per number, found again by the later calls


async def test_a_database_that_cannot_answer_fails_every_waiting_card(server: RunningServer) -> None:
    info = await _info_type(server)

    async def down(requests: Sequence[CallCardRequest]) -> list[Case | InvalidFields]:
        raise DatabaseUnavailable("the database is down (test)")

    writer = CallCardWriter(down)
    made = await asyncio.gather(
        *(writer.create(CallCardRequest("+79161234567", info, f"down-{n}", None)) for n in range(5)),
        return_exceptions=True,
    )
    assert all(isinstance(result, DatabaseUnavailable) for result in made)
    with pytest.raises(DatabaseUnavailable):
        await writer.create(CallCardRequest("+79161234567", info, "down-after", None))


async def _user_id(server: RunningServer, login: str) -> int:
    async with server.application.uow_factory() as uow:
        user = await uow.users.find({"login": login})
    assert user is not None
    return user.id


async def test_the_marks_of_calls_ending_together_are_stored_together(server: RunningServer) -> None:
    calls = server.application.context.cases.calls
    info = await _info_type(server)
    first, second = await _user_id(server, "operator1"), await _user_id(server, "operator2")
    await asyncio.gather(
        *(
            calls.create_case_for_call(
                caller=f"+7916{n:07d}", type_id=info, call_id=f"mark-{n}", group_id=None
            )
            for n in range(CALLS)
        )
    )
    with statements_sent(server.application.uow_factory.engine) as statements:
        await asyncio.gather(
            *(calls.call_taken(f"mark-{n}", first, kind=HandoverKind.ANSWERED) for n in range(0, CALLS, 2)),
            *(calls.call_missed(f"mark-{n}") for n in range(1, CALLS, 2)),
            # a second mark of the first card while the first waits to be stored with it
            calls.call_taken("mark-0", second, kind=HandoverKind.CONSULTED, from_user_id=first),
            calls.call_missed("mark-nobody"),
        )

    changes = [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert len(changes) <= 2 * (CALLS + 1)  # the card's update and its history row, nothing else
    assert len(statements) - len(changes) < CALLS  # the reads: a few per batch, not several per card
    async with server.application.uow_factory() as uow:
        cards = await uow.cases.cases_of_calls([f"mark-{n}" for n in range(CALLS)] + ["mark-nobody"])
    assert len(cards) == CALLS
    assert [h.to_user_id for h in cards["mark-0"].handovers] == [first, second]
    assert cards["mark-0"].operator_id == second
    assert all(cards[f"mark-{n}"].operator_id == first for n in range(2, CALLS, 2))
    assert all(cards[f"mark-{n}"].missed for n in range(1, CALLS, 2))
    assert not any(cards[f"mark-{n}"].missed for n in range(0, CALLS, 2))
