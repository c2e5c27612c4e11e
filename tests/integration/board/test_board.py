"""The message board over a real server on both databases: a senior pins for their groups, the
operators of those groups see it live and on the stream's snapshot, and everyone else is refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.integration.messages.test_messages import group_ids
from tests.support.server import Desk, RunningServer


async def pin(desk: Desk, text: str, groups: list[int], **extra: Any) -> Any:
    return await desk.write("POST", "/api/v1/board", json={"text": text, "group_ids": groups, **extra})


async def board_of(desk: Desk) -> list[dict[str, Any]]:
    listed = await desk.http.get("/api/v1/board")
    assert listed.status_code == 200, listed.text
    return list(listed.json())


async def test_a_notice_reaches_the_operators_of_its_group_live_changes_and_expires(
    server: RunningServer,
) -> None:
    groups = await group_ids(server)
    reference = groups["Справочная группа"]
    senior = await server.signed_in("senior1")
    operator = await server.signed_in("operator1")  # reference group
    outsider = await server.signed_in("operator3")  # medical group only
    expires = (server.clock.now() + timedelta(minutes=30)).isoformat()
    async with operator.events() as stream, outsider.events() as other:
        await stream.receive()
        ready = await other.receive()
        assert ready["snapshot"]["board"] == []
        pinned = await pin(
            senior, "  Собрание <b>в 15:00</b><script>alert(1)</script> ", [reference], expires_at=expires
        )
        assert pinned.status_code == 201, pinned.text
        notice = pinned.json()
        live = await stream.next_event("board.notice_pinned")
        assert {k: live["data"]["notice"][k] for k in ("id", "text", "group_ids")} == {
            k: notice[k] for k in ("id", "text", "group_ids")
        }
        # Stored as typed (trimmed): the desk shows it as text.
        assert notice["text"] == "Собрание <b>в 15:00</b><script>alert(1)</script>"
        assert notice["author_name"] == "Волкова Елена Андреевна"
        assert notice["group_ids"] == [reference]
        edited = await senior.write(
            "PUT",
            f"/api/v1/board/{notice['id']}",
            json={"text": "Собрание в 16:00", "group_ids": [reference]},
        )
        assert edited.status_code == 200, edited.text
        changed = await stream.next_event("board.notice_pinned")
        assert changed["data"]["notice"]["text"] == "Собрание в 16:00"
        assert changed["data"]["notice"]["expires_at"] is None  # the edit took the expiry away
        # The medical group's operator heard nothing of it.
        assert [n["id"] for n in await board_of(outsider)] == []
    assert [n["text"] for n in await board_of(operator)] == ["Собрание в 16:00"]
    # A fresh stream carries the board whole, so a reconnect loses nothing.
    async with operator.events() as stream:
        ready = await stream.receive()
        assert [n["id"] for n in ready["snapshot"]["board"]] == [notice["id"]]
        soon = (server.clock.now() + timedelta(minutes=5)).isoformat()
        short = await pin(senior, "До обеда", [reference], expires_at=soon)
        assert short.status_code == 201, short.text
        await stream.next_event("board.notice_pinned")
        server.clock.advance(5 * 60 + 1)
        assert [n["text"] for n in await board_of(operator)] == ["Собрание в 16:00"]  # expired: not listed
        await server.application.context.board.expire_due()
        expired = await stream.next_event("board.notice_removed")
        assert expired["data"] == {"id": short.json()["id"], "reason": "expired"}
        unpinned = await senior.write("DELETE", f"/api/v1/board/{notice['id']}")
        assert unpinned.status_code == 204
        removed = await stream.next_event("board.notice_removed")
        assert removed["data"] == {"id": notice["id"], "reason": "unpinned"}
    assert await board_of(operator) == []
    assert (await senior.write("DELETE", f"/api/v1/board/{notice['id']}")).status_code == 404


async def test_only_a_senior_of_the_groups_pins_edits_and_unpins(server: RunningServer) -> None:
    groups = await group_ids(server)
    reference, vaccination = groups["Справочная группа"], groups["Группа вакцинации"]
    admin = await server.signed_in("admin")
    created = await admin.write(
        "POST",
        "/api/v1/admin/users",
        json={
            "login": "senior_vac",
            "full_name": "Орлова Нина Петровна",
            "role": "senior",
            "password": "long-enough-pass",
            "group_ids": [vaccination],
        },
    )
    assert created.status_code == 201, created.text
    other_senior = await server.signed_in("senior_vac", "long-enough-pass")
    senior = await server.signed_in("senior1")
    operator = await server.signed_in("operator1")
    # An operator cannot pin, not even for their own group.
    refused = await pin(operator, "Сообщение", [reference])
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "forbidden"
    # A senior pins for their own groups only.
    assert (await pin(senior, "Чужой группе", [vaccination])).status_code == 403
    assert (await pin(senior, "Смешанное", [reference, vaccination])).status_code == 403
    notice = (await pin(senior, "Справочной группе", [reference])).json()
    # The vaccination group's senior neither sees nor changes the reference group's notice.
    assert await board_of(other_senior) == []
    change = {"text": "Переписано", "group_ids": [vaccination]}
    assert (await other_senior.write("PUT", f"/api/v1/board/{notice['id']}", json=change)).status_code == 403
    assert (await other_senior.write("DELETE", f"/api/v1/board/{notice['id']}")).status_code == 403
    assert (await operator.write("DELETE", f"/api/v1/board/{notice['id']}")).status_code == 403
    assert [n["text"] for n in await board_of(operator)] == ["Справочной группе"]
    # The administrator sees every group's notices.
    assert [n["id"] for n in await board_of(admin)] == [notice["id"]]
    # Every change is audited.
    trail = (await admin.http.get("/api/v1/admin/audit", params={"entity": "board_notice"})).json()
    assert any(row["action"] == "pin" and row["entity_id"] == str(notice["id"]) for row in trail["items"])


async def test_bad_notices_are_refused_with_the_limit(server: RunningServer) -> None:
    groups = await group_ids(server)
    reference = groups["Справочная группа"]
    senior = await server.signed_in("senior1")
    for text in ("", "   ", "я" * 100_000):
        refused = await pin(senior, text, [reference])
        assert refused.status_code == 422, refused.text
        assert refused.json()["fields"][0]["path"] == "text"
    assert "2000" in (await pin(senior, "я" * 2001, [reference])).json()["fields"][0]["message"]
    assert (await pin(senior, "Без групп", [])).status_code == 422
    past = (server.clock.now() - timedelta(minutes=1)).isoformat()
    late = await pin(senior, "Просрочено", [reference], expires_at=past)
    assert late.status_code == 422
    assert late.json()["fields"][0]["path"] == "expires_at"
    far = (server.clock.now() + timedelta(days=91)).isoformat()
    assert (await pin(senior, "Надолго", [reference], expires_at=far)).json()["fields"][0][
        "code"
    ] == "too_far"
    naive = (await pin(senior, "Без пояса", [reference], expires_at="2030-01-01T10:00:00")).status_code
    assert naive == 422
    for n in range(20):
        assert (await pin(senior, f"Объявление {n}", [reference])).status_code == 201
    full = await pin(senior, "Двадцать первое", [reference])
    assert full.status_code == 422
    assert full.json()["fields"][0]["code"] == "board_full"
    assert (
        await senior.write("PUT", "/api/v1/board/999999", json={"text": "x", "group_ids": [reference]})
    ).status_code == 404


async def test_a_group_that_does_not_exist_is_refused_not_stored(server: RunningServer) -> None:
    """An administrator may pin for any group, so an id may name none: 422, never a server error."""
    admin = await server.signed_in("admin")
    reference = (await group_ids(server))["Справочная группа"]
    refused = await pin(admin, "Никому", [reference, 999_999])
    assert refused.status_code == 422, refused.text
    assert (refused.json()["fields"][0]["path"], refused.json()["fields"][0]["code"]) == (
        "group_ids",
        "unknown_group",
    )
    pinned = await pin(admin, "Справочной", [reference])
    assert pinned.status_code == 201, pinned.text
    moved = await admin.write(
        "PUT", f"/api/v1/board/{pinned.json()['id']}", json={"text": "x", "group_ids": [999_999]}
    )
    assert moved.status_code == 422, moved.text
    assert [n["text"] for n in await board_of(admin)] == ["Справочной"]
