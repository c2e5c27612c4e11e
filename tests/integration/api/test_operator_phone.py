"""How an operator takes calls: the settings page's phone part (OPS-05), over HTTP."""

from __future__ import annotations

import hashlib

from tests.support.server import RunningServer

from c122.persistence.tables.phones import operator_phones


async def test_an_operator_takes_calls_in_the_browser_until_they_choose_a_sip_phone(
    server: RunningServer,
) -> None:
    desk = await server.signed_in("operator1")
    phone = (await desk.http.get("/api/v1/operators/me/phone")).json()
    assert phone["mode"] == "browser"
    assert phone["sip"] == {
        "auth_name": "operator1",
        "domain": "c122",
        "proxy": "127.0.0.1",
        "port": 5060,
        "transport": "udp",
        "registered": False,
        "password_set": False,
    }


async def test_a_sip_phone_needs_a_password_of_eight_characters_and_nothing_is_stored_otherwise(
    server: RunningServer,
) -> None:
    desk = await server.signed_in("operator1")
    response = await desk.write("PUT", "/api/v1/operators/me/phone", json={"mode": "sip"})
    assert response.status_code == 422
    assert response.json()["fields"][0]["path"] == "sip_password"
    short = await desk.write(
        "PUT", "/api/v1/operators/me/phone", json={"mode": "sip", "sip_password": "1234567"}
    )
    assert short.status_code == 422
    assert "8 characters" in short.json()["message"]
    unknown = await desk.write("PUT", "/api/v1/operators/me/phone", json={"mode": "fax"})
    assert unknown.status_code == 422
    extra = await desk.write("PUT", "/api/v1/operators/me/phone", json={"mode": "browser", "pin": "1"})
    assert extra.status_code == 422
    assert (await desk.http.get("/api/v1/operators/me/phone")).json()["mode"] == "browser"


async def test_only_the_digest_secret_of_the_sip_password_is_stored(server: RunningServer) -> None:
    desk = await server.signed_in("operator1")
    response = await desk.write(
        "PUT", "/api/v1/operators/me/phone", json={"mode": "sip", "sip_password": "phone-secret-1"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["mode"] == "sip"
    assert response.json()["sip"]["password_set"] is True
    engine = server.application.uow_factory.engine
    async with engine.connect() as connection:
        row = (await connection.execute(operator_phones.select())).one()
    assert row.ha1_md5 == hashlib.md5(b"operator1:c122:phone-secret-1").hexdigest()
    assert "phone-secret-1" not in repr(tuple(row))
    # Back to the browser keeps the password for later.
    back = await desk.write("PUT", "/api/v1/operators/me/phone", json={"mode": "browser"})
    assert back.json()["mode"] == "browser"
    assert back.json()["sip"]["password_set"] is True


async def test_the_phone_settings_need_a_signed_in_user_and_the_csrf_token(server: RunningServer) -> None:
    async with server.client() as anonymous:
        assert (await anonymous.get("/api/v1/operators/me/phone")).status_code == 401
    desk = await server.signed_in("operator1")
    forged = await desk.http.put("/api/v1/operators/me/phone", json={"mode": "browser"})
    assert forged.status_code == 403
