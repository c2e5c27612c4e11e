"""The outage fallback number keeps a trunk (TEL-24, docs/admin/trunks.md): with trunks kept on the
screen, the start cannot check `outage_fallback_number` against them, so the screen does — an edit or a
delete that would leave the number with no trunk is refused with 409 naming the setting, and nothing
stored changes; once another trunk serves the number, the same change goes through."""

from __future__ import annotations

from typing import Any

from tests.support.server import Desk, running_server

FALLBACK = "+74951112233"
TRUNKS = "/api/v1/admin/trunks"


def trunk(name: str, prefixes: list[str]) -> dict[str, Any]:
    return {"name": name, "host": "127.0.0.1", "prefixes": prefixes, "keepalive_s": 0}


async def stored(admin: Desk) -> dict[str, list[str]]:
    return {t["name"]: t["prefixes"] for t in (await admin.http.get(TRUNKS)).json()}


async def test_the_last_trunk_of_the_outage_fallback_cannot_be_taken_away(database_url: str) -> None:
    async with running_server(database_url, outage_fallback_number=FALLBACK) as server:
        admin = await server.signed_in("admin")
        moscow = (await admin.write("POST", TRUNKS, json=trunk("moscow", ["+7495"]))).json()
        assert (await admin.write("POST", TRUNKS, json=trunk("spb", ["+7812"]))).status_code == 201

        moved = await admin.write("PUT", f"{TRUNKS}/{moscow['id']}", json=trunk("moscow", ["+7496"]))
        deleted = await admin.write("DELETE", f"{TRUNKS}/{moscow['id']}")
        for refused in (moved, deleted):
            assert refused.status_code == 409, refused.text
            assert refused.json()["code"] == "outage_fallback_unserved"
            assert "outage_fallback_number" in refused.json()["message"]
        assert await stored(admin) == {"moscow": ["+7495"], "spb": ["+7812"]}

        # A trunk for every other number serves the fallback too: now moscow may go.
        assert (await admin.write("POST", TRUNKS, json=trunk("rest", []))).status_code == 201
        assert (await admin.write("DELETE", f"{TRUNKS}/{moscow['id']}")).status_code == 204
        assert await stored(admin) == {"spb": ["+7812"], "rest": []}
