"""The IVR flow editor's API (issue #20): validation naming the node of each problem, the version history
with who saved each version, a diff between versions, rollback as a new version, and «try it» — the
flow walked by the call interpreter with typed keys at a chosen moment."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from tests.support.ivr import tone_wav, upload
from tests.support.server import Desk, RunningServer, running_server

FLOWS = "/api/v1/admin/ivr-flows"
NAME = "Горячая линия"
URL = f"{FLOWS}/{quote(NAME)}"

MONDAY_NOON = "2027-03-01T12:00:00+03:00"
MONDAY_NIGHT = "2027-03-01T22:30:00+03:00"
NEW_YEAR_NOON = "2027-01-01T12:00:00+03:00"  # a Friday, a holiday in the schedule


@pytest.fixture
async def ivr_server(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(database_url, data_dir=tmp_path) as running:
        yield running


async def _first_id(desk: Desk, collection: str) -> int:
    return int((await desk.http.get(f"/api/v1/admin/{collection}")).json()["items"][0]["id"])


async def _setup(server: RunningServer) -> tuple[Desk, dict[str, Any]]:
    admin = await server.signed_in("admin")
    assert (await upload(admin, "hello", tone_wav(0.3))).status_code == 201
    queue_id = await _first_id(admin, "queues")
    case_type_id = await _first_id(admin, "case-types")
    return admin, _hours_flow(queue_id, case_type_id)


def _hours_flow(queue_id: int, case_type_id: int) -> dict[str, Any]:
    """Working hours on weekdays 9–18 with 1 January a holiday; a menu: 1 queues with a case type,
    2 collects a policy number and transfers; silence hangs up."""
    weekdays = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    return {
        "name": NAME,
        "entry": "hours",
        "timezone": "Europe/Moscow",
        "nodes": {
            "hours": {
                "type": "schedule",
                "schedule": {"weekly": weekdays, "holidays": [{"date": "2027-01-01"}]},
                "open": "menu",
                "closed": "closed",
                "holiday": "festive",
            },
            "menu": {
                "type": "menu",
                "prompt": "hello",
                "branches": {"1": "typed", "2": "policy"},
                "fallback": "bye",
                "max_retries": 1,
            },
            "typed": {"type": "set_case_type", "case_type": case_type_id, "next": "queue"},
            "queue": {"type": "enqueue", "queue": str(queue_id), "priority": 5},
            "policy": {
                "type": "collect",
                "prompt": "hello",
                "variable": "policy",
                "next": "doctor",
                "fallback": "bye",
                "min_length": 3,
                "max_length": 6,
            },
            "doctor": {"type": "transfer", "number": "+74951234567"},
            "festive": {"type": "play", "prompt": "hello", "next": "bye"},
            "closed": {"type": "hang_up", "prompt": "hello"},
            "bye": {"type": "hang_up"},
        },
    }


async def test_each_problem_names_its_node_dangling_edge_silent_loop_missing_prompt(
    ivr_server: RunningServer,
) -> None:
    admin, flow = await _setup(ivr_server)
    flow["nodes"]["menu"]["branches"]["3"] = "nowhere"  # a dangling edge
    flow["nodes"]["festive"]["prompt"] = "no_such_prompt"
    flow["nodes"]["spin_a"] = {"type": "set_case_type", "case_type": flow["nodes"]["typed"]["case_type"]}
    flow["nodes"]["spin_a"]["next"] = "spin_b"
    flow["nodes"]["spin_b"] = {"type": "play", "prompt": "hello", "next": "spin_a"}
    flow["nodes"]["menu"]["branches"]["9"] = "spin_a"
    refused = await admin.write("POST", FLOWS, json=flow)
    assert refused.status_code == 422, refused.text
    found = {(f["node"], f["path"], f["code"]) for f in refused.json()["fields"]}
    assert ("menu", "nodes.menu.branches.3", "unknown_node") in found
    assert ("festive", "nodes.festive.prompt", "unknown_prompt") in found
    loops = {node for node, _, code in found if code == "loop_without_input"}
    assert loops
    assert loops <= {"spin_a", "spin_b"}
    assert ("spin_a", "nodes.spin_a", "no_end") in found
    assert (await admin.http.get(FLOWS)).json()["items"] == []

    no_name = {**flow, "name": ""}
    unnamed = await admin.write("POST", FLOWS, json=no_name)
    name_problem = next(f for f in unnamed.json()["fields"] if f["path"] == "name")
    assert "node" not in name_problem  # a problem of the flow itself names no node

    created = await admin.write("POST", FLOWS, json=_hours_flow(*await _ids(admin)))
    assert created.status_code == 201, created.text
    broken = _hours_flow(*await _ids(admin))
    broken["nodes"]["queue"]["priority"] = 500
    saved = await admin.write("PUT", URL, json=broken)
    assert saved.status_code == 422
    assert [(f["node"], f["path"]) for f in saved.json()["fields"]] == [("queue", "nodes.queue.priority")]
    assert (await admin.http.get(URL)).json()["latest_version"] == 1


async def _ids(admin: Desk) -> tuple[int, int]:
    return await _first_id(admin, "queues"), await _first_id(admin, "case-types")


async def test_versions_with_author_diff_and_rollback_as_a_new_version(ivr_server: RunningServer) -> None:
    admin, flow = await _setup(ivr_server)
    assert (await admin.write("POST", FLOWS, json=flow)).status_code == 201
    revised = _hours_flow(*await _ids(admin))
    revised["nodes"]["queue"]["priority"] = 9
    revised["nodes"]["menu"]["branches"] = {"1": "typed"}
    del revised["nodes"]["policy"]
    del revised["nodes"]["doctor"]
    saved = await admin.write("PUT", URL, json=revised)
    assert saved.status_code == 200, saved.text
    me = (await admin.http.get("/api/v1/me")).json()
    versions = saved.json()["versions"]
    assert [(v["version"], v["saved_by"]) for v in versions] == [(1, me["id"]), (2, me["id"])]

    diff = await admin.http.get(f"{URL}/diff", params={"before": 1, "after": 2})
    assert diff.status_code == 200, diff.text
    body = diff.json()
    assert (body["added"], body["removed"]) == ([], ["doctor", "policy"])
    changed = {
        c["node"]: {f["field"]: (f["before"], f["after"]) for f in c["changes"]} for c in body["changed"]
    }
    assert changed["queue"] == {"priority": (5, 9)}
    assert changed["menu"]["branches"] == ({"1": "typed", "2": "policy"}, {"1": "typed"})
    removed_edges = {(e["source"], e["field"], e["target"]) for e in body["edges_removed"]}
    assert removed_edges == {
        ("menu", "branches.2", "policy"),
        ("policy", "next", "doctor"),
        ("policy", "fallback", "bye"),
    }
    assert body["edges_added"] == []
    assert body["entry"] is None
    back = (await admin.http.get(f"{URL}/diff", params={"before": 2, "after": 1})).json()
    assert back["added"] == ["doctor", "policy"]

    rolled = await admin.write("POST", f"{URL}/rollback", json={"version": 1})
    assert rolled.status_code == 200, rolled.text
    assert (rolled.json()["version"], rolled.json()["latest_version"]) == (3, 3)
    assert rolled.json()["nodes"] == (await admin.http.get(URL, params={"version": 1})).json()["nodes"]
    assert [v["version"] for v in rolled.json()["versions"]] == [1, 2, 3]
    same = (await admin.http.get(f"{URL}/diff", params={"before": 1, "after": 3})).json()
    assert (same["added"], same["removed"], same["changed"], same["edges_added"]) == ([], [], [], [])
    async with ivr_server.application.uow_factory() as uow:
        entries = await uow.audit.entries("ivr_flow")
    assert entries[0].action == "rollback"
    assert entries[0].detail is not None
    assert entries[0].detail["from_version"] == 1

    assert (await admin.write("POST", f"{URL}/rollback", json={"version": 7})).status_code == 404
    assert (await admin.write("POST", f"{URL}/rollback", json={"version": 0})).status_code == 422
    assert (await admin.write("POST", f"{FLOWS}/nope/rollback", json={"version": 1})).status_code == 404
    assert (await admin.http.get(f"{URL}/diff", params={"before": 1, "after": 9})).status_code == 404
    assert (await admin.http.get(f"{URL}/diff", params={"before": "x", "after": 1})).status_code == 422
    assert (await admin.http.get(URL)).json()["latest_version"] == 3


async def test_a_rollback_to_a_version_whose_prompt_is_gone_is_refused_naming_the_node(
    ivr_server: RunningServer,
) -> None:
    admin, flow = await _setup(ivr_server)
    assert (await upload(admin, "holiday", tone_wav(0.3))).status_code == 201
    flow["nodes"]["festive"]["prompt"] = "holiday"
    assert (await admin.write("POST", FLOWS, json=flow)).status_code == 201
    plain = _hours_flow(*await _ids(admin))
    assert (await admin.write("PUT", URL, json=plain)).status_code == 200
    assert (await admin.write("DELETE", "/api/v1/admin/prompts/holiday")).status_code == 204
    refused = await admin.write("POST", f"{URL}/rollback", json={"version": 1})
    assert refused.status_code == 422
    assert [(f["node"], f["code"]) for f in refused.json()["fields"]] == [("festive", "unknown_prompt")]
    assert (await admin.http.get(URL)).json()["latest_version"] == 2


async def test_try_it_walks_the_flow_with_keys_and_time(ivr_server: RunningServer) -> None:
    admin, flow = await _setup(ivr_server)
    assert (await admin.write("POST", FLOWS, json=flow)).status_code == 201
    sim = f"{URL}/simulate"
    queue_id, case_type_id = await _ids(admin)

    chosen = await admin.write("POST", sim, json={"keys": "1", "at": MONDAY_NOON})
    assert chosen.status_code == 200, chosen.text
    run = chosen.json()
    assert (run["outcome"], run["queue"], run["priority"], run["case_type"]) == (
        "enqueue",
        str(queue_id),
        5,
        case_type_id,
    )
    assert run["path"] == ["hours", "menu", "typed", "queue"]
    assert run["steps"][0]["passed"] == ["hours"]

    policy = (await admin.write("POST", sim, json={"keys": "212345#", "at": MONDAY_NOON})).json()
    assert (policy["outcome"], policy["number"], policy["variables"]) == (
        "transfer",
        "+74951234567",
        {"policy": "12345"},
    )
    assert policy["path"] == ["hours", "menu", "policy", "doctor"]

    silent = (await admin.write("POST", sim, json={"keys": "", "at": MONDAY_NOON})).json()
    assert (silent["outcome"], silent["end_node"]) == ("hang_up", "bye")
    assert [s["event"] for s in silent["steps"]] == ["start", "played", "timeout", "played", "timeout"]

    night = (await admin.write("POST", sim, json={"keys": "1", "at": MONDAY_NIGHT})).json()
    assert (night["outcome"], night["path"], night["keys_left"]) == ("hang_up", ["hours", "closed"], "1")
    holiday = (await admin.write("POST", sim, json={"at": NEW_YEAR_NOON})).json()
    assert (holiday["outcome"], holiday["path"]) == ("hang_up", ["hours", "festive", "bye"])
    utc = (await admin.write("POST", sim, json={"keys": "1", "at": "2027-03-01T09:00:00Z"})).json()
    assert utc["outcome"] == "enqueue"  # 12:00 in Moscow

    draft = _hours_flow(queue_id, case_type_id)
    draft["nodes"]["queue"]["priority"] = 8
    unsaved = (await admin.write("POST", sim, json={"keys": "1", "at": MONDAY_NOON, "flow": draft})).json()
    assert (unsaved["outcome"], unsaved["priority"]) == ("enqueue", 8)
    draft["nodes"]["menu"]["branches"]["1"] = "nowhere"
    bad_draft = await admin.write("POST", sim, json={"keys": "1", "at": MONDAY_NOON, "flow": draft})
    assert bad_draft.status_code == 422
    found = {(f["node"], f["code"]) for f in bad_draft.json()["fields"]}
    assert ("menu", "unknown_node") in found
    assert ("typed", "unreachable") in found

    wall_clock = await admin.write("POST", sim, json={"keys": "1", "at": "2027-03-01T20:00:00"})
    assert wall_clock.json()["outcome"] == "hang_up"  # 20:00 in the flow's zone: closed (17:00 UTC)
    not_a_time = await admin.write("POST", sim, json={"keys": "1", "at": "вчера"})
    assert not_a_time.status_code == 422
    letters = await admin.write("POST", sim, json={"keys": "1a", "at": MONDAY_NOON})
    assert letters.status_code == 422
    too_many = await admin.write("POST", sim, json={"keys": "1" * 65, "at": MONDAY_NOON})
    assert too_many.status_code == 422
    old = await admin.write("POST", sim, json={"at": MONDAY_NOON, "version": 4})
    assert old.status_code == 404
    assert (await admin.write("POST", f"{FLOWS}/nope/simulate", json={"at": MONDAY_NOON})).status_code == 404


async def test_a_flow_that_loops_through_its_menu_stops_at_the_limit(ivr_server: RunningServer) -> None:
    admin, flow = await _setup(ivr_server)
    flow["nodes"]["menu"]["fallback"] = "menu"  # silence forever: the caller never leaves
    flow["nodes"]["menu"]["branches"]["0"] = "bye"
    assert (await admin.write("POST", FLOWS, json=flow)).status_code == 201
    run = (await admin.write("POST", f"{URL}/simulate", json={"at": MONDAY_NOON})).json()
    assert (run["outcome"], run["end_node"]) == ("limit", "menu")


async def test_only_administrators_use_the_editor(ivr_server: RunningServer) -> None:
    admin, flow = await _setup(ivr_server)
    assert (await admin.write("POST", FLOWS, json=flow)).status_code == 201
    senior = await ivr_server.signed_in("senior1")
    assert (await senior.write("POST", f"{URL}/simulate", json={"at": MONDAY_NOON})).status_code == 403
    assert (await senior.write("POST", f"{URL}/rollback", json={"version": 1})).status_code == 403
    assert (await senior.http.get(f"{URL}/diff", params={"before": 1, "after": 1})).status_code == 403
