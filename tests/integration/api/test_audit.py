"""The audit trail viewer through the real server, on SQLite and PostgreSQL: filters by user, subject,
action and period, keyset pages that neither repeat nor skip, CSV export, administrators only (refusals
audited), and no route of the OpenAPI document able to change or remove an audit entry."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from tests.support.server import RunningServer

from c122.domain.audit import AuditFilter, StoredAuditEntry


async def _user_id(server: RunningServer, login: str) -> int:
    async with server.application.uow_factory() as uow:
        user = await uow.users.find({"login": login})
        assert user is not None
        return user.id


async def _stored(server: RunningServer) -> dict[int, StoredAuditEntry]:
    """Every stored audit entry by id, read through the trail's own repository."""
    found: dict[int, StoredAuditEntry] = {}
    query = AuditFilter(limit=200)
    async with server.application.uow_factory() as uow:
        while True:
            page = await uow.audit_trail.search(query)
            found |= {entry.id: entry for entry in page.items}
            if page.next_before_id is None:
                return found
            query = AuditFilter(limit=200, before_id=page.next_before_id)


async def _seed_trail(server: RunningServer) -> dict[str, Any]:
    """Who listened to, downloaded and viewed what, an hour apart, oldest first."""
    senior = await _user_id(server, "senior1")
    admin = await _user_id(server, "admin")
    start = server.clock.now() - timedelta(hours=10)
    rows = [
        (senior, "listen_recording", "call", "c-1"),
        (admin, "download_recording", "call", "c-1"),
        (senior, "view_applicant", "applicant", "17"),
        (senior, "listen_recording", "call", "c-2"),
        (admin, "update", "queue", "3"),
    ]
    async with server.application.uow_factory() as uow:
        for hour, (actor, action, entity, entity_id) in enumerate(rows):
            await uow.audit.record(
                at=start + timedelta(hours=hour),
                actor_id=actor,
                action=action,
                entity=entity,
                entity_id=entity_id,
                detail={"note": f"строка {hour}"},
            )
        await uow.commit()
    return {"senior": senior, "admin": admin, "start": start}


async def test_administrator_filters_the_trail_by_user_subject_action_and_period(
    server: RunningServer,
) -> None:
    seeded = await _seed_trail(server)
    admin = await server.signed_in("admin")

    by_senior = (await admin.http.get("/api/v1/admin/audit", params={"actor_id": seeded["senior"]})).json()
    assert [(e["action"], e["entity_id"]) for e in by_senior["items"]] == [
        ("listen_recording", "c-2"),
        ("view_applicant", "17"),
        ("listen_recording", "c-1"),
    ]
    assert {e["actor_login"] for e in by_senior["items"]} == {"senior1"}

    subject = await admin.http.get("/api/v1/admin/audit", params={"entity": "call", "entity_id": "c-1"})
    assert [e["action"] for e in subject.json()["items"]] == ["download_recording", "listen_recording"]

    listened = await admin.http.get("/api/v1/admin/audit", params={"action": "listen_recording"})
    assert [e["entity_id"] for e in listened.json()["items"]] == ["c-2", "c-1"]

    start = seeded["start"]
    period = await admin.http.get(
        "/api/v1/admin/audit",
        params={
            "since": (start + timedelta(hours=1)).isoformat(),
            "until": (start + timedelta(hours=3)).isoformat(),
        },
    )
    assert [e["action"] for e in period.json()["items"]] == ["view_applicant", "download_recording"]
    assert period.json()["items"][0]["detail"] == {"note": "строка 2"}

    vocabulary = (await admin.http.get("/api/v1/admin/audit/vocabulary")).json()
    assert {"listen_recording", "download_recording", "view_audit"} <= set(vocabulary["actions"])
    assert {"call", "applicant", "audit_log"} <= set(vocabulary["entities"])


async def test_keyset_pages_neither_repeat_nor_skip_while_new_entries_arrive(server: RunningServer) -> None:
    await _seed_trail(server)
    admin = await server.signed_in("admin")
    everything = (await admin.http.get("/api/v1/admin/audit", params={"limit": 200})).json()
    assert everything["next_before_id"] is None
    expected = [e["id"] for e in everything["items"]]

    seen: list[int] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        page = (await admin.http.get("/api/v1/admin/audit", params=params)).json()
        seen += [e["id"] for e in page["items"]]
        if page["next_before_id"] is None:
            break
        await server.signed_in("operator1")  # a login is written to the trail between two pages
        params = {"limit": 2, "before_id": page["next_before_id"]}
    # The walk's own first look is audited on top; the logins written between pages never show up.
    assert [entry_id for entry_id in seen if entry_id <= expected[0]] == expected
    assert len(seen) <= len(expected) + 2
    assert seen == sorted(set(seen), reverse=True)


async def test_searches_and_exports_are_audited_and_exports_are_csv(server: RunningServer) -> None:
    seeded = await _seed_trail(server)
    admin = await server.signed_in("admin")
    await admin.http.get("/api/v1/admin/audit", params={"action": "listen_recording"})

    exported = await admin.http.get("/api/v1/admin/audit/export", params={"actor_id": seeded["senior"]})
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.headers["content-disposition"] == 'attachment; filename="audit.csv"'
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == ["id", "at", "actor_id", "actor_login", "action", "entity", "entity_id", "detail"]
    assert [(r[3], r[4], r[6]) for r in rows[1:]] == [
        ("senior1", "listen_recording", "c-2"),
        ("senior1", "view_applicant", "17"),
        ("senior1", "listen_recording", "c-1"),
    ]
    assert rows[2][7] == '{"note": "строка 2"}'

    own = (
        await admin.http.get(
            "/api/v1/admin/audit", params={"actor_id": seeded["admin"], "entity": "audit_log"}
        )
    ).json()
    assert [(e["action"], e["detail"]) for e in own["items"]] == [
        ("export_audit", {"filter": {"actor_id": seeded["senior"]}, "rows": 3}),
        ("view_audit", {"filter": {"action": "listen_recording"}}),
    ]


async def test_only_administrators_read_the_trail_and_each_refusal_is_audited(server: RunningServer) -> None:
    for login in ("senior1", "operator1"):
        desk = await server.signed_in(login)
        for path in ("/api/v1/admin/audit", "/api/v1/admin/audit/vocabulary", "/api/v1/admin/audit/export"):
            response = await desk.http.get(path)
            assert (response.status_code, response.json()["code"]) == (403, "forbidden"), (login, path)
    anonymous = await server.client().get("/api/v1/admin/audit")
    assert anonymous.status_code == 401
    admin = await server.signed_in("admin")
    refused = (await admin.http.get("/api/v1/admin/audit", params={"entity": "audit_log"})).json()["items"]
    assert sorted(e["action"] for e in refused if e["action"].endswith("_refused")) == sorted(
        ["view_audit_refused"] * 4 + ["export_audit_refused"] * 2
    )


async def test_bad_filters_are_refused_naming_the_parameter(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    cases = [
        ({"since": "2026-09-12T10:00:00+03:00", "until": "2026-09-12T09:00:00+03:00"}, "query.since"),
        ({"since": "2026-09-12T10:00:00"}, "query.since"),
        ({"limit": 0}, "query.limit"),
        ({"limit": 201}, "query.limit"),
        ({"before_id": "abc"}, "query.before_id"),
        ({"actor_id": 2**40}, "query.actor_id"),
        ({"action": "x" * 65}, "query.action"),
    ]
    for params, path in cases:
        response = await admin.http.get("/api/v1/admin/audit", params=params)
        assert response.status_code == 422, (params, response.text)
        assert path in [field["path"] for field in response.json()["fields"]], (params, response.json())


async def test_no_route_of_the_api_changes_or_removes_an_audit_entry(server: RunningServer) -> None:
    """Every PUT, PATCH and DELETE of the published OpenAPI document is called by an administrator with
    the ids of stored audit entries; every entry stored before is still there, unchanged."""
    seeded = await _seed_trail(server)
    admin = await server.signed_in("admin")
    before = await _stored(server)
    # Entry ids, and the id of a user the trail names as the actor (removing them would blank it).
    ids = [str(min(before)), str(max(before)), "1", str(seeded["senior"])]

    document = (await admin.http.get("/api/v1/openapi.json")).json()
    called = 0
    for path, operations in document["paths"].items():
        assert "audit" not in path or set(operations) == {"get"}, path
        for method in ("put", "patch", "delete"):
            if method not in operations:
                continue
            for value in ids:
                concrete = path
                for parameter in operations[method].get("parameters", []):
                    if parameter["in"] == "path":
                        concrete = concrete.replace("{" + parameter["name"] + "}", value)
                response = await admin.write(method.upper(), concrete, json={})
                assert response.status_code != 500, (method, concrete, response.text)
                called += 1
    assert called > 0

    after = await _stored(server)
    assert {key: after.get(key) for key in before} == before


async def test_an_account_the_trail_names_stays_and_may_be_disabled(server: RunningServer) -> None:
    senior = await _user_id(server, "senior1")
    await server.signed_in("senior1")  # the sign-in is written with senior1 as the actor
    admin = await server.signed_in("admin")
    refused = await admin.write("DELETE", f"/api/v1/admin/users/{senior}")
    assert (refused.status_code, refused.json()["code"]) == (409, "in_use")
    assert "audit trail" in refused.json()["message"]
    disabled = await admin.write("PATCH", f"/api/v1/admin/users/{senior}", json={"enabled": False})
    assert disabled.status_code == 200
    named = (await admin.http.get("/api/v1/admin/audit", params={"actor_id": senior})).json()["items"]
    assert {e["actor_login"] for e in named} == {"senior1"}
