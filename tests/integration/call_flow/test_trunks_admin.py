"""Trunks kept in the database and edited over the API (TEL-24, ADM-02), on the real server with
telephony: the configuration file's trunk is imported on the first start; a trunk added over the API
carries a transfer to SIPp (the carrier) at once, without a restart; a trunk registering with digest to
a real SIP registrar shows registered, up and its latency; a trunk whose host does not resolve is saved,
shows down in the list and in health, and never blocks the start; the password is never read back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.integration.call_flow.conftest import (
    HotlineCaller,
    ended_calls,
    hotline_overrides,
    route_main_line,
)
from tests.support.polling import until
from tests.support.server import Desk, running_server

from c122.domain.users import CONSOLE
from c122.telephony.sip import DigestServer, Registrar, SipStack

pytestmark = pytest.mark.peers
REGION_CALLER_ID = "+74950001122"
DIALLED = "+74951112233"
SECRET = "pa55-secret"


async def trunk_named(admin: Desk, name: str) -> dict[str, Any]:
    listed = (await admin.http.get("/api/v1/admin/trunks")).json()
    return next(t for t in listed if t["name"] == name)


async def test_a_trunk_added_over_the_api_carries_a_call_at_once_and_its_state_is_shown(
    database_url: str, tmp_path: Path, caller: HotlineCaller, carrier: Any
) -> None:
    moscow = carrier(REGION_CALLER_ID, DIALLED)
    await moscow.start()
    registrar = Registrar()
    carrier_stack = SipStack(
        "127.0.0.1",
        udp_port=0,
        tcp_port=None,
        digest=DigestServer("carrier", {"c122trunk": SECRET}.get),
        registrar=registrar,
    )
    await carrier_stack.start()
    # In the file: a trunk whose host does not resolve. The server starts all the same.
    dead = {"name": "dead", "host": "nowhere.invalid", "caller_id": "+78001220122", "prefixes": ["+7812"]}
    overrides = {**hotline_overrides(tmp_path), "trunks": [dead]}
    try:
        async with running_server(database_url, with_telephony=True, **overrides) as server:
            admin = await server.signed_in("admin")
            (imported,) = (await admin.http.get("/api/v1/admin/trunks")).json()
            assert (imported["name"], imported["host"], imported["prefixes"]) == (
                "dead",
                "nowhere.invalid",
                ["+7812"],
            )
            down = await until(lambda: trunk_named(admin, "dead"), lambda t: t["live"]["state"] == "down")
            assert down["live"]["latency_ms"] is None
            health = (await admin.http.get("/api/v1/health")).json()
            sip = health["components"]["sip"]
            assert (sip["status"], "trunks down: dead" in sip["detail"]) == ("degraded", True)

            # The carrier behind SIPp: no OPTIONS (SIPp answers one INVITE only), a call limit.
            body = {**moscow.trunk("+7495"), "keepalive_s": 0, "max_calls": 2, "codecs": ["PCMU"]}
            created = await admin.write("POST", "/api/v1/admin/trunks", json=body)
            assert created.status_code == 201, created.text
            assert created.json()["live"]["state"] == "unknown"  # not probed

            flow = {"name": "to_moscow", "entry": "out", "timezone": "Europe/Moscow",
                    "nodes": {"out": {"type": "transfer", "number": DIALLED}}}  # fmt: skip
            await server.application.context.ivr_flows.create(CONSOLE, flow)
            await route_main_line(server, "to_moscow")
            await caller.call(server, "hotline_caller.xml", digits="5", listen_ms=2500, wait_ms=3000)
            await until(lambda: trunk_named(admin, "carrier"), lambda t: t["live"]["calls_up"] == 1)
            code, output = await caller.finish()
            assert code == 0, output[-3000:]
            await moscow.finish()  # From and P-Asserted-Identity carried the region's caller ID
            (record,) = await ended_calls(server)
            assert (record["status"], record["end_cause"]) == ("answered", "transferred")
            await until(lambda: trunk_named(admin, "carrier"), lambda t: t["live"]["calls_up"] == 0)

            # A trunk that registers: the password goes in and is never read back.
            registering = {
                "name": "registering",
                "host": "127.0.0.1",
                "port": carrier_stack.bound_ports["udp"],
                "username": "c122trunk",
                "password": SECRET,
                "registration": True,
                "keepalive_s": 5,
            }
            created = await admin.write("POST", "/api/v1/admin/trunks", json=registering)
            assert created.status_code == 201, created.text
            assert created.json()["has_password"] is True
            up = await until(
                lambda: trunk_named(admin, "registering"),
                lambda t: t["live"]["registered"] and t["live"]["state"] == "up",
            )
            assert up["live"]["latency_ms"] is not None
            assert up["live"]["latency_ms"] >= 0
            assert registrar.lookup("c122trunk")
            edited = await admin.write(
                "PUT",
                f"/api/v1/admin/trunks/{up['id']}",
                json={**registering, "password": None, "port": up["port"]},
            )
            assert edited.status_code == 200, edited.text
            assert edited.json()["has_password"] is True  # kept
            everything = json.dumps(
                [(await admin.http.get("/api/v1/admin/trunks")).json(), edited.json(), created.json()]
            )
            assert SECRET not in everything
            trail = (await admin.http.get("/api/v1/admin/audit", params={"entity": "trunk"})).text
            assert '"registering"' in trail
            assert SECRET not in trail

            deleted = await admin.write("DELETE", f"/api/v1/admin/trunks/{up['id']}")
            assert deleted.status_code == 204
            await until(lambda: _bindings(registrar), lambda n: n == 0)  # unregistered at once
    finally:
        await carrier_stack.stop()


async def _bindings(registrar: Registrar) -> int:
    return len(registrar.lookup("c122trunk"))


async def test_bad_trunks_are_refused_with_the_field_named_and_only_administrators_see_trunks(
    database_url: str, tmp_path: Path
) -> None:
    async with running_server(database_url, with_telephony=True, **hotline_overrides(tmp_path)) as server:
        admin = await server.signed_in("admin")
        bad = await admin.write(
            "POST",
            "/api/v1/admin/trunks",
            json={
                "name": "x y",
                "host": "-bad-",
                "port": 70000,
                "transport": "sctp",
                "codecs": ["G729"],
                "prefixes": ["7495"],
                "registration": True,
            },
        )
        assert bad.status_code == 422
        fields = {f["path"] for f in bad.json()["fields"]}
        assert {"name", "host", "port", "transport", "codecs", "prefixes.0", "registration"} <= fields
        good = {"name": "spb", "host": "192.0.2.10", "caller_id": "+78120001122"}
        assert (await admin.write("POST", "/api/v1/admin/trunks", json=good)).status_code == 201
        again = await admin.write("POST", "/api/v1/admin/trunks", json=good)
        assert (again.status_code, again.json()["code"]) == (409, "duplicate_trunk")
        assert (await admin.http.get("/api/v1/admin/trunks/999999")).status_code == 404
        operator = await server.signed_in("operator1")
        assert (await operator.http.get("/api/v1/admin/trunks")).status_code == 403
        assert [t["name"] for t in (await admin.http.get("/api/v1/admin/trunks")).json()] == ["spb"]
