"""A conference of five (TEL-21): a SIPp caller (440 Hz) talks to operator 1 on a baresip phone
(1 kHz), who makes the call a conference and invites operator 2 at their browser desk (an aiortc peer
on the real event socket, 1.5 kHz; their desk rings and they answer), operators 3 and 4 on baresip
phones (2 kHz, 2.5 kHz). Each hears the other four and not themselves; operator 3 muted is heard by
nobody; a sixth invitation is refused naming the limit, the organiser cannot be removed; the desks
see who is talking; the recording holds the conference's mix as segments naming their parties."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest
from tests.integration.call_flow.conftest import (
    HotlineCaller,
    ended_calls,
    info_queue_id,
    put_menu_on_main_line,
)
from tests.integration.call_flow.test_consultation import user_id
from tests.integration.call_flow.test_inbound_call import stereo
from tests.integration.webrtc.conftest import Browser
from tests.support.polling import until
from tests.support.server import RunningServer

from c122.telephony.media.analysis import tone_levels

pytestmark = [pytest.mark.peers, pytest.mark.serial]  # frequencies per time range: timing-sensitive

CALLER, ORGANISER, BROWSER, THIRD, FOURTH = 440.0, 1000.0, 1500.0, 2000.0, 2500.0
TONES = (CALLER, ORGANISER, BROWSER, THIRD, FOURTH)
HEARD = 0.02  # a tone's amplitude (fraction of full scale) that is clearly there (those sent: 0.05-0.5)
ABSENT = 0.005  # and clearly not (a party's own tone measures below 0.0015)
CONF = "/api/v1/operators/me/conference"


def tones_in(pcm: np.ndarray, tones: tuple[float, ...] = TONES) -> set[float]:
    assert len(pcm) >= 8000, len(pcm)  # at least a second to measure
    levels = tone_levels(pcm, tones)
    unclear = [f for f, level in levels.items() if ABSENT <= level <= HEARD]
    assert not unclear, levels  # every tone is clearly there or clearly not
    return {f for f, level in levels.items() if level > HEARD}


async def test_five_parties_hear_each_other_a_muted_one_is_heard_by_none_and_a_sixth_is_refused(
    hotline: RunningServer, caller: HotlineCaller, operator_phone: Any
) -> None:
    await put_menu_on_main_line(hotline, await info_queue_id(hotline))
    desks = {
        login: await hotline.signed_in(login)
        for login in ("operator1", "operator2", "operator3", "operator4")
    }
    ids = {login: await user_id(hotline, login) for login in (*desks, "operator5")}
    organiser = desks["operator1"]
    phones = {
        "operator1": await operator_phone(hotline, organiser, "operator1", int(ORGANISER)),
        "operator3": await operator_phone(hotline, desks["operator3"], "operator3", int(THIRD)),
        "operator4": await operator_phone(hotline, desks["operator4"], "operator4", int(FOURTH)),
    }
    async with organiser.events() as mine, desks["operator2"].events() as theirs:
        browser = Browser(theirs, BROWSER)
        try:
            await browser.connect()
            assert (
                await organiser.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
            ).is_success
            await caller.call(
                hotline, "hotline_caller_hung_up.xml", digits="1", listen_ms=2500, wait_ms=60000
            )
            call_id = (await mine.next_event("call.connected", timeout=20))["data"]["call_id"]
            for login in ("operator2", "operator3", "operator4"):  # on duty once operator 1 has the caller
                ready = await desks[login].write(
                    "PUT", "/api/v1/operators/me/state", json={"status": "ready"}
                )
                assert ready.is_success, ready.text

            none_yet = await organiser.write("POST", f"{CONF}/parties", json={"number": "+74951112233"})
            assert (none_yet.status_code, none_yet.json()["code"]) == (409, "no_conference")
            started = await organiser.write("POST", CONF)
            assert (started.status_code, started.json()) == (201, {"call_id": call_id})
            again = await organiser.write("POST", CONF)
            assert (again.status_code, again.json()["code"]) == (409, "in_conference")

            party = {}
            for login in ("operator2", "operator3", "operator4"):
                invited = await organiser.write("POST", f"{CONF}/parties", json={"user_id": ids[login]})
                assert invited.status_code == 201, invited.text
                party[login] = invited.json()["party_id"]
            # The browser colleague's desk rings like a consultation; they answer there.
            offer = (await theirs.next_event("call.offered", timeout=10))["data"]["offer"]
            assert (offer["call_id"], offer["from_user_id"]) == (call_id, ids["operator1"])
            answered = await desks["operator2"].write(
                "POST", f"/api/v1/operators/me/transfers/{call_id}/answer"
            )
            assert answered.status_code == 204, answered.text

            async def conference() -> dict[str, Any]:
                found: dict[str, Any] = (await organiser.http.get(CONF)).json()
                return found

            joined = await until(
                conference, lambda c: c is not None and sum(p["state"] == "joined" for p in c["parties"]) == 5
            )
            assert [p["role"] for p in joined["parties"]] == [
                "caller",
                "organiser",
                "guest",
                "guest",
                "guest",
            ]
            assert joined["organiser_id"] == ids["operator1"]
            seen = await (await hotline.signed_in("operator3")).http.get(CONF)
            assert seen.json()["call_id"] == call_id  # every party's desk sees the conference

            # A sixth is refused with the limit named; so is removing the organiser.
            for target in ({"user_id": ids["operator5"]}, {"number": "+74951112233"}):
                sixth = await organiser.write("POST", f"{CONF}/parties", json=target)
                assert (sixth.status_code, sixth.json()["code"]) == (409, "conference_full"), sixth.text
                assert "5" in sixth.json()["message"]
            removed = await organiser.write("DELETE", f"{CONF}/parties/organiser")
            assert (removed.status_code, removed.json()["code"]) == (409, "organiser")
            unknown = await organiser.write("PATCH", f"{CONF}/parties/p-nobody", json={"muted": True})
            assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_party")

            # Who is talking, from the mixer: everyone sends a tone.
            levels = (await mine.next_event("conference.levels", timeout=10))["data"]
            while len(levels["talking"]) < 5:
                levels = (await mine.next_event("conference.levels", timeout=10))["data"]
            assert set(levels["talking"]) == {"caller", "organiser", *party.values()}

            async def marks() -> dict[str, int]:
                at = {login: phone.heard_so_far() for login, phone in phones.items()}
                return {**at, "operator2": len(browser.audio())}

            all_from = await marks()
            await asyncio.sleep(3)
            all_to = await marks()
            muted = await organiser.write(
                "PATCH", f"{CONF}/parties/{party['operator3']}", json={"muted": True}
            )
            assert muted.status_code == 204, muted.text
            await until(conference, lambda c: any(p["muted"] for p in c["parties"]))
            await asyncio.sleep(0.5)
            muted_from = await marks()
            await asyncio.sleep(3)
            muted_to = await marks()
            assert (await organiser.write("POST", f"{CONF}/end")).status_code == 204
            await mine.next_event("call.ended", timeout=10)
        finally:
            await browser.close_peer()
    code, output = await caller.finish()
    assert code == 0, output[-3000:]

    own = {"operator1": ORGANISER, "operator2": BROWSER, "operator3": THIRD, "operator4": FOURTH}
    heard_by = {login: phone.heard() for login, phone in phones.items()}
    heard_by["operator2"] = browser.audio()
    for login, audio in heard_by.items():
        everyone = tones_in(audio[all_from[login] : all_to[login]])
        assert everyone == set(TONES) - {own[login]}, (login, everyone)
        while_muted = tones_in(audio[muted_from[login] : muted_to[login]])
        expected = set(TONES) - {own[login], THIRD}
        assert while_muted == expected, (login, while_muted)

    (record,) = await ended_calls(hotline)
    assert record["end_cause"] == "conference_ended"
    segments = record["recording_segments"]
    assert not segments[0]["mixed"]  # caller and operator before the conference
    assert all(s["mixed"] for s in segments[1:])  # then each change of who is in it: the mix
    last = segments[-1]
    assert [p["role"] for p in last["parties"]] == [
        "caller",
        "operator",
        "consultant",
        "consultant",
        "consultant",
    ]
    assert {p["party"] for p in last["parties"][1:]} == {str(ids[login]) for login in desks}
    assert all(p["name"] for p in last["parties"][1:])  # the operators are named
    admin = await hotline.signed_in("admin")
    audio = await admin.http.get(f"/api/v1/calls/{record['id']}/recording")
    assert audio.status_code == 200, audio.text
    left, right = stereo(audio.content)
    # The recording ends with the conference: the last 3 s with the third muted, before them all five.
    end = len(left) / 8000

    def window(first_s: float, last_s: float) -> slice:
        return slice(int((end - first_s) * 8000), int((end - last_s) * 8000))

    assert last["offset_s"] < end - 6.5, (end, segments)
    assert tones_in(left[window(6.5, 4.8)]) == {CALLER}
    # What the caller heard: the other four, then all but the muted one.
    assert tones_in(right[window(6.5, 4.8)]) == set(TONES) - {CALLER}
    assert tones_in(right[window(3.0, 0.5)]) == set(TONES) - {CALLER, THIRD}
