"""The IVR's transfer node sends the caller out through the trunk of the number's prefix, presenting the
region's caller ID (TEL-24); SIPp plays the carrier and checks From and P-Asserted-Identity. The
caller's talk with the outside number is recorded: the trunk leg is a leg of the record (kind `trunk`,
shown by its number) and their conversation a segment of the call's recording."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.integration.call_flow.conftest import (
    HotlineCaller,
    ended_calls,
    hotline_overrides,
    route_main_line,
)
from tests.support.server import running_server

from c122.domain.users import CONSOLE

pytestmark = pytest.mark.peers
REGION_CALLER_ID = "+74950001122"
DIALLED = "+74951112233"


async def test_the_transfer_node_dials_out_through_the_regions_trunk_with_its_caller_id(
    database_url: str, tmp_path: Path, caller: HotlineCaller, carrier: Any
) -> None:
    moscow = carrier(REGION_CALLER_ID, DIALLED)
    await moscow.start()
    federal = {"name": "federal", "host": "192.0.2.1", "caller_id": "+78001220122"}  # every other number
    overrides = {**hotline_overrides(tmp_path), "trunks": [federal, moscow.trunk("+7495")]}
    async with running_server(database_url, with_telephony=True, **overrides) as server:
        flow = {"name": "to_moscow", "entry": "out", "timezone": "Europe/Moscow",
                "nodes": {"out": {"type": "transfer", "number": DIALLED}}}  # fmt: skip
        await server.application.context.ivr_flows.create(CONSOLE, flow)
        await route_main_line(server, "to_moscow")
        await caller.call(server, "hotline_caller.xml", digits="5", listen_ms=2500, wait_ms=3000)
        code, output = await caller.finish()
        assert code == 0, output[-3000:]
        await moscow.finish()
        (record,) = await ended_calls(server)
        assert (record["status"], record["end_cause"]) == ("answered", "transferred")
        outside = [leg for leg in record["legs"] if leg["kind"] == "trunk"]
        assert [(leg["role"], leg["party"]) for leg in outside] == [("consultant", DIALLED)]
        assert outside[0]["answered_at"] is not None
        (segment,) = record["recording_segments"]
        assert [(p["role"], p["party"], p["name"]) for p in segment["parties"]] == [
            ("caller", record["caller"], None),
            ("consultant", DIALLED, None),
        ]
        assert segment["duration_s"] > 1.0, segment  # the caller listened 2.5 s
        admin = await server.signed_in("admin")
        audio = await admin.http.get(f"/api/v1/calls/{record['id']}/recording")
        assert audio.status_code == 200, audio.text
