"""Listen, whisper, barge (TEL-22, TEL-23) with real phones: a caller (baresip dialling the main line,
440 Hz), the operator's SIP phone (1000 Hz), the senior's SIP phone (1700 Hz, rung and answering by
itself) and a colleague's phone for a consultation (2300 Hz). Who hears whom is read from each phone's
own recording, by frequency, in every mode, after each switch, through hold, a consultation and a
transfer, and with a second supervisor on the call (both barging hear each other); the sessions are on
the call's record, in the audit log and in the senior's events (the operator's too once their group
shows it), and end by themselves when the call ends."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import numpy as np
import pytest
from tests.integration.call_flow.conftest import (
    info_queue_id,
    route_main_line,
    sip_port,
)
from tests.support.peers import Baresip
from tests.support.polling import until
from tests.support.server import RunningServer

from c122.domain.users import CONSOLE
from c122.telephony.media.analysis import tone_levels

pytestmark = pytest.mark.peers

TONES = {"caller": 440, "operator": 1000, "senior": 1700, "consultant": 2300, "admin": 2900}
PHASE_S = 2.0
MARGIN = 2400  # samples left out at each end of a phase: the switch and the packets in flight
MONITORING = "/api/v1/supervision/monitoring"


def heard(samples: np.ndarray) -> set[str]:
    levels = tone_levels(samples, TONES.values())
    return {name for name, tone in TONES.items() if levels[tone] > 0.1}


async def straight_to_the_queue(server: RunningServer) -> None:
    """The main line puts callers in the information queue at once (no menu to key through)."""
    queue = await info_queue_id(server)
    flow = {
        "name": "test_straight",
        "entry": "queue",
        "timezone": "Europe/Moscow",
        "nodes": {"queue": {"type": "enqueue", "queue": str(queue), "priority": 0}},
    }
    await server.application.context.ivr_flows.create(CONSOLE, flow)
    await route_main_line(server, "test_straight")


async def test_a_senior_listens_whispers_and_barges_with_their_own_phone_and_the_call_keeps_it(
    hotline: RunningServer, operator_phone: Any, tmp_path: Any
) -> None:
    await straight_to_the_queue(hotline)
    operator = await hotline.signed_in("operator1")
    senior = await hotline.signed_in("senior1")
    admin = await hotline.signed_in("admin")
    colleague = await hotline.signed_in("operator3")  # another group: never offered this call
    phones = {
        "operator": await operator_phone(hotline, operator, "operator1", TONES["operator"]),
        "senior": await operator_phone(hotline, senior, "senior1", TONES["senior"]),
        "consultant": await operator_phone(hotline, colleague, "operator3", TONES["consultant"]),
    }
    for desk_of in (operator, colleague):
        assert (await desk_of.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})).is_success
    operator3 = (await colleague.http.get("/api/v1/me")).json()["id"]
    folder = tmp_path / "caller"
    folder.mkdir()
    phones["caller"] = Baresip(folder, TONES["caller"], dial=f"sip:88001220122@127.0.0.1:{sip_port(hotline)}")
    marks: list[tuple[str, dict[str, int]]] = []

    async def phase(name: str) -> None:
        marks.append((name, {who: phone.heard_so_far() for who, phone in phones.items()}))
        await asyncio.sleep(PHASE_S)

    async with operator.events() as desk, senior.events() as console:
        await phones["caller"].start()
        call_id = (await desk.next_event("call.connected", timeout=30))["data"]["call_id"]

        # Refusals on a live call: an operator may not listen; a senior with no audio is told what to connect.
        refused = await operator.write("POST", MONITORING, json={"call_id": call_id})
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
        no_audio = await admin.write("POST", MONITORING, json={"call_id": call_id})
        assert (no_audio.status_code, no_audio.json()["code"]) == (409, "no_audio_connection")
        assert "browser audio" in no_audio.json()["message"]

        started = await senior.write("POST", MONITORING, json={"call_id": call_id, "mode": "listen"})
        assert started.status_code == 201, started.text
        session = started.json()
        assert (session["audio"], session["mode"], session["operator_notified"]) == ("sip", "listen", False)
        assert (await console.next_event("monitoring.started"))["data"]["session_id"] == session["id"]
        await phase("listen")
        for mode in ("whisper", "barge"):
            switched = await senior.write("POST", f"{MONITORING}/{session['id']}/mode", json={"mode": mode})
            assert switched.json()["mode"] == mode, switched.text
            assert (await console.next_event("monitoring.mode_changed"))["data"]["mode"] == mode
            await phase(mode)
        assert (await operator.write("POST", "/api/v1/operators/me/call/hold")).status_code == 204
        await phase("barge_on_hold")
        assert (await operator.write("POST", "/api/v1/operators/me/call/unhold")).status_code == 204
        back = await senior.write("POST", f"{MONITORING}/{session['id']}/mode", json={"mode": "listen"})
        assert back.json()["mode"] == "listen"
        await phase("listen_again")
        # A second supervisor on the same call (with the phone they lacked), in listen mode too; then
        # they leave.
        phones["admin"] = await operator_phone(hotline, admin, "admin", TONES["admin"])
        second = await admin.write("POST", MONITORING, json={"call_id": call_id, "mode": "listen"})
        assert second.status_code == 201, second.text
        await phase("two_supervisors")

        async def switch(who: Any, session_id: str, mode: str) -> None:
            switched = await who.write("POST", f"{MONITORING}/{session_id}/mode", json={"mode": mode})
            assert switched.json()["mode"] == mode, switched.text

        # Both barge: the two supervisors hear each other and the call hears both; then the second
        # goes back to listening and hears the first, who no longer hears them.
        await switch(senior, session["id"], "barge")
        await switch(admin, second.json()["id"], "barge")
        await phase("two_barging")
        await switch(admin, second.json()["id"], "listen")
        await phase("barge_and_listen")
        await switch(senior, session["id"], "listen")
        assert (await admin.write("DELETE", f"{MONITORING}/{second.json()['id']}")).status_code == 200
        # A consultation: the senior follows the operator to the colleague, then back to the caller.
        consult = await operator.write(
            "POST", "/api/v1/operators/me/call/consult", json={"user_id": operator3}
        )
        assert consult.is_success, consult.text
        while (await desk.next_event("call.consultation_changed", timeout=15))["data"]["state"] != "talking":
            pass
        await phase("consulting")
        assert (await operator.write("POST", "/api/v1/operators/me/call/consult/cancel")).status_code == 204
        assert (await desk.next_event("call.consultation_changed", timeout=15))["data"]["state"] == "ended"
        await phase("back_to_the_caller")
        marks.append(("end", {who: phone.heard_so_far() for who, phone in phones.items()}))

        others = await admin.write("POST", f"{MONITORING}/{session['id']}/mode", json={"mode": "barge"})
        assert (others.status_code, others.json()["code"]) == (403, "not_your_session")
        stopped = await senior.write("DELETE", f"{MONITORING}/{session['id']}")
        assert (stopped.json()["end_reason"], stopped.status_code) == ("stopped", 200)
        assert (await console.next_event("monitoring.ended"))["data"]["reason"] == "stopped"

        # Again, now that the group shows monitoring to its operators (the first session reached only
        # the senior); the caller hangs up: the session ends by itself and both are told.
        groups = (await admin.http.get("/api/v1/admin/groups", params={"q": "Справочная группа"})).json()
        (group,) = [g for g in groups["items"] if g["name"] == "Справочная группа"]
        shown = await admin.write(
            "PATCH", f"/api/v1/admin/groups/{group['id']}", json={"monitoring_shown": True}
        )
        assert shown.status_code == 200, shown.text
        again = await senior.write("POST", MONITORING, json={"operator_id": session["operator_id"]})
        assert (again.status_code, again.json()["operator_notified"]) == (201, True), again.text
        await console.next_event("monitoring.started")
        told = await desk.next_event("monitoring.started")
        assert (told["data"]["session_id"], told["data"]["mode"]) == (again.json()["id"], "listen")

        # The operator hands the caller over to the colleague (a consultation completed as a
        # transfer): the senior's session follows the call to the colleague.
        await until(
            lambda: colleague.http.get("/api/v1/operators/me/state"), lambda r: r.json()["status"] == "ready"
        )
        consult = await operator.write(
            "POST", "/api/v1/operators/me/call/consult", json={"user_id": operator3}
        )
        assert consult.is_success, consult.text
        while (await desk.next_event("call.consultation_changed", timeout=15))["data"]["state"] != "talking":
            pass
        handed = await operator.write(
            "POST", "/api/v1/operators/me/call/consult/complete", json={"mode": "transfer"}
        )
        assert handed.status_code == 204, handed.text
        while (await desk.next_event("call.consultation_changed", timeout=15))["data"][
            "state"
        ] != "transferred":
            pass
        transferred = {who: phone.heard_so_far() for who, phone in phones.items()}
        await asyncio.sleep(PHASE_S)
        after_transfer = {who: phone.heard_so_far() for who, phone in phones.items()}
        gone = await senior.write("POST", MONITORING, json={"operator_id": session["operator_id"]})
        assert (gone.status_code, gone.json()["code"]) == (409, "operator_not_on_call")
        await phones["caller"].stop()
        ended = await console.next_event("monitoring.ended", timeout=15)
        assert (ended["data"]["session_id"], ended["data"]["reason"]) == (again.json()["id"], "call_ended")
        assert (await desk.next_event("monitoring.ended"))["data"]["reason"] == "call_ended"
        assert (await senior.http.get(MONITORING)).json() == {"items": []}

    for phone in phones.values():
        await phone.stop()
    recordings = {who: phone.heard() for who, phone in phones.items()}
    # The first session's call, the first consultation: the second session and the transfer rang again.
    recordings["senior"] = phones["senior"].heard(0)
    recordings["consultant"] = phones["consultant"].heard(0)
    expected = {
        "listen": {"caller": {"operator"}, "operator": {"caller"}, "senior": {"caller", "operator"}},
        "whisper": {
            "caller": {"operator"},
            "operator": {"caller", "senior"},
            "senior": {"caller", "operator"},
        },
        "barge": {
            "caller": {"operator", "senior"},
            "operator": {"caller", "senior"},
            "senior": {"caller", "operator"},
        },
        # The held caller hears music and nobody hears them; operator and senior still talk.
        "barge_on_hold": {"operator": {"senior"}, "senior": {"operator"}},
        "listen_again": {"caller": {"operator"}, "operator": {"caller"}, "senior": {"caller", "operator"}},
        "two_supervisors": {
            "caller": {"operator"},
            "operator": {"caller"},
            "senior": {"caller", "operator"},
            "admin": {"caller", "operator"},
        },
        "two_barging": {
            "caller": {"operator", "senior", "admin"},
            "operator": {"caller", "senior", "admin"},
            "senior": {"caller", "operator", "admin"},
            "admin": {"caller", "operator", "senior"},
        },
        "barge_and_listen": {
            "caller": {"operator", "senior"},
            "operator": {"caller", "senior"},
            "senior": {"caller", "operator"},
            "admin": {"caller", "operator", "senior"},
        },
        # The caller waits with music; the senior hears the operator and the colleague.
        "consulting": {
            "operator": {"consultant"},
            "consultant": {"operator"},
            "senior": {"operator", "consultant"},
        },
        "back_to_the_caller": {
            "caller": {"operator"},
            "operator": {"caller"},
            "senior": {"caller", "operator"},
        },
    }
    found: dict[str, dict[str, set[str]]] = {}
    for (name, start), (_next, end) in itertools.pairwise(marks):
        found[name] = {
            who: heard(recordings[who][start[who] + MARGIN : end[who] - MARGIN]) - {who}
            for who in expected[name]
        }
    assert found == expected
    # After the transfer (the senior's second session, the colleague's second call).
    assert {
        who: heard(phones[who].heard()[transferred[who] + MARGIN : after_transfer[who] - MARGIN]) - {who}
        for who in ("caller", "consultant", "senior")
    } == {"caller": {"consultant"}, "consultant": {"caller"}, "senior": {"caller", "consultant"}}

    async def record() -> dict[str, Any]:
        response = await admin.http.get(f"/api/v1/calls/{call_id}")
        return response.json() if response.status_code == 200 else {}

    stored = await until(record, lambda r: r.get("status") not in (None, "active"))
    first, by_admin, last = stored["monitoring"]
    assert [m["mode"] for m in first["modes"]] == ["listen", "whisper", "barge", "listen", "barge", "listen"]
    assert [m["mode"] for m in by_admin["modes"]] == ["listen", "barge", "listen"]
    assert by_admin["supervisor_name"] == "Администратор системы"
    assert [s["end_reason"] for s in (first, by_admin, last)] == ["stopped", "stopped", "call_ended"]
    async with hotline.application.uow_factory() as uow:
        actions = [e.action for e in reversed(await uow.audit.entries("call")) if e.entity_id == call_id]
    assert actions.count("monitoring_mode_changed") == 7
    assert (actions.count("monitoring_started"), actions.count("monitoring_ended")) == (3, 3)
