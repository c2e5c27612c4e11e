"""Push to the citizen app over a real server on both databases. The push service is a local HTTP
endpoint the test starts (tests/support/push_endpoint.py): the real push services cannot be reached
from here. What it receives is decrypted with the subscription's private keys, as the browser would, and
the VAPID signature is checked against the server's published key. A status change and an operator's
answer each push to the device; a 410 from the push service drops the subscription; bad subscriptions
are refused with the reason."""

from __future__ import annotations

import json
from typing import Any

from py_vapid import Vapid02

from tests.integration.citizen.support import App, registered
from tests.support.push_endpoint import BrowserKeys, Received, push_endpoint
from tests.support.server import RunningServer


async def subscribe(app: App, endpoint: str, keys: BrowserKeys, **extra: Any) -> dict[str, Any]:
    answer = await app.post(
        "/push/subscriptions",
        json={"endpoint": endpoint, "keys": {"p256dh": keys.p256dh, "auth": keys.auth}, **extra},
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def opened(received: Received, keys: BrowserKeys, server_key: str) -> dict[str, Any]:
    """The browser's side: the VAPID signature is the server's, the body decrypts to the payload."""
    assert received.headers["content-encoding"] == "aes128gcm"
    assert int(received.headers["ttl"]) > 0
    authorization = received.headers["authorization"]
    assert authorization.startswith("vapid t=")
    assert authorization.split("k=")[1] == server_key
    assert Vapid02.verify(authorization)
    payload: dict[str, Any] = json.loads(keys.decrypt(received.body))
    return payload


async def settle(server: RunningServer) -> None:
    await server.application.context.push.idle()


async def test_a_status_change_and_an_answer_push_to_the_device(server: RunningServer) -> None:
    app = await registered(server, "+79031110001")
    key = (await app.get("/push/key")).json()
    assert key["kinds"] == ["web"]
    operator = await server.signed_in("operator1")
    keys = BrowserKeys.new()
    with push_endpoint() as service:
        sub = await subscribe(app, f"{service.base_url}/push/phone", keys, region="Центральный")
        assert sub["region"] == "Центральный"
        case_id = (await app.create_case(description="Не работает фонарь")).json()["id"]
        changed = await operator.write("PUT", f"/api/v1/cases/{case_id}/status", json={"status": "in_work"})
        assert changed.status_code == 200, changed.text
        await settle(server)
        [status] = service.to("/push/phone")
        pushed = opened(status, keys, key["application_server_key"])
        assert pushed["kind"] == "status"
        assert pushed["case_id"] == case_id
        assert "В работе" in pushed["body"]
        assert pushed["url"] == f"/app/cases/{case_id}"

        answer = await operator.write(
            "POST", f"/api/v1/cases/{case_id}/chat", json={"text": "Заявка принята"}
        )
        assert answer.status_code == 201
        await settle(server)
        message = opened(service.to("/push/phone")[1], keys, key["application_server_key"])
        assert (message["kind"], message["body"], message["case_id"]) == (
            "message",
            "Заявка принята",
            case_id,
        )

        # A change that is not of the status pushes nothing.
        flagged = await operator.write("PUT", f"/api/v1/cases/{case_id}/status", json={"attention": True})
        assert flagged.status_code == 200, flagged.text
        await settle(server)
        assert len(service.to("/push/phone")) == 2

    deliveries = (await app.get("/push/deliveries")).json()
    assert [(d["kind"], d["state"], d["status_code"]) for d in deliveries] == [
        ("message", "delivered", 201),
        ("status", "delivered", 201),
    ]


async def test_a_gone_subscription_is_dropped_and_others_still_get_theirs(server: RunningServer) -> None:
    app = await registered(server, "+79031110002")
    operator = await server.signed_in("operator1")
    phone, old_laptop = BrowserKeys.new(), BrowserKeys.new()
    with push_endpoint() as service:
        service.answers["/push/gone"] = 410
        await subscribe(app, f"{service.base_url}/push/alive", phone)
        gone = await subscribe(app, f"{service.base_url}/push/gone", old_laptop)
        case_id = (await app.create_case(description="Яма на дороге")).json()["id"]
        await operator.write("PUT", f"/api/v1/cases/{case_id}/status", json={"status": "in_work"})
        await settle(server)
        assert len(service.to("/push/alive")) == 1
        assert len(service.to("/push/gone")) == 1
        left = (await app.get("/push/subscriptions")).json()
        assert [s["endpoint"] for s in left] == [f"{service.base_url}/push/alive"]
        states = {
            (d["subscription_id"], d["state"], d["status_code"])
            for d in (await app.get("/push/deliveries")).json()
        }
        assert (gone["id"], "gone", 410) in states
        # The dropped subscription gets nothing more.
        await operator.write("PUT", f"/api/v1/cases/{case_id}/status", json={"status": "completed"})
        await settle(server)
        assert len(service.to("/push/gone")) == 1
        assert len(service.to("/push/alive")) == 2


async def test_pushes_follow_the_subscriptions_as_they_change(server: RunningServer) -> None:
    """Who an answer goes to is remembered between answers (most devices have no subscription): a
    subscription made, moved to another device or dropped counts from the next answer on."""
    app = await registered(server, "+79031110005")
    tablet = await registered(server, "+79031110006")
    operator = await server.signed_in("operator1")
    keys = BrowserKeys.new()
    case_id = (await app.create_case(description="Шумят соседи")).json()["id"]

    async def answer(text: str) -> None:
        sent = await operator.write("POST", f"/api/v1/cases/{case_id}/chat", json={"text": text})
        assert sent.status_code == 201, sent.text
        await settle(server)

    with push_endpoint() as service:
        endpoint = f"{service.base_url}/push/browser"
        await answer("до подписки")  # nobody to push: remembered as such
        assert service.to("/push/browser") == []
        await subscribe(app, endpoint, keys)
        await answer("после подписки")
        bodies = [json.loads(keys.decrypt(r.body))["body"] for r in service.to("/push/browser")]
        assert bodies == ["после подписки"]

        # The browser subscribes again as another device: the endpoint is that device's now.
        await subscribe(tablet, endpoint, keys)
        await answer("после переноса")
        assert len(service.to("/push/browser")) == 1
        assert (await app.get("/push/subscriptions")).json() == []

        again = await subscribe(app, endpoint, keys)
        await answer("снова")
        assert len(service.to("/push/browser")) == 2
        dropped = await app.http.delete(
            f"/api/citizen/v1/push/subscriptions/{again['id']}",
            headers={"Authorization": f"Bearer {app.token}"},
        )
        assert dropped.status_code == 204, dropped.text
        await answer("после отписки")
        assert len(service.to("/push/browser")) == 2


async def test_a_push_service_that_fails_is_recorded_not_dropped(server: RunningServer) -> None:
    app = await registered(server, "+79031110003")
    operator = await server.signed_in("operator1")
    with push_endpoint() as service:
        service.answers["/push/busy"] = 503
        sub = await subscribe(app, f"{service.base_url}/push/busy", BrowserKeys.new())
        case_id = (await app.create_case(description="Шум ночью")).json()["id"]
        await operator.write("PUT", f"/api/v1/cases/{case_id}/status", json={"status": "in_work"})
        await settle(server)
    [delivery] = (await app.get("/push/deliveries")).json()
    assert (delivery["state"], delivery["status_code"]) == ("failed", 503)
    assert [s["id"] for s in (await app.get("/push/subscriptions")).json()] == [sub["id"]]


async def test_bad_subscriptions_are_refused_with_the_reason(server: RunningServer) -> None:
    app = await registered(server, "+79031110004")
    other = await registered(server, "+79031110005")
    keys = BrowserKeys.new()
    plain = await app.post(
        "/push/subscriptions",
        json={"endpoint": "http://push.example.com/x", "keys": {"p256dh": keys.p256dh, "auth": keys.auth}},
    )
    assert plain.status_code == 422
    assert "https" in plain.text
    keyless = await app.post("/push/subscriptions", json={"endpoint": "https://push.example.com/x"})
    assert keyless.status_code == 422
    assert "missing_keys" in keyless.text
    native = await app.post("/push/subscriptions", json={"kind": "native", "endpoint": "fcm-token"})
    assert native.status_code == 409
    assert native.json()["code"] == "push_kind_unavailable"
    unknown = await app.post("/push/subscriptions", json={"kind": "pigeon", "endpoint": "https://x"})
    assert unknown.status_code == 422
    anonymous = await app.http.post("/api/citizen/v1/push/subscriptions", json={"endpoint": "https://x"})
    assert anonymous.status_code == 401
    mine = await subscribe(app, "https://push.example.com/mine", keys)
    # Another device's subscription is not found, not forbidden.
    refused = await other.http.delete(
        f"/api/citizen/v1/push/subscriptions/{mine['id']}", headers={"Authorization": f"Bearer {other.token}"}
    )
    assert refused.status_code == 404
    assert len((await app.get("/push/subscriptions")).json()) == 1
    removed = await app.http.delete(
        f"/api/citizen/v1/push/subscriptions/{mine['id']}", headers={"Authorization": f"Bearer {app.token}"}
    )
    assert removed.status_code == 204
    assert (await app.get("/push/subscriptions")).json() == []


async def test_the_endpoint_stand_in_answers_as_told() -> None:
    """The local push endpoint itself: a test of the fake, so a broken fake cannot pass the tests above."""
    import httpx

    with push_endpoint() as service:
        service.answers["/b"] = 410
        async with httpx.AsyncClient() as http:
            assert (await http.post(f"{service.base_url}/a", content=b"x")).status_code == 201
            assert (await http.post(f"{service.base_url}/b", content=b"y")).status_code == 410
    assert [(r.path, r.body) for r in service.received] == [("/a", b"x"), ("/b", b"y")]
