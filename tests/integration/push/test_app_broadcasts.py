"""Broadcasts to app users (OPS-30) over a real server on both databases, pushed to a local push
endpoint the test starts (the real push services cannot be reached from here): a senior's broadcast
reaches every subscribed device, or only those of the district chosen; the app lists it and counts it
opened once; the counts of delivered and opened are kept; an operator may not broadcast; bad input is
refused with the reason."""

from __future__ import annotations

import json

from tests.integration.citizen.support import registered
from tests.integration.push.test_app_push import settle, subscribe
from tests.support.push_endpoint import BrowserKeys, push_endpoint
from tests.support.server import RunningServer


async def test_a_senior_broadcasts_to_the_app_users_of_a_district(server: RunningServer) -> None:
    north, south, anyone = [await registered(server, f"+7903222000{i}") for i in range(3)]
    keys = {name: BrowserKeys.new() for name in ("north", "south", "anyone")}
    senior = await server.signed_in("senior1")
    operator = await server.signed_in("operator1")
    with push_endpoint() as service:
        service.answers["/push/anyone"] = 410  # this browser has gone away meanwhile
        await subscribe(north, f"{service.base_url}/push/north", keys["north"], region="Северный")
        await subscribe(south, f"{service.base_url}/push/south", keys["south"], region="Южный")
        await subscribe(anyone, f"{service.base_url}/push/anyone", keys["anyone"])

        refused = await operator.write("POST", "/api/v1/app-broadcasts", json={"title": "x", "text": "y"})
        assert refused.status_code == 403
        empty = await senior.write("POST", "/api/v1/app-broadcasts", json={"title": "  ", "text": "y"})
        assert empty.status_code == 422
        assert "заголовок" in empty.text

        sent = await senior.write(
            "POST",
            "/api/v1/app-broadcasts",
            json={"title": "Отключение воды", "text": "Завтра с 10 до 14 часов", "region": "южный"},
        )
        assert sent.status_code == 201, sent.text
        broadcast_id = sent.json()["id"]
        await settle(server)
        assert [len(service.to(f"/push/{n}")) for n in ("north", "south", "anyone")] == [0, 1, 0]
        pushed = json.loads(keys["south"].decrypt(service.to("/push/south")[0].body))
        assert pushed == {
            "kind": "broadcast",
            "title": "Отключение воды",
            "body": "Завтра с 10 до 14 часов",
            "url": f"/app/news/{broadcast_id}",
            "broadcast_id": broadcast_id,
        }

        everyone = await senior.write(
            "POST", "/api/v1/app-broadcasts", json={"title": "Линия 122", "text": "Работаем круглосуточно"}
        )
        await settle(server)
        assert [len(service.to(f"/push/{n}")) for n in ("north", "south", "anyone")] == [1, 2, 1]

    # The app shows what was addressed to it; opening counts once per device.
    assert [n["title"] for n in (await south.get("/broadcasts")).json()] == ["Линия 122", "Отключение воды"]
    assert [n["title"] for n in (await north.get("/broadcasts")).json()] == ["Линия 122"]
    assert (await north.post(f"/broadcasts/{broadcast_id}/opened")).status_code == 404
    for _ in range(2):
        assert (await south.post(f"/broadcasts/{broadcast_id}/opened")).status_code == 204
    assert (await north.post(f"/broadcasts/{everyone.json()['id']}/opened")).status_code == 204

    listed = {b["id"]: b for b in (await senior.http.get("/api/v1/app-broadcasts")).json()}
    district, general = listed[broadcast_id], listed[everyone.json()["id"]]
    assert (district["recipients"], district["delivered"], district["failed"], district["opened"]) == (
        1,
        1,
        0,
        1,
    )
    # The gone subscription counts as not delivered, and is dropped.
    assert (general["recipients"], general["delivered"], general["failed"], general["opened"]) == (3, 2, 1, 1)
    assert general["finished_at"] is not None
    assert (await anyone.get("/push/subscriptions")).json() == []
    assert (await operator.http.get("/api/v1/app-broadcasts")).status_code == 403
