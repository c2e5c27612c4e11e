"""IVR flows through the admin API (TEL-02): versions, validation naming the node, lines that use a flow."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from tests.support.ivr import menu_flow, tone_wav, upload
from tests.support.server import Desk, RunningServer, running_server

FLOWS = "/api/v1/admin/ivr-flows"


@pytest.fixture
async def ivr_server(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(database_url, data_dir=tmp_path) as running:
        yield running


async def _first_id(desk: Desk, collection: str) -> int:
    return int((await desk.http.get(f"/api/v1/admin/{collection}")).json()["items"][0]["id"])


async def _admin_with_prompt(server: RunningServer) -> tuple[Desk, int, int]:
    admin = await server.signed_in("admin")
    assert (await upload(admin, "hello", tone_wav(0.5))).status_code == 201
    return admin, await _first_id(admin, "queues"), await _first_id(admin, "case-types")


async def test_each_save_is_a_new_version_and_old_versions_stay_readable(ivr_server: RunningServer) -> None:
    admin, queue_id, case_type_id = await _admin_with_prompt(ivr_server)
    flow = menu_flow("Тестовая линия", queue_id, case_type_id)
    created = await admin.write("POST", FLOWS, json=flow)
    assert created.status_code == 201, created.text
    assert (created.json()["version"], created.json()["latest_version"]) == (1, 1)

    flow["nodes"]["queue"]["priority"] = 7
    flow["version"] = 99  # the server numbers versions
    url = f"{FLOWS}/{quote('Тестовая линия')}"
    saved = await admin.write("PUT", url, json=flow)
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 2
    assert [v["version"] for v in saved.json()["versions"]] == [1, 2]

    latest = (await admin.http.get(url)).json()
    first = (await admin.http.get(url, params={"version": 1})).json()
    assert (latest["nodes"]["queue"]["priority"], first["nodes"]["queue"]["priority"]) == (7, 3)
    assert (first["version"], first["latest_version"]) == (1, 2)
    assert (await admin.http.get(url, params={"version": 3})).status_code == 404
    listing = (await admin.http.get(FLOWS)).json()["items"]
    assert [(item["name"], item["version"]) for item in listing] == [("Тестовая линия", 2)]

    flows = ivr_server.application.context.ivr_flows
    current = await flows.current("Тестовая линия")
    old = await flows.version("Тестовая линия", 1)
    assert current is not None
    assert old is not None
    assert (current.version, old.version) == (2, 1)
    assert current.nodes["queue"] != old.nodes["queue"]
    assert await flows.current("нет такой") is None
    async with ivr_server.application.uow_factory() as uow:
        entries = await uow.audit.entries("ivr_flow")
    assert [(e.action, e.detail and e.detail["version"]) for e in entries] == [("update", 2), ("create", 1)]


async def test_an_invalid_flow_is_refused_naming_the_node_and_nothing_is_stored(
    ivr_server: RunningServer,
) -> None:
    admin, queue_id, case_type_id = await _admin_with_prompt(ivr_server)
    flow: dict[str, Any] = menu_flow("Линия", queue_id, case_type_id)
    flow["nodes"]["menu"]["prompt"] = "no_such_prompt"
    flow["nodes"]["queue"]["queue"] = "999999"
    flow["nodes"]["typed"]["case_type"] = 999999
    flow["nodes"]["orphan"] = {"type": "hang_up"}
    refused = await admin.write("POST", FLOWS, json=flow)
    assert refused.status_code == 422
    problems = {(f["path"], f["code"]) for f in refused.json()["fields"]}
    assert problems == {
        ("nodes.menu.prompt", "unknown_prompt"),
        ("nodes.queue.queue", "unknown_queue"),
        ("nodes.typed.case_type", "unknown_case_type"),
        ("nodes.orphan", "unreachable"),
    }
    malformed = await admin.write(
        "POST", FLOWS, json={"name": "Линия", "entry": "a", "nodes": {"a": {"type": "dance"}}}
    )
    assert malformed.status_code == 422
    assert malformed.json()["fields"][0]["path"].startswith("nodes.a")
    no_name = await admin.write("POST", FLOWS, json={**menu_flow("", queue_id, case_type_id)})
    assert (no_name.status_code, no_name.json()["fields"][0]["path"]) == (422, "name")
    slash = await admin.write("POST", FLOWS, json=menu_flow("a/b", queue_id, case_type_id))
    assert (slash.status_code, slash.json()["fields"][0]["path"]) == (422, "name")
    assert (await admin.http.get(FLOWS)).json()["items"] == []

    good = await admin.write("POST", FLOWS, json=menu_flow("Линия", queue_id, case_type_id))
    assert good.status_code == 201
    broken_revision = menu_flow("Линия", queue_id, case_type_id)
    broken_revision["nodes"]["queue"]["queue"] = "999999"
    assert (await admin.write("PUT", f"{FLOWS}/{quote('Линия')}", json=broken_revision)).status_code == 422
    renamed = await admin.write(
        "PUT", f"{FLOWS}/{quote('Линия')}", json=menu_flow("Другая", queue_id, case_type_id)
    )
    assert (renamed.status_code, renamed.json()["fields"][0]["path"]) == (422, "name")
    duplicate = await admin.write("POST", FLOWS, json=menu_flow("Линия", queue_id, case_type_id))
    assert (duplicate.status_code, duplicate.json()["fields"][0]["path"]) == (409, "name")
    assert (await admin.http.get(f"{FLOWS}/{quote('Линия')}")).json()["latest_version"] == 1


async def test_lines_enter_known_flows_only_and_a_used_flow_is_not_deleted(ivr_server: RunningServer) -> None:
    admin, queue_id, case_type_id = await _admin_with_prompt(ivr_server)
    service_id = await _first_id(admin, "services")
    line = {"number": "+78005550199", "name": "Проверочная", "service_id": service_id, "entry_flow": "Меню"}
    unknown = await admin.write("POST", "/api/v1/admin/lines", json=line)
    assert unknown.status_code == 422
    assert unknown.json()["fields"] == [
        {"path": "entry_flow", "code": "not_found", "message": "no IVR flow named «Меню»"}
    ]
    assert (
        await admin.write("POST", FLOWS, json=menu_flow("Меню", queue_id, case_type_id))
    ).status_code == 201
    created = await admin.write("POST", "/api/v1/admin/lines", json=line)
    assert created.status_code == 201
    line_id = created.json()["id"]
    patch = await admin.write("PATCH", f"/api/v1/admin/lines/{line_id}", json={"entry_flow": "Нет такой"})
    assert patch.status_code == 422

    in_use = await admin.write("DELETE", f"{FLOWS}/{quote('Меню')}")
    assert (in_use.status_code, in_use.json()["code"]) == (409, "in_use")
    cleared = await admin.write("PATCH", f"/api/v1/admin/lines/{line_id}", json={"entry_flow": ""})
    assert (cleared.status_code, cleared.json()["entry_flow"]) == (200, None)
    # A routing rule that starts the flow keeps it too, and the refusal names the rule.
    rule = {"line_id": line_id, "name": "Ночное меню", "conditions": {"patterns": ["+7495*"]},
            "action": {"kind": "flow", "flow": "Меню"}}  # fmt: skip
    made = await admin.write("POST", "/api/v1/admin/routing/rules", json=rule)
    assert made.status_code == 201, made.text
    by_rule = await admin.write("DELETE", f"{FLOWS}/{quote('Меню')}")
    assert (by_rule.status_code, by_rule.json()["code"]) == (409, "in_use")
    assert "«Ночное меню»" in by_rule.json()["message"]
    assert (
        await admin.write("DELETE", f"/api/v1/admin/routing/rules/{made.json()['id']}")
    ).status_code == 204
    assert (await admin.write("DELETE", f"{FLOWS}/{quote('Меню')}")).status_code == 204
    assert (await admin.http.get(f"{FLOWS}/{quote('Меню')}")).status_code == 404
    assert await ivr_server.application.context.ivr_flows.current("Меню") is None


async def test_only_administrators_manage_flows(ivr_server: RunningServer) -> None:
    operator = await ivr_server.signed_in("operator1")
    senior = await ivr_server.signed_in("senior1")
    for desk in (operator, senior):
        assert (await desk.http.get(FLOWS)).status_code == 403
        assert (await desk.write("POST", FLOWS, json={"name": "x"})).status_code == 403
        assert (await desk.write("DELETE", f"{FLOWS}/x")).status_code == 403
    assert (await ivr_server.client().get(FLOWS)).status_code == 401
