"""Signing in and out (OPS-01): cookies, CSRF, throttling, one workplace at a time, API tokens."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import text
from tests.support.server import RunningServer, running_server

from c122.persistence.database import is_sqlite


async def test_operator_signs_in_and_sees_own_account_and_groups(server: RunningServer) -> None:
    async with server.client() as client:
        response = await client.post(
            "/api/v1/auth/login", json={"login": "operator1", "password": server.passwords["operator1"]}
        )
        assert response.status_code == 200
        cookies = response.headers.get_list("set-cookie")
        session = next(c for c in cookies if c.startswith("c122_session="))
        assert "HttpOnly" in session
        assert "SameSite=lax" in session
        me = (await client.get("/api/v1/me")).json()
    assert me["login"] == "operator1"
    assert me["role"] == "operator"
    assert [g["name"] for g in me["groups"]] == ["Справочная группа"]
    assert me["groups"][0]["service_name"] == "Служба 122"


@pytest.mark.parametrize(
    ("login", "password"),
    [("operator1", "wrong-password"), ("nobody", "whatever-pass")],
    ids=["wrong password", "unknown user"],
)
async def test_wrong_password_and_unknown_user_get_the_same_refusal(
    server: RunningServer, login: str, password: str
) -> None:
    async with server.client() as client:
        response = await client.post("/api/v1/auth/login", json={"login": login, "password": password})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert "set-cookie" not in response.headers


async def test_disabled_account_is_refused_with_its_reason(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    users = (await admin.http.get("/api/v1/admin/users", params={"q": "operator3"})).json()["items"]
    disabled = await admin.write("PATCH", f"/api/v1/admin/users/{users[0]['id']}", json={"enabled": False})
    assert disabled.status_code == 200
    async with server.client() as client:
        response = await client.post(
            "/api/v1/auth/login", json={"login": "operator3", "password": server.passwords["operator3"]}
        )
    assert response.status_code == 403
    assert response.json()["code"] == "account_disabled"


async def test_repeated_failures_are_throttled_per_account_with_retry_after(server: RunningServer) -> None:
    async with server.client() as client:
        for _ in range(5):
            bad = await client.post(
                "/api/v1/auth/login", json={"login": "operator2", "password": "nope-nope"}
            )
            assert bad.status_code == 401
        blocked = await client.post(
            "/api/v1/auth/login", json={"login": "operator2", "password": server.passwords["operator2"]}
        )
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert blocked.json()["code"] == "too_many_attempts"
    server.clock.advance(int(blocked.headers["retry-after"]))
    async with server.client() as client:
        allowed = await client.post(
            "/api/v1/auth/login", json={"login": "operator2", "password": server.passwords["operator2"]}
        )
    assert allowed.status_code == 200


async def _login(
    client: httpx.AsyncClient, login: str, password: str, via: str | None = None
) -> httpx.Response:
    headers = {"X-Forwarded-For": via} if via else {}
    return await client.post(
        "/api/v1/auth/login", json={"login": login, "password": password}, headers=headers
    )


async def test_an_office_behind_one_address_is_not_locked_out_by_a_few_bad_passwords(
    server: RunningServer,
) -> None:
    async with server.client() as client:
        for n in range(5):
            assert (await _login(client, f"guess{n}", "12345678")).status_code == 401
        for _ in range(5):
            assert (await _login(client, "operator2", "nope-nope")).status_code == 401
        # Colleagues behind the same address still sign in; only operator2's account is locked.
        assert (await _login(client, "operator4", server.passwords["operator4"])).status_code == 200
        assert (await _login(client, "operator2", server.passwords["operator2"])).status_code == 429


async def test_the_per_address_limit_stops_one_address_guessing_across_accounts(database_url: str) -> None:
    async with (
        running_server(database_url, login_address_max_failures=12) as server,
        server.client() as client,
    ):
        for n in range(12):
            assert (await _login(client, f"guess{n}", "12345678")).status_code == 401
        blocked = await _login(client, "operator4", server.passwords["operator4"])
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0


async def test_the_account_lock_is_short_and_doubles_while_guessing_goes_on(server: RunningServer) -> None:
    waits = []
    async with server.client() as client:
        for _ in range(3):
            for _ in range(5):
                assert (await _login(client, "operator2", "nope-nope")).status_code == 401
            blocked = await _login(client, "operator2", "nope-nope")
            assert blocked.status_code == 429
            waits.append(int(blocked.headers["retry-after"]))
            server.clock.advance(waits[-1])
        assert waits == [30, 60, 120]
        assert (await _login(client, "operator2", server.passwords["operator2"])).status_code == 200


async def test_guesses_from_elsewhere_do_not_lock_the_user_out_at_their_usual_address(
    database_url: str,
) -> None:
    office, attacker = "198.51.100.7", "203.0.113.9"
    async with (
        running_server(database_url, trusted_proxies="127.0.0.0/8") as server,
        server.client() as client,
    ):
        password = server.passwords["operator1"]
        assert (await _login(client, "operator1", password, office)).status_code == 200
        for _ in range(5):
            assert (await _login(client, "operator1", "nope-nope", attacker)).status_code == 401
        assert (await _login(client, "operator1", "nope-nope", attacker)).status_code == 429
        # From an address never used before the account is locked; from the office it is not.
        assert (await _login(client, "operator1", password, "192.0.2.1")).status_code == 429
        assert (await _login(client, "operator1", password, office)).status_code == 200


async def test_x_forwarded_for_counts_only_from_a_trusted_proxy(database_url: str) -> None:
    spoofed = "203.0.113.9, 192.0.2.44"
    async with running_server(database_url) as untrusting:
        async with untrusting.client() as client:
            await _login(client, "operator1", "nope-nope", spoofed)
        async with untrusting.application.uow_factory() as uow:
            (entry,) = [e for e in await uow.audit.entries("user") if e.action == "login_failed"]
        assert entry.detail == {"source": "127.0.0.1"}
    async with running_server(database_url, trusted_proxies="127.0.0.1, 10.0.0.0/8") as trusting:
        async with trusting.client() as client:
            await _login(client, "operator1", "nope-nope", spoofed)
            await _login(client, "operator1", "nope-nope", "203.0.113.9, 10.1.2.3")
        async with trusting.application.uow_factory() as uow:
            entries = [e for e in await uow.audit.entries("user") if e.action == "login_failed"]
        # The right-most address that is not a trusted proxy; what a client wrote left of it is ignored.
        assert [e.detail for e in reversed(entries[:2])] == [
            {"source": "192.0.2.44"},
            {"source": "203.0.113.9"},
        ]


@pytest.mark.parametrize("cookie", ["forged-token", "", "x" * 300], ids=["forged", "empty", "oversize"])
async def test_forged_session_cookie_is_not_signed_in(server: RunningServer, cookie: str) -> None:
    async with server.client() as client:
        client.cookies.set("c122_session", cookie)
        response = await client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


async def test_idle_session_expires(server: RunningServer) -> None:
    desk = await server.signed_in("operator1")
    server.clock.advance(server.application.settings.session_idle_minutes * 60 + 1)
    response = await desk.http.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "session_expired"


async def test_cookie_authenticated_write_without_csrf_token_is_refused(server: RunningServer) -> None:
    desk = await server.signed_in("operator1")
    missing = await desk.http.post("/api/v1/auth/logout")
    wrong = await desk.http.post("/api/v1/auth/logout", headers={"X-CSRF-Token": "0" * 40})
    assert (missing.status_code, missing.json()["code"]) == (403, "csrf_failed")
    assert (wrong.status_code, wrong.json()["code"]) == (403, "csrf_failed")
    assert (await desk.http.get("/api/v1/me")).status_code == 200, "the refused writes changed nothing"
    done = await desk.write("POST", "/api/v1/auth/logout")
    assert done.status_code == 204
    assert (await desk.http.get("/api/v1/me")).status_code == 401


async def test_second_login_closes_the_older_session_and_says_why(server: RunningServer) -> None:
    first = await server.signed_in("operator1")
    async with first.events() as stream:
        ready = await stream.receive()
        assert ready["kind"] == "ready"
        await server.signed_in("operator1")
        closed = await stream.receive()
    assert closed["kind"] == "closed"
    assert closed["reason"] == "session_replaced"
    response = await first.http.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "session_replaced"


async def test_administrator_may_keep_several_consoles(server: RunningServer) -> None:
    first = await server.signed_in("admin")
    await server.signed_in("admin")
    assert (await first.http.get("/api/v1/me")).status_code == 200


async def test_api_token_authenticates_integrations_without_csrf(server: RunningServer) -> None:
    desk = await server.signed_in("admin")
    issued = await desk.write("POST", "/api/v1/me/tokens", json={"name": "monitoring"})
    assert issued.status_code == 201
    token = issued.json()["token"]
    async with server.client() as client:
        headers = {"Authorization": f"Bearer {token}"}
        me = await client.get("/api/v1/me", headers=headers)
        created = await client.post("/api/v1/admin/services", headers=headers, json={"name": "Служба API"})
        forged = await client.get("/api/v1/me", headers={"Authorization": "Bearer c122_forged"})
    assert me.json()["login"] == "admin"
    assert created.status_code == 201
    assert forged.status_code == 401


async def test_malformed_unknown_and_oversize_bodies_get_clear_errors(server: RunningServer) -> None:
    async with server.client() as client:
        malformed = await client.post(
            "/api/v1/auth/login", content=b'{"login": ', headers={"content-type": "application/json"}
        )
        unknown = await client.post(
            "/api/v1/auth/login", json={"login": "operator1", "password": "x", "remember": True}
        )
        missing = await client.post("/api/v1/auth/login", json={"login": "operator1"})
        oversize = await client.post(
            "/api/v1/auth/login",
            content=b"{" + b" " * 2_000_000 + b"}",
            headers={"content-type": "application/json"},
        )
    assert (malformed.status_code, malformed.json()["code"]) == (400, "malformed_json")
    assert unknown.status_code == 422
    assert unknown.json()["fields"][0] == {
        "path": "remember",
        "code": "extra_forbidden",
        "message": "Extra inputs are not permitted",
    }
    assert missing.json()["fields"][0]["path"] == "password"
    assert (oversize.status_code, oversize.json()["code"]) == (413, "body_too_large")


async def test_fifty_sign_ins_at_once_all_succeed_and_each_is_stored(database_url: str) -> None:
    """A shift starting: every desk signs in within the same moment, with the production password
    hashing cost (and, on SQLite, a one-second busy timeout). Each sign-in is a write (the session
    and its audit row); none may fail waiting for the pool or for SQLite's write lock, none may be
    lost."""
    # SQLite's busy timeout down to one second: a writer starved of the lock fails quickly. (On
    # PostgreSQL the same setting bounds every statement, row-lock waits included: left as it is.)
    bounds = {"database_statement_timeout_seconds": 1} if is_sqlite(database_url) else {}
    async with running_server(database_url, argon2_time_cost=2, argon2_memory_kib=19456, **bounds) as server:
        logins = sorted(server.passwords)
        attempts = [logins[n % len(logins)] for n in range(50)]

        async def sign_in(login: str) -> httpx.Response:
            async with server.client() as client:
                return await client.post(
                    "/api/v1/auth/login", json={"login": login, "password": server.passwords[login]}
                )

        answers = await asyncio.gather(*(sign_in(login) for login in attempts))
        refused = [a.text for a in answers if a.status_code != 200]
        assert refused == []
        async with server.application.uow_factory.engine.connect() as connection:
            audited = await connection.scalar(text("SELECT count(*) FROM audit_log WHERE action = 'login'"))
            sessions = await connection.scalar(text("SELECT count(*) FROM sessions"))
    assert audited == len(attempts)
    assert sessions == len(attempts)
