"""A group's record_video setting (issue 23): off by default, changed by the admin with the change
audited (what it was and became), a value that is not a boolean refused with the field named and
nothing changed; what the call flow asks (`VideoRecordingPolicy.records`, the application's own, which
keeps its answers) follows the group at once, both ways. Reading a leg's video of a call that is not
there is refused and the refusal audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.support.server import RunningServer, running_server

from c122.services.organisation.video_recording import VideoRecordingPolicy


@pytest.fixture
async def server(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(database_url, data_dir=tmp_path) as running:
        yield running


async def test_recording_video_is_a_group_setting_off_by_default_and_audited(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    (user,) = (await admin.http.get("/api/v1/admin/users", params={"q": "operator1"})).json()["items"]
    group = min(user["group_ids"])
    policy = server.application.video_policy
    assert isinstance(policy, VideoRecordingPolicy)
    assert (await admin.http.get(f"/api/v1/admin/groups/{group}")).json()["record_video"] is False
    assert await policy.records(group) is False

    for bad in ("yes", 1, None, "true"):
        refused = await admin.write("PATCH", f"/api/v1/admin/groups/{group}", json={"record_video": bad})
        assert refused.status_code == 422, (bad, refused.text)
        assert "record_video" in refused.text
    assert (await admin.http.get(f"/api/v1/admin/groups/{group}")).json()["record_video"] is False

    changed = await admin.write("PATCH", f"/api/v1/admin/groups/{group}", json={"record_video": True})
    assert (changed.status_code, changed.json()["record_video"]) == (200, True)
    assert await policy.records(group) is True
    assert await policy.records(999_999) is False  # no such group: nothing recorded
    assert await VideoRecordingPolicy(server.application.uow_factory).records(group) is True
    back = await admin.write("PATCH", f"/api/v1/admin/groups/{group}", json={"record_video": False})
    assert back.status_code == 200, back.text
    assert await policy.records(group) is False
    again = await admin.write("PATCH", f"/api/v1/admin/groups/{group}", json={"record_video": True})
    assert again.status_code == 200, again.text
    # The camera setting beside it is untouched.
    assert changed.json()["operator_camera"] is False

    async with server.application.uow_factory() as uow:
        changes = await uow.audit.entries("group")
    assert [e.detail for e in changes if e.action == "update"] == [
        {"fields": ["record_video"], "changes": {"record_video": {"from": False, "to": True}}},
        {"fields": ["record_video"], "changes": {"record_video": {"from": True, "to": False}}},
        {"fields": ["record_video"], "changes": {"record_video": {"from": False, "to": True}}},
    ]

    missing = await admin.http.get("/api/v1/calls/no-such-call/legs/ch-1/video")
    assert missing.status_code == 404, missing.text
    async with server.application.uow_factory() as uow:
        refusals = [e for e in await uow.audit.entries("call") if e.entity_id == "no-such-call"]
    assert [(e.action, e.detail["wanted"]) for e in refusals] == [("access_refused", "view_video")]
    await admin.http.aclose()
