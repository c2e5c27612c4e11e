"""A group's operator_camera setting (TEL-25): off by default, changed by the admin with the change
audited (what it was and became), a value that is not a boolean refused with the field named and
nothing changed; what the media side asks (`OperatorCamera.allowed`) follows the operator's home group."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.support.server import RunningServer, running_server

from c122.services.organisation.operator_camera import OperatorCamera


@pytest.fixture
async def server(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(database_url, data_dir=tmp_path) as running:
        yield running


async def test_the_operator_camera_is_a_group_setting_off_by_default_and_audited(
    server: RunningServer,
) -> None:
    admin = await server.signed_in("admin")
    (user,) = (await admin.http.get("/api/v1/admin/users", params={"q": "operator1"})).json()["items"]
    group = min(user["group_ids"])
    policy = OperatorCamera(server.application.uow_factory)
    assert (await admin.http.get(f"/api/v1/admin/groups/{group}")).json()["operator_camera"] is False
    assert await policy.allowed(user["id"]) is False

    for bad in ("yes", 2, None):
        refused = await admin.write("PATCH", f"/api/v1/admin/groups/{group}", json={"operator_camera": bad})
        assert refused.status_code == 422, (bad, refused.text)
        assert "operator_camera" in refused.text
    assert (await admin.http.get(f"/api/v1/admin/groups/{group}")).json()["operator_camera"] is False

    changed = await admin.write("PATCH", f"/api/v1/admin/groups/{group}", json={"operator_camera": True})
    assert (changed.status_code, changed.json()["operator_camera"]) == (200, True)
    assert await policy.allowed(user["id"]) is True
    assert await policy.allowed(999_999) is False  # no such user: no camera

    async with server.application.uow_factory() as uow:
        changes = await uow.audit.entries("group")
    assert [e.detail for e in changes if e.action == "update"] == [
        {"fields": ["operator_camera"], "changes": {"operator_camera": {"from": False, "to": True}}}
    ]
    await admin.http.aclose()
