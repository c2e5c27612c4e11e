"""The call journal through the real server, on SQLite and PostgreSQL: records stored by the service as
the call flow stores them (at each phase, idempotently), each role's scope, the filters and paging,
bad and out-of-scope filters, and recordings served only to those who may hear them, with audit rows."""

from __future__ import annotations

import asyncio
import wave
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.support.server import Desk, RunningServer, running_server

from c122.domain.calls import CallLegRecord, CallRecord
from c122.domain.errors import InvalidFields
from c122.domain.organisation import EntityKind
from c122.domain.users import CONSOLE

MAIN_LINE = "+78001220122"
VACCINATION_LINE = "+78001220123"


@pytest.fixture
async def journal(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    """A server whose data directory (and so its recordings folder) is this test's own."""
    async with running_server(database_url, data_dir=tmp_path) as running:
        yield running


def _tone_wav(path: Path, seconds: float = 0.2) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(bytes(range(256)) * int(8000 * 2 * seconds / 256))
    return path.read_bytes()


async def _ids(server: RunningServer) -> dict[str, int]:
    """User ids by login, group and queue ids by the demo's names."""
    found: dict[str, int] = {}
    async with server.application.uow_factory() as uow:
        for login in ("operator1", "operator2", "operator3", "operator4", "operator5", "senior1", "admin"):
            user = await uow.users.find({"login": login})
            assert user is not None
            found[login] = user.id
        for key, name in (("info", "Справочная группа"), ("medical", "Медицинская группа")):
            group = await uow.groups.find({"name": name})
            assert group is not None
            found[key] = group.id
        vaccination = await uow.groups.find({"name": "Группа вакцинации"})
        assert vaccination is not None
        found["vaccination"] = vaccination.id
        for key in ("info", "medical", "vaccination"):
            queue = await uow.queues.find({"group_id": found[key]})
            assert queue is not None
            found[f"{key}_queue"] = queue.id
    return found


def _leg(leg_id: str, role: str, party: str, start: datetime, **extra: Any) -> CallLegRecord:
    kind = "webrtc" if role != "caller" else "sip"
    return CallLegRecord(leg_id=leg_id, kind=kind, role=role, party=party, started_at=start, **extra)  # type: ignore[arg-type]


def _answered(
    call_id: str,
    start: datetime,
    *,
    group: int,
    queue: int,
    operator: int,
    line: str = MAIN_LINE,
    **extra: Any,
) -> CallRecord:
    record = CallRecord(
        id=call_id,
        direction="inbound",
        status="answered",
        line_number=line,
        caller="+79161234567",
        called=line,
        ivr_choice="1",
        queue_id=queue,
        group_id=group,
        operator_id=operator,
        started_at=start,
        queued_at=start + timedelta(seconds=10),
        offered_at=start + timedelta(seconds=20),
        connected_at=start + timedelta(seconds=25),
        ended_at=start + timedelta(seconds=205),
        wait_s=15.0,
        talk_s=180.0,
        end_cause="caller_hung_up",
        legs=(
            _leg(f"{call_id}-a", "caller", "+79161234567", start),
            _leg(f"{call_id}-b", "operator", str(operator), start + timedelta(seconds=25)),
        ),
    )
    return replace(record, **extra)


async def _seed(server: RunningServer, recordings: Path) -> dict[str, int]:
    """Six calls across the groups, newest first: active, outbound, medical, missed, info, vaccination."""
    ids = await _ids(server)
    now = server.clock.now()
    calls = server.application.context.calls
    _tone_wav(recordings / "info-answered.wav")
    await calls.save(
        _answered(
            "info-answered",
            now - timedelta(hours=3),
            group=ids["info"],
            queue=ids["info_queue"],
            operator=ids["operator1"],
            recording_path="info-answered.wav",
        )
    )
    start = now - timedelta(hours=2)
    await calls.save(
        CallRecord(
            id="info-missed",
            direction="inbound",
            status="missed",
            line_number=MAIN_LINE,
            caller="+79031112233",
            called=MAIN_LINE,
            queue_id=ids["info_queue"],
            group_id=ids["info"],
            started_at=start,
            queued_at=start + timedelta(seconds=5),
            ended_at=start + timedelta(seconds=125),
            wait_s=120.0,
            sla_breached=True,
            end_cause="caller_abandoned",
            legs=(_leg("info-missed-a", "caller", "+79031112233", start),),
        )
    )
    medical = _answered(
        "medical-answered",
        now - timedelta(hours=1),
        group=ids["medical"],
        queue=ids["medical_queue"],
        operator=ids["operator3"],
    )
    consultant = _leg("medical-c", "consultant", str(ids["operator4"]), now - timedelta(minutes=58))
    await calls.save(replace(medical, legs=(*medical.legs, consultant)))
    start = now - timedelta(minutes=30)
    await calls.save(
        CallRecord(
            id="outbound-failed",
            direction="outbound",
            status="failed",
            caller="+78001220122",
            called="+74951234567",
            operator_id=ids["operator1"],
            started_at=start,
            ended_at=start + timedelta(seconds=3),
            end_cause="trunk_unavailable",
            legs=(_leg("outbound-failed-a", "operator", str(ids["operator1"]), start),),
        )
    )
    start = now - timedelta(minutes=5)
    await calls.save(
        CallRecord(
            id="info-active",
            direction="inbound",
            status="active",
            line_number=MAIN_LINE,
            caller="+79990001122",
            called=MAIN_LINE,
            queue_id=ids["info_queue"],
            group_id=ids["info"],
            started_at=start,
            queued_at=start + timedelta(seconds=8),
            legs=(_leg("info-active-a", "caller", "+79990001122", start),),
        )
    )
    await calls.save(
        _answered(
            "vaccination-answered",
            now - timedelta(days=1),
            group=ids["vaccination"],
            queue=ids["vaccination_queue"],
            operator=ids["operator5"],
            line=VACCINATION_LINE,
            recording_path=str(recordings / "gone.wav"),  # never written: the file is gone
        )
    )
    return ids


async def _listed(desk: Desk, **params: Any) -> list[str]:
    response = await desk.http.get("/api/v1/calls", params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def _fields(response: Any) -> dict[str, str]:
    return {field["path"]: field["code"] for field in response.json()["fields"]}


async def test_the_record_saved_at_each_phase_is_replaced_whole_and_saving_again_changes_nothing(
    journal: RunningServer,
) -> None:
    ids = await _ids(journal)
    calls = journal.application.context.calls
    start = journal.clock.now() - timedelta(minutes=10)
    caller_leg = _leg("c1-a", "caller", "+79161234567", start)
    queued = CallRecord(
        id="c1",
        direction="inbound",
        status="active",
        line_number=MAIN_LINE,
        caller="+79161234567",
        called=MAIN_LINE,
        ivr_choice="1",
        queue_id=ids["info_queue"],
        group_id=ids["info"],
        started_at=start,
        queued_at=start + timedelta(seconds=12),
        legs=(caller_leg,),
    )
    await calls.save(queued)
    operator_leg = _leg("c1-b", "operator", str(ids["operator2"]), start + timedelta(seconds=40))
    connected = replace(
        queued,
        operator_id=ids["operator2"],
        offered_at=start + timedelta(seconds=35),
        connected_at=start + timedelta(seconds=40),
        wait_s=28.0,
        legs=(caller_leg, operator_leg),
    )
    await calls.save(connected)
    end = start + timedelta(seconds=160)
    ended = replace(
        connected,
        status="answered",
        ended_at=end,
        talk_s=110.0,
        hold_s=10.0,
        end_cause="operator_hung_up",
        legs=(
            replace(caller_leg, ended_at=end, cause="operator_hung_up", jitter_ms=4.5, loss_percent=0.2),
            replace(operator_leg, answered_at=operator_leg.started_at, ended_at=end),
        ),
    )
    await calls.save(ended)
    await calls.save(ended)

    admin = await journal.signed_in("admin")
    page = (await admin.http.get("/api/v1/calls")).json()
    assert [item["id"] for item in page["items"]] == ["c1"]
    body = (await admin.http.get("/api/v1/calls/c1")).json()
    assert body["status"] == "answered"
    assert (body["wait_s"], body["talk_s"], body["hold_s"]) == (28.0, 110.0, 10.0)
    assert body["operator_name"] == "Петров Алексей Николаевич"
    assert (body["group_name"], body["line_name"]) == ("Справочная группа", "122 — основной номер")
    assert body["queue_name"] == "Справочная информация"
    assert [(leg["leg_id"], leg["role"], leg["ended_at"] is not None) for leg in body["legs"]] == [
        ("c1-a", "caller", True),
        ("c1-b", "operator", True),
    ]
    assert body["legs"][0]["jitter_ms"] == 4.5
    assert "recording_path" not in body
    assert (body["has_recording"], body["can_hear_recording"]) == (False, False)

    # A record that contradicts itself is refused whole, and the stored one stays as it was.
    with pytest.raises(InvalidFields) as refused:
        await calls.save(replace(ended, status="missed", legs=(caller_leg, caller_leg)))
    assert {p.path for p in refused.value.problems} == {"status", "legs"}
    again = (await admin.http.get("/api/v1/calls/c1")).json()
    assert (again["status"], len(again["legs"])) == ("answered", 2)


async def test_concurrent_saves_of_one_call_leave_one_record_with_the_legs_of_the_record_stored(
    journal: RunningServer,
) -> None:
    ids = await _ids(journal)
    start = journal.clock.now() - timedelta(minutes=5)
    ended = _answered("busy", start, group=ids["info"], queue=ids["info_queue"], operator=ids["operator1"])
    phases = [
        replace(
            ended, status="active", connected_at=None, offered_at=None, ended_at=None, legs=ended.legs[:1]
        ),
        replace(ended, status="active", ended_at=None),
        ended,
    ]
    calls = journal.application.context.calls
    await asyncio.gather(*(calls.save(phases[i % 3]) for i in range(12)))
    admin = await journal.signed_in("admin")
    assert (await admin.http.get("/api/v1/calls/count")).json()["total"] == 1
    stored = (await admin.http.get("/api/v1/calls/busy")).json()
    expected_legs = 1 if stored["connected_at"] is None else 2
    assert len(stored["legs"]) == expected_legs


async def test_each_role_sees_its_own_scope_and_nothing_else(journal: RunningServer, tmp_path: Path) -> None:
    await _seed(journal, tmp_path / "recordings")
    all_calls = [
        "info-active",
        "outbound-failed",
        "medical-answered",
        "info-missed",
        "info-answered",
        "vaccination-answered",
    ]
    assert await _listed(await journal.signed_in("admin")) == all_calls
    senior = await journal.signed_in("senior1")
    assert await _listed(senior) == ["info-active", "medical-answered", "info-missed", "info-answered"]
    operator1 = await journal.signed_in("operator1")
    assert await _listed(operator1) == ["outbound-failed", "info-answered"]
    operator4 = await journal.signed_in("operator4")  # consulted on the medical call
    assert await _listed(operator4) == ["medical-answered"]
    operator2 = await journal.signed_in("operator2")
    assert await _listed(operator2) == []

    assert (await operator1.http.get("/api/v1/calls/info-answered")).status_code == 200
    for desk, call_id in (
        (operator2, "info-answered"),  # a colleague's call
        (senior, "vaccination-answered"),  # another group
        (senior, "outbound-failed"),  # an operator's call outside any group
        (operator1, "no-such-call"),
    ):
        response = await desk.http.get(f"/api/v1/calls/{call_id}")
        assert response.status_code == 404, call_id
        assert response.json()["code"] == "not_found"
    anonymous = await journal.client().get("/api/v1/calls")
    assert anonymous.status_code == 401


async def test_the_journal_filters_by_period_line_operator_group_direction_and_status(
    journal: RunningServer, tmp_path: Path
) -> None:
    ids = await _seed(journal, tmp_path / "recordings")
    admin = await journal.signed_in("admin")
    assert await _listed(admin, status="missed") == ["info-missed"]
    assert await _listed(admin, status="active") == ["info-active"]
    assert await _listed(admin, direction="outbound") == ["outbound-failed"]
    assert await _listed(admin, line="8 (800) 122-01-23") == ["vaccination-answered"]
    assert await _listed(admin, operator=ids["operator1"]) == ["outbound-failed", "info-answered"]
    assert await _listed(admin, group=ids["medical"]) == ["medical-answered"]
    assert await _listed(admin, group=ids["info"], status="answered") == ["info-answered"]
    # 09:00 UTC on 12 September is noon in Moscow; a date alone is that whole hotline day.
    assert await _listed(admin, **{"from": "11.09.2026", "to": "11.09.2026"}) == ["vaccination-answered"]
    today = await _listed(admin, **{"from": "2026-09-12"})
    assert "vaccination-answered" not in today
    assert len(today) == 5
    # 06:30 to 08:30 UTC; the outbound call started at 08:30 exactly: the end is not included.
    hours = await _listed(admin, **{"from": "2026-09-12T09:30:00+03:00", "to": "2026-09-12T08:30:00Z"})
    assert hours == ["medical-answered", "info-missed"]
    senior = await journal.signed_in("senior1")
    assert await _listed(senior, operator=ids["operator1"]) == ["info-answered"]


async def test_pages_cover_the_journal_once_newest_first_and_the_count_is_asked_apart(
    journal: RunningServer, tmp_path: Path
) -> None:
    ids = await _seed(journal, tmp_path / "recordings")
    admin = await journal.signed_in("admin")
    seen: list[str] = []
    for offset in (0, 4):
        response = await admin.http.get("/api/v1/calls", params={"limit": 4, "offset": offset})
        page = response.json()
        assert "total" not in page
        seen += [item["id"] for item in page["items"]]
    assert len(seen) == len(set(seen)) == 6
    by_keyset: list[str] = []
    after: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 4} | ({"after": after} if after else {})
        page = (await admin.http.get("/api/v1/calls", params=params)).json()
        by_keyset += [item["id"] for item in page["items"]]
        if page["next"] is None:
            break
        after = page["next"]
    assert by_keyset == seen
    started = [
        item["started_at"]
        for item in (await admin.http.get("/api/v1/calls", params={"limit": 200})).json()["items"]
    ]
    assert started == sorted(started, reverse=True)
    beyond = (await admin.http.get("/api/v1/calls", params={"offset": 50})).json()
    assert (beyond["items"], beyond["next"]) == ([], None)
    # The count: the same filters and scope as the list, paging ignored.
    counted = await admin.http.get("/api/v1/calls/count", params={"limit": 1, "offset": 4})
    assert counted.json() == {"total": 6, "capped": False, "estimated": False}
    group = (await admin.http.get("/api/v1/calls/count", params={"group": ids["info"]})).json()
    listed = await _listed(admin, group=ids["info"])
    assert group["total"] == len(listed) > 0
    senior = await journal.signed_in("senior1")
    assert (await senior.http.get("/api/v1/calls/count")).json()["total"] == len(await _listed(senior))
    refused = await senior.http.get("/api/v1/calls/count", params={"group": ids["vaccination"]})
    assert refused.status_code == 403
    bad = await admin.http.get("/api/v1/calls/count", params={"status": "lost"})
    assert (bad.status_code, _fields(bad)) == (422, {"query.status": "invalid_choice"})


async def test_bad_filters_get_422_naming_each_and_filters_outside_ones_scope_get_403(
    journal: RunningServer, tmp_path: Path
) -> None:
    ids = await _seed(journal, tmp_path / "recordings")
    admin = await journal.signed_in("admin")
    bad = await admin.http.get(
        "/api/v1/calls",
        params={
            "from": "2026-09-12T10:00:00",
            "to": "завтра",
            "direction": "sideways",
            "status": "lost",
            "line": "позвоните мне",
            "limit": 1000,
            "offset": -5,
        },
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "validation_error"
    assert _fields(bad) == {
        "query.from": "zone_required",
        "query.to": "invalid_datetime",
        "query.direction": "invalid_choice",
        "query.status": "invalid_choice",
        "query.line": "invalid_phone",
        "query.limit": "out_of_range",
        "query.offset": "out_of_range",
    }
    assert bad.json()["message"] == "укажите часовой пояс времени, например +03:00"
    reversed_period = await admin.http.get("/api/v1/calls", params={"from": "12.09.2026", "to": "11.09.2026"})
    assert reversed_period.status_code == 422
    assert _fields(reversed_period) == {"query.to": "range_order"}
    not_a_number = await admin.http.get("/api/v1/calls", params={"operator": "Иванова"})
    assert not_a_number.status_code == 422
    assert _fields(not_a_number) == {"query.operator": "int_parsing"}
    # A misspelt filter would list (and export) more than asked for: refused, not ignored.
    for path in ("/api/v1/calls", "/api/v1/calls/count", "/api/v1/calls/export"):
        misspelt = await admin.http.get(path, params={"grop": 1, "staus": "missed", "format": "csv"})
        assert misspelt.status_code == 422, path
        assert _fields(misspelt) == {"query.grop": "unknown_parameter", "query.staus": "unknown_parameter"}
    for garbage in ("nonsense", "2026-09-12T10:00:00|", "2026-09-12T10:00:00|c1", "yesterday|c1", "|"):
        cursor = await admin.http.get("/api/v1/calls", params={"after": garbage})
        assert (cursor.status_code, _fields(cursor)) == (422, {"query.after": "invalid_cursor"}), garbage

    senior = await journal.signed_in("senior1")
    foreign_group = await senior.http.get("/api/v1/calls", params={"group": ids["vaccination"]})
    assert foreign_group.status_code == 403
    assert foreign_group.json()["code"] == "forbidden"
    operator1 = await journal.signed_in("operator1")
    colleague = await operator1.http.get("/api/v1/calls", params={"operator": ids["operator2"]})
    assert colleague.status_code == 403
    long_id = await admin.http.get("/api/v1/calls/" + "x" * 65)
    assert long_id.status_code == 422


async def test_recordings_are_served_to_admins_and_seniors_of_the_group_and_every_access_is_audited(
    journal: RunningServer, tmp_path: Path
) -> None:
    ids = await _seed(journal, tmp_path / "recordings")
    expected = (tmp_path / "recordings" / "info-answered.wav").read_bytes()
    admin = await journal.signed_in("admin")
    senior = await journal.signed_in("senior1")
    operator1 = await journal.signed_in("operator1")

    listened = await admin.http.get("/api/v1/calls/info-answered/recording")
    assert listened.status_code == 200
    assert listened.headers["content-type"] == "audio/wav"
    assert listened.headers["content-disposition"].startswith("inline")
    assert listened.content == expected
    downloaded = await senior.http.get("/api/v1/calls/info-answered/recording", params={"download": "true"})
    assert downloaded.status_code == 200
    assert downloaded.headers["content-disposition"].startswith("attachment")
    assert 'filename="call-info-answered.wav"' in downloaded.headers["content-disposition"]
    assert downloaded.content == expected

    summary = (await senior.http.get("/api/v1/calls/info-answered")).json()
    assert (summary["has_recording"], summary["can_hear_recording"]) == (True, True)
    own = (await operator1.http.get("/api/v1/calls/info-answered")).json()
    assert (own["has_recording"], own["can_hear_recording"]) == (True, False)

    refusals = [
        (operator1, "info-answered", 403, "forbidden"),  # their own call, but operators do not listen back
        (await journal.signed_in("operator2"), "info-answered", 404, "not_found"),  # not their call
        (senior, "vaccination-answered", 404, "not_found"),  # another group's call
        (admin, "info-missed", 404, "no_recording"),
        (admin, "vaccination-answered", 404, "recording_missing"),  # the file is gone
    ]
    for desk, call_id, status, code in refusals:
        response = await desk.http.get(f"/api/v1/calls/{call_id}/recording")
        assert (response.status_code, response.json()["code"]) == (status, code), call_id

    async with journal.application.uow_factory() as uow:
        entries = await uow.audit.entries("call")
    allowed = [e for e in reversed(entries) if e.action != "access_refused"]
    assert [(e.actor_id, e.action, e.entity_id) for e in allowed] == [
        (ids["admin"], "listen_recording", "info-answered"),
        (ids["senior1"], "download_recording", "info-answered"),
    ]
    assert allowed[-1].at == journal.clock.now()
    assert allowed[-1].detail == {"group_id": ids["info"], "operator_id": ids["operator1"]}
    # Refusals are audited too; a missing recording or file is a fact, not a refusal.
    refused = [e for e in reversed(entries) if e.action == "access_refused"]
    assert [(e.actor_id, e.entity_id, e.detail) for e in refused] == [
        (ids["operator1"], "info-answered", {"wanted": "listen_recording", "code": "forbidden"}),
        (ids["operator2"], "info-answered", {"wanted": "listen_recording", "code": "not_found"}),
        (ids["senior1"], "vaccination-answered", {"wanted": "listen_recording", "code": "not_found"}),
    ]


async def test_a_relative_recording_path_cannot_climb_out_of_the_recordings_folder(
    journal: RunningServer, tmp_path: Path
) -> None:
    ids = await _ids(journal)
    _tone_wav(tmp_path / "secret.wav")  # beside the recordings folder, not in it
    start = journal.clock.now() - timedelta(minutes=20)
    await journal.application.context.calls.save(
        _answered(
            "climbing",
            start,
            group=ids["info"],
            queue=ids["info_queue"],
            operator=ids["operator1"],
            recording_path="../secret.wav",
        )
    )
    admin = await journal.signed_in("admin")
    response = await admin.http.get("/api/v1/calls/climbing/recording")
    assert (response.status_code, response.json()["code"]) == (404, "recording_missing")


async def test_the_names_beside_the_ids_are_those_of_the_organisation_now(
    journal: RunningServer, tmp_path: Path
) -> None:
    ids = await _seed(journal, tmp_path / "recordings")
    organisation = journal.application.context.organisation
    await organisation.update(CONSOLE, EntityKind.GROUP, ids["medical"], {"name": "Медицинская группа №1"})
    admin = await journal.signed_in("admin")
    body = (await admin.http.get("/api/v1/calls/medical-answered")).json()
    assert (body["group_id"], body["group_name"]) == (ids["medical"], "Медицинская группа №1")
    outbound = (await admin.http.get("/api/v1/calls/outbound-failed")).json()
    assert (outbound["group_name"], outbound["queue_name"], outbound["line_name"]) == (None, None, None)
