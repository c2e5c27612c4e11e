"""`c122 demo` seeds a few case cards so the first screen shows the product; running it again adds
none."""

from __future__ import annotations

from tests.support.server import RunningServer

from c122.demo import case_type_ids, seed_demo
from c122.demo_cases import CARDS, seed_demo_cards


async def test_the_demo_desk_starts_with_cards_in_several_states_and_a_rerun_adds_none(
    server: RunningServer,
) -> None:
    application = server.application
    accounts = await seed_demo(application.context.organisation, application.uow_factory)
    server.passwords.update({a.login: a.password for a in accounts})  # the rerun gave new passwords
    operators = {a.login: a.actor for a in accounts}
    types = await case_type_ids(application.uow_factory)

    assert await seed_demo_cards(application.context.cases.cards, operators, types) == len(CARDS)
    assert await seed_demo_cards(application.context.cases.cards, operators, types) == 0

    desk = await server.signed_in("operator1")
    page = (await desk.http.get("/api/v1/cases")).json()
    assert page["total"] == 3  # the reference group's cards; the vaccination card is another group's
    assert sorted(row["status"] for row in page["items"]) == ["completed", "in_work", "new"]
    assert [row["attention"] for row in page["items"] if row["status"] == "in_work"] == [True]
    assert {row["applicant_name"] for row in page["items"]} >= {"Морозова Ирина", "Белова Наталья"}
