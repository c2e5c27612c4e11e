"""A conference started from the softphone with no call in progress (TEL-21, seed 4.3.8 fig. 59).

Operator 1 on a baresip phone (1 kHz) starts it by inviting operator 2 at their browser desk (an aiortc
peer, 1.5 kHz): the desk rings and they answer. Operators 3, 4 and 5 on baresip phones (2.5 kHz, 1.2 kHz,
600 Hz) are invited. Each hears the other four and not themselves; operator 2 mutes their own
microphone and is heard by nobody, but may not mute another; a colleague in it is refused to someone
else as busy, a sixth is refused; the parties are named from the directory; it ends for all (phones
hung up, operators free) and the recording holds its mix as segments naming the five.

A group's invitation that waits in its queue, started the same way, rings the colleague's desk once:
one `call.offered` (the conference's), not a second one for the queue's entry.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tests.integration.call_flow.conftest import ended_calls
from tests.integration.call_flow.test_conference import tones_in as tones_of
from tests.integration.call_flow.test_conference_queue import group_id
from tests.integration.call_flow.test_inbound_call import stereo
from tests.integration.webrtc.conftest import Browser
from tests.support.polling import until
from tests.support.server import Desk, EventClient, RunningServer

pytestmark = [pytest.mark.peers, pytest.mark.serial]  # frequencies per time range: timing-sensitive

# No tone lands on another's third-order product (2a-b, a+b-c): G.711 companding of the loud mix makes
# those, and an arithmetic series of tones would hear its own in them.
ORGANISER, BROWSER, THIRD, FOURTH, FIFTH = 1000.0, 1500.0, 2500.0, 1200.0, 600.0
TONES = (ORGANISER, BROWSER, THIRD, FOURTH, FIFTH)


def tones_in(pcm: Any) -> set[float]:
    return tones_of(pcm, TONES)


CONF = "/api/v1/operators/me/conference"
LOGINS = ("operator1", "operator2", "operator3", "operator4", "operator5")


async def directory(server: RunningServer) -> dict[str, dict[str, Any]]:
    admin = await server.signed_in("admin")
    users = (await admin.http.get("/api/v1/admin/users", params={"q": "operator"})).json()["items"]
    return {u["login"]: u for u in users}


async def ready(desk: Desk) -> None:
    response = await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
    assert response.is_success, response.text


async def status(desk: Desk) -> str:
    found: str = (await desk.http.get("/api/v1/operators/me/state")).json()["status"]
    return found


async def offers_until(events: EventClient, last: str, timeout: float = 15) -> list[dict[str, Any]]:
    """Every `call.offered` to the desk until an event of type `last` arrives (included)."""
    seen: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while True:
            message = await events.receive(timeout)
            if message["kind"] != "event":
                continue
            if message["type"] == "call.offered":
                seen.append(message["data"]["offer"])
            if message["type"] == last:
                return seen


async def test_a_conference_without_a_call_of_five_with_a_colleague_muting_themselves(
    hotline: RunningServer, operator_phone: Any
) -> None:
    desks = {login: await hotline.signed_in(login) for login in LOGINS}
    users = await directory(hotline)
    ids = {login: int(users[login]["id"]) for login in LOGINS}
    organiser = desks["operator1"]
    tones = {"operator1": ORGANISER, "operator3": THIRD, "operator4": FOURTH, "operator5": FIFTH}
    phones = {login: await operator_phone(hotline, desks[login], login, int(f)) for login, f in tones.items()}

    async def conference(desk: Desk = organiser) -> dict[str, Any] | None:
        found: dict[str, Any] | None = (await desk.http.get(CONF)).json()
        return found

    def joined(count: int) -> Any:
        return lambda c: c is not None and sum(p["state"] == "joined" for p in c["parties"]) == count

    async with organiser.events() as mine, desks["operator2"].events() as theirs:
        browser = Browser(theirs, BROWSER)
        try:
            await browser.connect()
            for login in LOGINS:
                await ready(desks[login])
            nobody = await organiser.write("POST", CONF)
            assert (nobody.status_code, nobody.json()["code"]) == (409, "no_call")
            no_trunk = await organiser.write("POST", CONF, json={"number": "+19995550100"})
            assert no_trunk.status_code == 422, no_trunk.text
            assert await status(organiser) == "ready"  # nothing started

            started = await organiser.write("POST", CONF, json={"user_id": ids["operator2"]})
            assert started.status_code == 201, started.text
            call_id = started.json()["call_id"]
            # The browser colleague's desk rings like a consultation; they answer there.
            offer = (await theirs.next_event("call.offered", timeout=15))["data"]["offer"]
            assert (offer["call_id"], offer["from_user_id"]) == (call_id, ids["operator1"])
            answered = await desks["operator2"].write(
                "POST", f"/api/v1/operators/me/transfers/{call_id}/answer"
            )
            assert answered.status_code == 204, answered.text
            two = await until(conference, joined(2), timeout=15)
            assert [p["role"] for p in two["parties"]] == ["organiser", "guest"]  # no caller
            assert two["organiser_id"] == ids["operator1"]
            assert (await mine.next_event("call.connected", timeout=5))["data"]["call_id"] == call_id

            party = {"operator2": two["parties"][1]["id"]}
            for login in ("operator3", "operator4"):
                invited = await organiser.write("POST", f"{CONF}/parties", json={"user_id": ids[login]})
                assert invited.status_code == 201, invited.text
                party[login] = invited.json()["party_id"]
            await until(conference, joined(4), timeout=20)
            # A colleague in the conference is busy for anyone else's.
            busy = await desks["operator5"].write("POST", CONF, json={"user_id": ids["operator4"]})
            assert (busy.status_code, busy.json()["code"]) == (409, "colleague_busy"), busy.text
            assert await status(desks["operator5"]) == "ready"
            invited = await organiser.write("POST", f"{CONF}/parties", json={"user_id": ids["operator5"]})
            assert invited.status_code == 201, invited.text
            party["operator5"] = invited.json()["party_id"]
            five = await until(conference, joined(5), timeout=20)
            sixth = await organiser.write("POST", f"{CONF}/parties", json={"number": "+74951112233"})
            assert (sixth.status_code, sixth.json()["code"]) == (409, "conference_full"), sixth.text
            # Every party is named from the directory, the colleague at their browser desk too.
            names = {p["user_id"]: p["name"] for p in five["parties"]}
            assert names == {ids[login]: users[login]["full_name"] for login in LOGINS}

            async def marks() -> dict[str, int]:
                at = {login: phone.heard_so_far() for login, phone in phones.items()}
                return {**at, "operator2": len(browser.audio())}

            await asyncio.sleep(1)
            all_from = await marks()
            await asyncio.sleep(3)
            all_to = await marks()
            # A colleague mutes their own microphone, not another's.
            guest = desks["operator2"]
            others = await guest.write("PATCH", f"{CONF}/parties/{party['operator3']}", json={"muted": True})
            assert (others.status_code, others.json()["code"]) == (409, "not_organiser"), others.text
            own = await guest.write("PATCH", f"{CONF}/parties/{party['operator2']}", json={"muted": True})
            assert own.status_code == 204, own.text
            seen = await until(conference, lambda c: c is not None and any(p["muted"] for p in c["parties"]))
            assert [p["id"] for p in seen["parties"] if p["muted"]] == [party["operator2"]]
            await asyncio.sleep(0.5)
            muted_from = await marks()
            await asyncio.sleep(3)
            muted_to = await marks()
            assert (await organiser.write("POST", f"{CONF}/end")).status_code == 204
            await mine.next_event("call.ended", timeout=10)
        finally:
            await browser.close_peer()

    # Ended for all: the phones hung up, the colleagues free, the organiser out of the call.
    for login in ("operator3", "operator4", "operator5"):
        await phones[login].wait_output(
            lambda line: "terminated" in line.lower() or "closed" in line.lower(), 20
        )

    async def anyone_on_call() -> bool:
        return any([await status(desk) == "on_call" for desk in desks.values()])

    await until(anyone_on_call, lambda busy: not busy, timeout=15)
    assert await conference() is None

    heard_by = {login: phone.heard() for login, phone in phones.items()}
    heard_by["operator2"] = browser.audio()
    own_tone = {**tones, "operator2": BROWSER}
    everyone = set(own_tone.values())
    for login, audio in heard_by.items():
        heard = tones_in(audio[all_from[login] : all_to[login]])
        assert heard == everyone - {own_tone[login]}, (login, heard)
        while_muted = tones_in(audio[muted_from[login] : muted_to[login]])
        assert while_muted == everyone - {own_tone[login], BROWSER}, (login, while_muted)

    (record,) = await ended_calls(hotline, direction="internal")
    assert (record["id"], record["end_cause"]) == (call_id, "conference_ended")
    segments = record["recording_segments"]
    assert segments
    assert all(s["mixed"] for s in segments)  # nothing before the first invitee joined
    last = segments[-1]
    assert [p["role"] for p in last["parties"]] == ["operator", *["consultant"] * 4]
    assert {p["party"] for p in last["parties"]} == {str(i) for i in ids.values()}
    assert all(p["name"] for p in last["parties"])
    admin = await hotline.signed_in("admin")
    audio = await admin.http.get(f"/api/v1/calls/{record['id']}/recording")
    assert audio.status_code == 200, audio.text
    left, right = stereo(audio.content)
    end = len(left) / 8000
    # The organiser on the left, what they heard of the mix on the right: the last seconds with the
    # colleague at the browser desk muted.
    assert tones_in(left[int((end - 3.0) * 8000) : int((end - 0.5) * 8000)]) == {ORGANISER}
    assert tones_in(right[int((end - 3.0) * 8000) : int((end - 0.5) * 8000)]) == {THIRD, FOURTH, FIFTH}


async def test_a_queued_group_invitation_rings_the_colleagues_desk_once(
    hotline: RunningServer, operator_phone: Any
) -> None:
    """Operator 5 (the vaccination group's only member) at their browser desk is not ready: the
    conference's first invitation waits in the group's queue; once they are ready the ACD offers it and
    their desk rings once, for the conference, and they answer."""
    organiser, colleague = await hotline.signed_in("operator1"), await hotline.signed_in("operator5")
    users = await directory(hotline)
    await operator_phone(hotline, organiser, "operator1", int(ORGANISER))
    vaccination = await group_id(hotline, "Группа вакцинации")
    async with colleague.events() as theirs:
        browser = Browser(theirs, BROWSER)
        try:
            await browser.connect()
            await ready(organiser)
            started = await organiser.write("POST", CONF, json={"group_id": vaccination})
            assert started.status_code == 201, started.text
            call_id = started.json()["call_id"]

            async def parties() -> list[dict[str, Any]]:
                found: list[dict[str, Any]] = ((await organiser.http.get(CONF)).json() or {}).get(
                    "parties", []
                )
                return found

            await until(
                parties, lambda found: [p["state"] for p in found] == ["joined", "queued"], timeout=15
            )
            await ready(colleague)
            (offer,) = await offers_until(theirs, "call.offered")
            assert (offer["call_id"], offer.get("from_user_id")) == (call_id, int(users["operator1"]["id"]))
            answered = await colleague.write("POST", f"/api/v1/operators/me/transfers/{call_id}/answer")
            assert answered.status_code == 204, answered.text
            assert await offers_until(theirs, "call.connected") == []  # no second ring
            found = await until(parties, lambda found: [p["state"] for p in found] == ["joined", "joined"])
            assert found[1]["name"] == users["operator5"]["full_name"]
            # The colleague leaves by hanging up at their desk: the organiser alone, it ends.
            assert (await colleague.write("POST", "/api/v1/operators/me/call/hang-up")).status_code == 204
            await until(parties, lambda found: found == [], timeout=10)
        finally:
            await browser.close_peer()
    (record,) = await ended_calls(hotline, direction="internal")
    assert (record["id"], record["end_cause"]) == (call_id, "conference_ended")
    assert await status(organiser) != "on_call"
