"""Administration of the organisation (ADM-01, ADM-02): validation, uniqueness, references, access."""

from __future__ import annotations

import pytest
from tests.support.server import Desk, RunningServer


async def _first_id(desk: Desk, collection: str, query: str) -> int:
    items = (await desk.http.get(f"/api/v1/admin/{collection}", params={"q": query})).json()["items"]
    assert items, f"no {collection} matching {query!r}"
    return int(items[0]["id"])


async def test_administrator_builds_a_service_with_group_queue_line_and_operator(
    server: RunningServer,
) -> None:
    admin = await server.signed_in("admin")
    service = await admin.write("POST", "/api/v1/admin/services", json={"name": "Психологическая помощь"})
    assert service.status_code == 201
    service_id = service.json()["id"]
    group = await admin.write(
        "POST", "/api/v1/admin/groups", json={"service_id": service_id, "name": "Психологи"}
    )
    group_id = group.json()["id"]
    queue = await admin.write(
        "POST", "/api/v1/admin/queues", json={"group_id": group_id, "name": "Кризисная"}
    )
    line = await admin.write(
        "POST",
        "/api/v1/admin/lines",
        json={"number": "8 (800) 555-01-22", "name": "Телефон доверия", "service_id": service_id},
    )
    user = await admin.write(
        "POST",
        "/api/v1/admin/users",
        json={
            "login": "psy1",
            "full_name": "Орлова Нина Петровна",
            "role": "operator",
            "password": "long-enough-pass",
            "group_ids": [group_id],
        },
    )
    assert (group.status_code, queue.status_code, line.status_code, user.status_code) == (201, 201, 201, 201)
    assert line.json()["number"] == "+78005550122"
    assert user.json()["group_ids"] == [group_id]
    assert "password" not in user.json()
    assert "password_hash" not in user.json()
    desk = await server.signed_in("psy1", "long-enough-pass")
    assert [g["name"] for g in (await desk.http.get("/api/v1/me")).json()["groups"]] == ["Психологи"]


async def test_invalid_fields_are_reported_with_their_paths(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    bad_user = await admin.write(
        "POST",
        "/api/v1/admin/users",
        json={"login": "bad login!", "full_name": "", "role": "boss", "password": "short", "group_ids": [0]},
    )
    assert bad_user.status_code == 422
    paths = {field["path"] for field in bad_user.json()["fields"]}
    assert {"login", "full_name", "role", "password", "group_ids.0"} <= paths
    bad_line = await admin.write(
        "POST", "/api/v1/admin/lines", json={"number": "12-AB", "name": "x", "service_id": 1}
    )
    assert bad_line.status_code == 422
    assert bad_line.json()["fields"][0]["path"] == "number"
    missing_service = await admin.write("POST", "/api/v1/admin/groups", json={"service_id": 999, "name": "X"})
    assert missing_service.status_code == 422
    assert missing_service.json()["fields"] == [
        {"path": "service_id", "code": "not_found", "message": "no service 999"}
    ]
    unknown_group = await admin.write(
        "POST",
        "/api/v1/admin/users",
        json={
            "login": "ghost",
            "full_name": "G",
            "role": "operator",
            "password": "12345678",
            "group_ids": [999],
        },
    )
    assert unknown_group.json()["fields"][0]["path"] == "group_ids.0"
    assert (await admin.http.get("/api/v1/admin/users", params={"q": "ghost"})).json()["total"] == 0


async def test_duplicates_are_refused_with_409_naming_the_field(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    service = await admin.write("POST", "/api/v1/admin/services", json={"name": "Служба 122"})
    assert service.status_code == 409
    assert service.json()["code"] == "duplicate"
    assert service.json()["fields"][0]["path"] == "name"
    hotline = await _first_id(admin, "services", "Служба 122")
    group = await admin.write(
        "POST", "/api/v1/admin/groups", json={"service_id": hotline, "name": "Справочная группа"}
    )
    assert group.status_code == 409
    line = await admin.write(
        "POST", "/api/v1/admin/lines", json={"number": "88001220122", "name": "Дубль", "service_id": hotline}
    )
    assert (line.status_code, line.json()["fields"][0]["path"]) == (409, "number")
    other_service = await _first_id(admin, "services", "вакцинац")
    same_name_elsewhere = await admin.write(
        "POST", "/api/v1/admin/groups", json={"service_id": other_service, "name": "Справочная группа"}
    )
    assert same_name_elsewhere.status_code == 201, "group names are unique within a service only"


async def test_records_still_in_use_cannot_be_deleted_and_the_reason_is_given(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    group_id = await _first_id(admin, "groups", "Справочная")
    with_members = await admin.write("DELETE", f"/api/v1/admin/groups/{group_id}")
    assert with_members.status_code == 409
    assert with_members.json()["code"] == "in_use"
    assert "member" in with_members.json()["message"]
    service_id = await _first_id(admin, "services", "Служба 122")
    with_groups = await admin.write("DELETE", f"/api/v1/admin/services/{service_id}")
    assert with_groups.status_code == 409
    assert "groups" in with_groups.json()["message"]
    assert (await admin.http.get(f"/api/v1/admin/groups/{group_id}")).status_code == 200


async def test_a_free_record_is_deleted_and_then_not_found(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    created = await admin.write(
        "POST", "/api/v1/admin/case-types", json={"code": "covid", "name": "COVID-19"}
    )
    case_type_id = created.json()["id"]
    assert (await admin.write("DELETE", f"/api/v1/admin/case-types/{case_type_id}")).status_code == 204
    gone = await admin.http.get(f"/api/v1/admin/case-types/{case_type_id}")
    assert (gone.status_code, gone.json()["code"]) == (404, "not_found")
    again = await admin.write("DELETE", f"/api/v1/admin/case-types/{case_type_id}")
    assert again.status_code == 404


@pytest.mark.parametrize(
    "needle", ["%", "_", "' OR 1=1 --", "<script>alert(1)</script>", "\\", '"'], ids=repr
)
async def test_search_treats_sql_and_html_characters_literally(server: RunningServer, needle: str) -> None:
    admin = await server.signed_in("admin")
    special = f"Линия {needle} тест"
    created = await admin.write("POST", "/api/v1/admin/services", json={"name": special})
    assert created.status_code == 201
    found = (await admin.http.get("/api/v1/admin/services", params={"q": needle})).json()
    assert [item["name"] for item in found["items"]] == [special]
    assert found["total"] == 1


async def test_search_is_case_insensitive_for_cyrillic(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    found = (await admin.http.get("/api/v1/admin/users", params={"q": "ИВАНОВА"})).json()
    assert [u["login"] for u in found["items"]] == ["operator1"]


async def test_paging_reports_the_total(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    first = (await admin.http.get("/api/v1/admin/users", params={"limit": 3})).json()
    rest = (await admin.http.get("/api/v1/admin/users", params={"limit": 3, "offset": 3})).json()
    assert first["total"] == rest["total"] == 7
    assert len(first["items"]) == 3
    assert {u["id"] for u in first["items"]}.isdisjoint({u["id"] for u in rest["items"]})


@pytest.mark.parametrize("login", ["operator1", "senior1"])
async def test_only_administrators_manage_the_organisation(server: RunningServer, login: str) -> None:
    desk = await server.signed_in(login)
    listing = await desk.http.get("/api/v1/admin/users")
    creating = await desk.write("POST", "/api/v1/admin/services", json={"name": "Не моя служба"})
    assert (listing.status_code, listing.json()["code"]) == (403, "forbidden")
    assert creating.status_code == 403


async def test_disabling_an_account_ends_its_open_sessions(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    operator = await server.signed_in("operator2")
    user_id = await _first_id(admin, "users", "operator2")
    await admin.write("PATCH", f"/api/v1/admin/users/{user_id}", json={"enabled": False})
    assert (await operator.http.get("/api/v1/me")).status_code == 401


async def test_administrator_cannot_lock_themself_out(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    own_id = (await admin.http.get("/api/v1/me")).json()["id"]
    disable = await admin.write("PATCH", f"/api/v1/admin/users/{own_id}", json={"enabled": False})
    delete = await admin.write("DELETE", f"/api/v1/admin/users/{own_id}")
    assert (disable.status_code, delete.status_code) == (409, 409)
    assert (await admin.http.get("/api/v1/me")).status_code == 200


async def test_changes_are_written_to_the_audit_log(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    await admin.write("POST", "/api/v1/admin/services", json={"name": "Аудит"})
    async with server.application.uow_factory() as uow:
        entries = await uow.audit.entries("service", limit=1)
    assert [(e.action, e.actor_id) for e in entries] == [
        ("create", (await admin.http.get("/api/v1/me")).json()["id"])
    ]
