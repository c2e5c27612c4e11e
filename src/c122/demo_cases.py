"""A few demo case cards, so the first screen of `c122 demo` shows the product rather than an empty
desk: cards of the reference and vaccination groups in different states, one flagged «Внимание!».

Only when the demo has no cards yet; running the demo again adds none."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from c122.domain.cases import CaseStatus
from c122.domain.users import Actor
from c122.services.cases.service import CaseDesk, ListRequest


@dataclass(frozen=True)
class DemoCard:
    login: str
    type_code: str
    values: dict[str, Any]
    status: CaseStatus | None = None
    attention: bool = False


CARDS = [
    DemoCard(
        "operator1",
        "info",
        {
            "description": "Уточняет часы работы поликлиники № 12 в праздничные дни",
            "address": "г. Москва, ул. Лесная, д. 5",
            "applicant": {"last_name": "Морозова", "first_name": "Ирина", "phones": ["+79161234567"]},
        },
        status=CaseStatus.COMPLETED,
    ),
    DemoCard(
        "operator1",
        "doctor_home",
        {
            "description": "Температура 38,5 третий день, просит вызвать врача на дом",
            "operator_comment": "Передать в медицинскую группу",
            "applicant": {
                "last_name": "Козлов",
                "first_name": "Виктор",
                "patronymic": "Степанович",
                "phones": ["+79035550101"],
            },
        },
        status=CaseStatus.IN_WORK,
        attention=True,
    ),
    DemoCard(
        "operator2",
        "appointment",
        {
            "description": "Запись к терапевту на ближайшую неделю",
            "applicant": {"last_name": "Белова", "first_name": "Наталья", "phones": ["+79268887766"]},
        },
    ),
    DemoCard(
        "operator5",
        "vaccination",
        {
            "description": "Запись на вакцинацию от гриппа, удобно после 18:00",
            "applicant": {"last_name": "Орлов", "first_name": "Сергей", "phones": ["+79057771122"]},
        },
        status=CaseStatus.IN_WORK,
    ),
]


async def seed_demo_cards(
    cards: CaseDesk, operators: dict[str, Actor], type_ids: dict[str, int], demo: Sequence[DemoCard] = CARDS
) -> int:
    """Creates the demo cards as their operators would; returns how many were created."""
    first = operators[demo[0].login]
    if (await cards.list(first, ListRequest(limit=1))).total > 0:
        return 0
    for card in demo:
        actor = operators[card.login]
        created = await cards.create(actor, {"type_id": type_ids[card.type_code], **card.values})
        case_id = created.case.id
        assert case_id is not None
        if card.status is not None or card.attention:
            if card.status is CaseStatus.COMPLETED:  # a card is finished from work, as at the desk
                await cards.set_status(actor, case_id, status=CaseStatus.IN_WORK, attention=None)
            await cards.set_status(
                actor, case_id, status=card.status, attention=True if card.attention else None
            )
    return len(demo)
