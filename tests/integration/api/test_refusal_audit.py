"""Refusals on the call journal, single calls and export jobs answer with a code (403/404, never a
500) and leave an `access_refused` row in the audit log, like refused cards and recordings; the
download of an export's file is audited too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from tests.support.server import Desk, RunningServer

from c122.domain.users import Actor, Role
from c122.services.exports.ports import ExportColumn, ExportHeader, ExportSpec


async def _refusals(server: RunningServer, entity: str) -> list[tuple[int | None, str, Any]]:
    async with server.application.uow_factory() as uow:
        entries = await uow.audit.entries(entity)
    return [(e.actor_id, e.entity_id, e.detail) for e in reversed(entries) if e.action == "access_refused"]


async def _user_id(desk: Desk) -> int:
    return int((await desk.http.get("/api/v1/me")).json()["id"])


async def test_an_operator_asking_beyond_their_scope_is_refused_and_each_refusal_is_audited(
    server: RunningServer,
) -> None:
    reference = await server.signed_in("operator1")  # Справочная группа
    medical = await server.signed_in("operator3")  # Медицинская группа only
    other_group = (await reference.http.get("/api/v1/me")).json()["groups"][0]["id"]
    me = await _user_id(medical)

    journal = await medical.http.get("/api/v1/calls", params={"group": other_group})
    export = await medical.http.get("/api/v1/calls/export", params={"group": other_group, "format": "csv"})
    colleague_id = await _user_id(reference)
    colleague = await medical.http.get("/api/v1/calls", params={"operator": colleague_id})
    for refused in (journal, export, colleague):
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden"), refused.text
    assert await _refusals(server, "call_journal") == [
        (me, f"group:{other_group},operator:None", {"wanted": "view_journal", "code": "forbidden"}),
        (me, f"group:{other_group},operator:None", {"wanted": "export_calls", "code": "forbidden"}),
        (
            me,
            f"group:None,operator:{await _user_id(reference)}",
            {"wanted": "view_journal", "code": "forbidden"},
        ),
    ]

    call = await medical.http.get("/api/v1/calls/call-0123456789abcdef")
    assert (call.status_code, call.json()["code"]) == (404, "not_found")
    assert await _refusals(server, "call") == [
        (me, "call-0123456789abcdef", {"wanted": "view_call", "code": "not_found"})
    ]

    job = await medical.http.get("/api/v1/exports/0123456789abcdef")
    file = await medical.http.get("/api/v1/exports/0123456789abcdef/file")
    for refused in (job, file):
        assert (refused.status_code, refused.json()["code"]) == (404, "export_not_found"), refused.text
    assert await _refusals(server, "export") == [
        (me, "0123456789abcdef", {"wanted": "view_export", "code": "export_not_found"}),
        (me, "0123456789abcdef", {"wanted": "download_export", "code": "export_not_found"}),
    ]


async def test_someone_elses_export_is_refused_like_an_unknown_one_and_its_owners_download_is_audited(
    server: RunningServer,
) -> None:
    owner = await server.signed_in("operator1")
    other = await server.signed_in("operator3")
    owner_id, other_id = await _user_id(owner), await _user_id(other)
    spec = ExportSpec(
        format="csv",
        filename="calls",
        header=ExportHeader(title="Журнал звонков", lines=()),
        columns=(ExportColumn("Номер"),),
        expected_rows=1,
    )

    async def rows() -> AsyncIterator[list[list[str]]]:
        yield [["+79990001122"]]

    exports = server.application.context.exports
    job = await exports.export(
        Actor(user_id=owner_id, role=Role.OPERATOR, group_ids=frozenset()), spec, rows()
    )
    refused = await other.http.get(f"/api/v1/exports/{job.id}/file")
    assert (refused.status_code, refused.json()["code"]) == (404, "export_not_found")
    assert await _refusals(server, "export") == [
        (other_id, job.id, {"wanted": "download_export", "code": "export_not_found"})
    ]
    downloaded = await owner.http.get(f"/api/v1/exports/{job.id}/file")
    assert downloaded.status_code == 200
    assert "+79990001122" in downloaded.text
    async with server.application.uow_factory() as uow:
        entries = await uow.audit.entries("export")
    assert [(e.actor_id, e.action, e.entity_id) for e in entries if e.action == "download_export"] == [
        (owner_id, "download_export", job.id)
    ]


async def test_messages_beyond_ones_groups_or_someone_elses_are_refused_and_audited(
    server: RunningServer,
) -> None:
    reference = await server.signed_in("operator1")  # Справочная группа
    senior = await server.signed_in("senior1")
    medical = await server.signed_in("operator3")  # Медицинская группа only
    senior_id, me, reference_id = [await _user_id(d) for d in (senior, medical, reference)]
    sent = await reference.write("POST", f"/api/v1/conversations/{senior_id}", json={"text": "Вопрос"})
    assert sent.status_code == 201, sent.text

    history = await medical.http.get(f"/api/v1/conversations/{reference_id}")
    assert history.status_code in (403, 404), history.text
    assert history.json()["code"] in ("forbidden", "not_found")
    marked = await medical.write("POST", f"/api/v1/messages/{sent.json()['id']}/read")
    assert (marked.status_code, marked.json()["code"]) == (404, "not_found")  # as for no such message
    assert [(actor, detail["wanted"]) for actor, _id, detail in await _refusals(server, "conversation")] == [
        (me, "read_conversation")
    ]
    assert await _refusals(server, "message") == [
        (me, str(sent.json()["id"]), {"wanted": "read_message", "code": "not_found"})
    ]
