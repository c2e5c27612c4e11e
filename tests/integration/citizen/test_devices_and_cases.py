"""The citizen API over a real server on both databases: a device confirms its number with a one-time
code (wrong, expired, too many), creates requests with a location, reads its own and their status
history, and is refused everything of another device's (404, audited) and floods (429)."""

from __future__ import annotations

from contextlib import AsyncExitStack

from tests.integration.citizen.support import API, App, last_code, registered
from tests.support.server import RunningServer, running_server


async def test_a_device_registers_with_a_code_and_the_wrong_or_expired_code_is_refused(
    server: RunningServer,
) -> None:
    http = server.client()
    bad = await http.post(f"{API}/devices", json={"phone": "позвоните мне"})
    assert bad.status_code == 422
    assert bad.json()["fields"][0]["path"] == "phone"
    answer = await http.post(f"{API}/devices", json={"phone": "8 (916) 000-11-22", "platform": "ios"})
    assert answer.status_code == 201, answer.text
    registration = answer.json()
    assert registration["phone"] == "+79160001122"
    device_id = registration["device_id"]
    code = last_code(server, "+79160001122")
    wrong = "0000" if code != "0000" else "1111"
    refused = await http.post(f"{API}/devices/{device_id}/confirm", json={"code": wrong + "00"})
    assert refused.status_code == 422
    assert refused.json()["fields"][0]["code"] == "wrong_code"
    assert "осталось попыток 4" in refused.json()["message"]
    # A new code at once: too soon.
    soon = await http.post(f"{API}/devices/{device_id}/code")
    assert soon.status_code == 429
    assert int(soon.headers["Retry-After"]) > 0
    # The code expires after five minutes.
    server.clock.advance(301)
    expired = await http.post(f"{API}/devices/{device_id}/confirm", json={"code": code})
    assert expired.status_code == 422
    assert expired.json()["fields"][0]["code"] == "code_expired"
    again = await http.post(f"{API}/devices/{device_id}/code")
    assert again.status_code == 202, again.text
    fresh = last_code(server, "+79160001122")
    confirmed = await http.post(f"{API}/devices/{device_id}/confirm", json={"code": fresh})
    assert confirmed.status_code == 200, confirmed.text
    token = confirmed.json()["token"]
    # Once confirmed: no more codes, and the token opens the API; nothing else does.
    assert (await http.post(f"{API}/devices/{device_id}/confirm", json={"code": fresh})).status_code == 409
    assert (await http.get(f"{API}/cases")).status_code == 401
    assert (await http.get(f"{API}/cases", headers={"Authorization": "Bearer nonsense"})).status_code == 401
    assert (await http.get(f"{API}/cases", headers={"Authorization": f"Bearer {token}"})).json() == []
    assert (await http.post(f"{API}/devices/999999/confirm", json={"code": "123456"})).status_code == 404


async def test_too_many_wrong_codes_lock_the_device_for_a_cool_down(server: RunningServer) -> None:
    http = server.client()
    device_id = (await http.post(f"{API}/devices", json={"phone": "+79160002233"})).json()["device_id"]
    code = last_code(server, "+79160002233")
    wrong = str((int(code) + 1) % 1_000_000).zfill(6)
    statuses = [
        (await http.post(f"{API}/devices/{device_id}/confirm", json={"code": wrong})).status_code
        for _ in range(5)
    ]
    assert statuses == [422, 422, 422, 422, 429]
    locked = await http.post(f"{API}/devices/{device_id}/confirm", json={"code": code})
    assert locked.status_code == 429
    assert locked.json()["code"] == "too_many_attempts"
    assert 0 < int(locked.headers["Retry-After"]) <= 900
    assert (await http.post(f"{API}/devices/{device_id}/code")).status_code == 429  # no new code either
    server.clock.advance(901)
    # After the cool-down the old code is void: a new one is needed, and it works.
    assert (await http.post(f"{API}/devices/{device_id}/confirm", json={"code": code})).status_code == 422
    assert (await http.post(f"{API}/devices/{device_id}/code")).status_code == 202
    confirmed = await http.post(
        f"{API}/devices/{device_id}/confirm", json={"code": last_code(server, "+79160002233")}
    )
    assert confirmed.status_code == 200


async def test_a_request_with_a_location_and_its_status_history_seen_by_its_device_only(
    server: RunningServer,
) -> None:
    app = await registered(server, "+79161112233")
    other = await registered(server, "+79164445566")
    out_of_range = await app.create_case(description="x", location={"latitude": 91, "longitude": 37.6})
    assert out_of_range.status_code == 422
    assert out_of_range.json()["fields"][0]["path"] == "location.latitude"
    west = await app.create_case(description="x", location={"latitude": 55, "longitude": -180.5})
    assert west.status_code == 422
    assert west.json()["fields"][0]["path"] == "location.longitude"
    future = (server.clock.now().replace(year=2030)).isoformat()
    late = await app.create_case(
        description="x", location={"latitude": 55, "longitude": 37, "measured_at": future}
    )
    assert late.status_code == 422
    assert late.json()["fields"][0]["code"] == "in_future"
    naive = await app.create_case(
        description="x", location={"latitude": 55, "longitude": 37, "measured_at": "2026-09-12T09:00:00"}
    )
    assert naive.status_code == 422  # a time without its offset means nothing
    assert (await app.create_case(type_id=999999, description="x")).status_code == 422
    created = await app.create_case(
        description="Не работает лифт в поликлинике",
        location={
            "latitude": 55.7558,
            "longitude": 37.6173,
            "accuracy_m": 12.5,
            "measured_at": server.clock.now().isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    case = created.json()
    assert case["status"] == "new"
    assert case["status_label"] == "Новое обращение"
    assert case["location"]["accuracy_m"] == 12.5
    assert [row["status"] for row in case["status_history"]] == ["new"]
    # The operator sees the card with source "mobile app", the applicant found by the device's number.
    operator = await server.signed_in("operator1")
    card = (await operator.http.get(f"/api/v1/cases/{case['id']}")).json()
    assert card["case"]["source"] == "mobile_app"
    assert card["latitude"] == 55.7558
    assert card["description"] == "Не работает лифт в поликлинике"
    assert "+79161112233" in card["applicant"]["phones"]
    # The operator takes it into work: the app's status history shows it.
    taken = await operator.write("PUT", f"/api/v1/cases/{case['id']}/status", json={"status": "in_work"})
    assert taken.status_code == 200, taken.text
    mine = (await app.get(f"/cases/{case['id']}")).json()
    assert [(row["status"], row["status_label"]) for row in mine["status_history"]] == [
        ("new", "Новое обращение"),
        ("in_work", "В работе"),
    ]
    assert [c["id"] for c in (await app.get("/cases")).json()] == [case["id"]]
    # Another device: the case does not exist for it, whatever it tries; the probes are audited.
    assert (await other.get("/cases")).json() == []
    for answer in (
        await other.get(f"/cases/{case['id']}"),
        await other.get(f"/cases/{case['id']}/messages"),
        await other.post(f"/cases/{case['id']}/messages", json={"text": "чужое"}),
        await other.post(f"/cases/{case['id']}/media", content=b"\xff\xd8\xff" + b"0" * 100),
        await other.get(f"/cases/{case['id']}/media/1"),
    ):
        assert answer.status_code == 404, answer.text
        assert answer.json()["code"] == "not_found"
    assert (await other.get("/cases/999999")).json()["code"] == "not_found"  # the same as an unknown id
    admin = await server.signed_in("admin")
    trail = (
        await admin.http.get(
            "/api/v1/admin/audit", params={"action": "access_refused", "entity": "case", "limit": 50}
        )
    ).json()
    probes = [e for e in trail["items"] if e["entity"] == "case" and e["entity_id"] == str(case["id"])]
    assert len(probes) >= 5
    assert all(e["detail"]["device_id"] == other.device_id for e in probes)


async def test_floods_from_one_device_and_one_address_are_refused(database_url: str) -> None:
    async with AsyncExitStack() as stack:
        server = await stack.enter_async_context(
            running_server(
                database_url, citizen_writes_per_device_minute=3, citizen_registrations_per_phone_hour=2
            )
        )
        app: App = await registered(server, "+79167778899")
        statuses = [(await app.create_case(description=f"№{n}")).status_code for n in range(4)]
        assert statuses == [201, 201, 201, 429]
        flood = await app.create_case(description="ещё")
        assert flood.json()["code"] == "too_many_attempts"
        assert int(flood.headers["Retry-After"]) > 0
        server.clock.advance(61)
        assert (await app.create_case(description="через минуту")).status_code == 201
        # Registrations on one number are limited too.
        http = server.client()
        assert (await http.post(f"{API}/devices", json={"phone": "+79167778899"})).status_code == 201
        assert (await http.post(f"{API}/devices", json={"phone": "+79167778899"})).status_code == 429
    async with running_server(database_url, citizen_requests_per_address_minute=5) as server:
        http = server.client()
        answers = [(await http.get(f"{API}/cases")).status_code for _ in range(6)]
        assert answers == [401] * 5 + [429]
