"""The call journal's filters of issue 17 (call type, case source, applicant by number or name), its
keyset paging, each call's cases and operators, and its exports opened back (openpyxl, pdftotext, csv),
on SQLite and PostgreSQL through the real server."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from tests.integration.api.test_calls import MAIN_LINE, _answered, _ids, _leg, _seed
from tests.support.server import Desk, RunningServer, running_server

from c122.domain.calls import CallRecord
from c122.domain.calls.origin import CallOrigin
from c122.domain.cases import CaseSource


@pytest.fixture
async def journal(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(database_url, data_dir=tmp_path) as running:
        yield running


async def _type_id(server: RunningServer, code: str) -> int:
    async with server.application.uow_factory() as uow:
        case_type = await uow.case_types.find({"code": code})
    assert case_type is not None
    return case_type.id


async def _with_cases(server: RunningServer, tmp_path: Path) -> dict[str, int]:
    """The six calls of the journal's tests; the info call gets a PSTN case of an applicant named
    Лебедев, the medical one a mobile-app case."""
    ids = await _seed(server, tmp_path / "recordings")
    cards = server.application.context.cases.cards
    info_type = await _type_id(server, "info")
    first = await cards.create_case_for_call(
        caller="+79161234567", type_id=info_type, call_id="info-answered", group_id=ids["info"]
    )
    assert first.applicant_id is not None
    async with server.application.uow_factory() as uow:
        stored = await uow.cases.get_applicant(first.applicant_id)
        assert stored is not None
        renamed = replace(stored.data, last_name="Лебедев")
        assert await uow.cases.save_applicant(stored, renamed, server.clock.now()) is not None
        await uow.commit()
    await cards.create_case_for_call(
        caller="+79161230000",
        type_id=info_type,
        call_id="medical-answered",
        group_id=ids["medical"],
        origin=CallOrigin(CaseSource.MOBILE_APP),
    )
    ids["info_type"] = info_type
    return ids


async def _listed(desk: Desk, **params: Any) -> list[str]:
    response = await desk.http.get("/api/v1/calls", params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_filters_combine_and_rows_carry_their_cases_and_operators(
    journal: RunningServer, tmp_path: Path
) -> None:
    ids = await _with_cases(journal, tmp_path)
    admin = await journal.signed_in("admin")
    assert await _listed(admin, source="mobile_app") == ["medical-answered"]
    assert await _listed(admin, source="pstn") == ["info-answered"]
    # A number in any usual spelling: the caller of inbound calls, newest first.
    assert await _listed(admin, applicant="8 (916) 123-45-67") == [
        "medical-answered",
        "info-answered",
        "vaccination-answered",
    ]
    assert await _listed(admin, applicant="+74951234567") == ["outbound-failed"]  # the called party
    assert await _listed(admin, applicant="лебед") == ["info-answered"]
    assert await _listed(admin, applicant="лебед", status="missed") == []
    assert await _listed(admin, applicant="+79161234567", group=ids["info"], direction="inbound") == [
        "info-answered"
    ]

    page = (await admin.http.get("/api/v1/calls", params={"source": "mobile_app"})).json()
    row = page["items"][0]
    assert [c["source"] for c in row["cases"]] == ["mobile_app"]
    assert row["cases"][0]["name"]
    names = {}
    async with journal.application.uow_factory() as uow:
        for login in ("operator3", "operator4"):
            user = await uow.users.find({"login": login})
            assert user is not None
            names[login] = user.full_name
    assert row["participants"] == [names["operator3"], names["operator4"]]  # operator, then the consultant
    info = (await admin.http.get("/api/v1/calls/info-answered")).json()
    assert info["cases"][0]["applicant"].startswith("Лебедев")

    # An operator sees only their own calls, whatever the filters.
    operator3 = await journal.signed_in("operator3")
    assert await _listed(operator3, source="pstn") == []
    assert await _listed(operator3, source="mobile_app") == ["medical-answered"]


async def test_keyset_pages_follow_each_other_without_gaps_or_repeats(journal: RunningServer) -> None:
    ids = await _ids(journal)
    start = journal.clock.now() - timedelta(hours=5)
    calls = journal.application.context.calls
    for n in range(7):
        # Two calls share each start time: the id breaks the tie.
        moment = start + timedelta(minutes=n // 2)
        await calls.save(
            _answered(f"k{n}", moment, group=ids["info"], queue=ids["info_queue"], operator=ids["operator1"])
        )
    admin = await journal.signed_in("admin")
    seen: list[str] = []
    after: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if after is not None:
            params["after"] = after
        page = (await admin.http.get("/api/v1/calls", params=params)).json()
        seen += [item["id"] for item in page["items"]]
        after = page["next"]
        if after is None:
            break
    assert seen == ["k6", "k5", "k4", "k3", "k2", "k1", "k0"]
    broken = await admin.http.get("/api/v1/calls", params={"after": "garbage"})
    assert broken.status_code == 422
    assert broken.json()["fields"][0]["path"] == "query.after"


async def test_bad_filters_are_refused_naming_each(journal: RunningServer) -> None:
    admin = await journal.signed_in("admin")
    response = await admin.http.get(
        "/api/v1/calls",
        params={"from": "2025-01-01", "to": "2026-09-12", "source": "fax", "applicant": "x", "case_type": 0},
    )
    assert response.status_code == 422
    fields = {f["path"]: f["code"] for f in response.json()["fields"]}
    assert fields == {
        "query.to": "range_too_long",
        "query.source": "invalid_choice",
        "query.applicant": "too_short",
        "query.case_type": "invalid_id",
    }
    bad_format = await admin.http.get("/api/v1/calls/export", params={"format": "doc"})
    assert (bad_format.status_code, bad_format.json()["fields"][0]["path"]) == (422, "query.format")


async def test_exports_hold_exactly_the_filtered_calls_and_are_audited(
    journal: RunningServer, tmp_path: Path
) -> None:
    ids = await _with_cases(journal, tmp_path)
    admin = await journal.signed_in("admin")
    wanted = {"group": ids["info"]}
    listed = await _listed(admin, **wanted)
    assert len(listed) == 3

    as_csv = await admin.http.get("/api/v1/calls/export", params={**wanted, "format": "csv"})
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Cyrillic
    lines = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == ["Журнал звонков"]
    assert lines[1][0].startswith("Фильтры: группа: Справочная группа")
    assert lines[2][0].startswith("Выгрузил: ")
    assert lines[3][:3] == ["Начало", "Направление", "Статус"]
    body = lines[4:]
    assert len(body) == len(listed)
    assert [row[2] for row in body] == ["идёт", "пропущенный", "принятый"]
    assert "Лебедев" in body[2][4]

    as_xlsx = await admin.http.get("/api/v1/calls/export", params={**wanted, "format": "xlsx"})
    assert as_xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content), read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Журнал звонков"
    assert rows[3][0] == "Начало"
    assert len(rows[4:]) == len(listed)
    assert rows[6][3] == "+79161234567"

    as_pdf = await admin.http.get("/api/v1/calls/export", params={**wanted, "format": "pdf"})
    assert as_pdf.status_code == 200
    assert as_pdf.content.startswith(b"%PDF")
    pdf_path = tmp_path / "journal.pdf"
    pdf_path.write_bytes(as_pdf.content)
    pdftotext = await asyncio.create_subprocess_exec(
        "pdftotext", "-layout", str(pdf_path), "-", stdout=asyncio.subprocess.PIPE
    )
    text = (await pdftotext.communicate())[0].decode()
    assert "Журнал звонков" in text
    assert "Справочная группа" in text
    assert text.count("+79161234567") == 1
    assert text.count("пропущенный") == 1

    # Nothing matches: a valid file with its header and no rows.
    empty = await admin.http.get("/api/v1/calls/export", params={"status": "failed", "group": ids["info"]})
    assert empty.status_code == 200
    empty_rows = list(openpyxl.load_workbook(io.BytesIO(empty.content), read_only=True).active.iter_rows())  # type: ignore[union-attr]
    assert len(empty_rows) == 4

    # An operator exports only their own calls; another group is refused as in the list.
    operator1 = await journal.signed_in("operator1")
    own = await operator1.http.get("/api/v1/calls/export", params={"format": "csv"})
    own_rows = list(csv.reader(io.StringIO(own.content.decode("utf-8-sig")), delimiter=";"))[4:]
    assert len(own_rows) == len(await _listed(operator1))
    refused = await operator1.http.get("/api/v1/calls/export", params={"group": ids["medical"]})
    assert refused.status_code == 403

    async with journal.application.uow_factory() as uow:
        entries = await uow.audit.entries("call_journal")
    assert [(e.action, e.entity_id) for e in reversed(entries)] == [
        ("export_calls", "csv"),
        ("export_calls", "xlsx"),
        ("export_calls", "pdf"),
        ("export_calls", "xlsx"),
        ("export_calls", "csv"),
        ("access_refused", f"group:{ids['medical']},operator:None"),  # the refused export
    ]
    assert entries[-1].detail == {"format": "csv", "rows": 3, "filters": {"group_id": ids["info"]}}


async def test_a_pdf_of_too_many_calls_is_refused_suggesting_xlsx(journal: RunningServer) -> None:
    ids = await _ids(journal)
    start = journal.clock.now() - timedelta(days=2)
    base = CallRecord(
        id="m",
        direction="inbound",
        status="missed",
        line_number=MAIN_LINE,
        caller="+79031112233",
        called=MAIN_LINE,
        group_id=ids["info"],
        started_at=start,
        ended_at=start + timedelta(seconds=30),
        legs=(_leg("m-a", "caller", "+79031112233", start),),
    )
    async with journal.application.uow_factory() as uow:
        for n in range(5_001):
            await uow.calls.save(replace(base, id=f"m{n}", legs=()), ZoneInfo("Europe/Moscow"))
        await uow.commit()
    admin = await journal.signed_in("admin")
    response = await admin.http.get("/api/v1/calls/export", params={"format": "pdf"})
    assert response.status_code == 422
    problem = response.json()["fields"][0]
    assert problem["code"] == "too_many_rows_for_pdf"
    assert ".xlsx" in problem["message"]


async def test_the_filters_offer_only_what_the_viewer_may_see(journal: RunningServer) -> None:
    ids = await _ids(journal)
    admin = (await (await journal.signed_in("admin")).http.get("/api/v1/calls/filters")).json()
    senior = (await (await journal.signed_in("senior1")).http.get("/api/v1/calls/filters")).json()
    operator = (await (await journal.signed_in("operator1")).http.get("/api/v1/calls/filters")).json()
    assert {g["id"] for g in senior["groups"]} == {ids["info"], ids["medical"]}
    assert ids["vaccination"] in {g["id"] for g in admin["groups"]}
    assert operator["groups"] == []
    assert [o["id"] for o in operator["operators"]] == [ids["operator1"]]
    assert ids["operator5"] not in {o["id"] for o in senior["operators"]}  # the vaccination group's
    assert ids["operator5"] in {o["id"] for o in admin["operators"]}
    assert MAIN_LINE in {line["number"] for line in operator["lines"]}
    assert operator["case_types"] == admin["case_types"] != []


async def test_the_filters_follow_a_case_or_a_call_changed_after_they_were_linked(
    journal: RunningServer, tmp_path: Path
) -> None:
    """The legs and the links to cases carry copies of the call's (and the case's) filtered columns
    (migration 0061): a record written again with another group or another leg, a case opened before
    its call's record is written, its applicant renamed: the filters answer as from the originals."""
    ids = await _with_cases(journal, tmp_path)
    admin = await journal.signed_in("admin")
    calls = journal.application.context.calls
    async with journal.application.uow_factory() as uow:
        found = await uow.calls.get("info-answered")
    assert found is not None
    assert await _listed(admin, source="pstn", applicant="лебед") == ["info-answered"]

    record = replace(found.record, group_id=ids["medical"])
    await calls.save(record)
    assert await _listed(admin, source="pstn", group=ids["medical"]) == ["info-answered"]
    assert await _listed(admin, applicant="лебед", group=ids["info"]) == []
    senior = await journal.signed_in("senior1")
    assert await _listed(senior, source="pstn", group=ids["medical"]) == ["info-answered"]

    operator2 = await journal.signed_in("operator2")
    assert await _listed(operator2, direction="inbound") == []
    consulted = _leg("info-answered-c", "consultant", str(ids["operator2"]), record.started_at)
    await calls.save(replace(record, legs=(*record.legs, consulted)))
    assert await _listed(operator2, direction="inbound") == ["info-answered"]
    assert await _listed(operator2, direction="inbound", status="missed") == []
    assert await _listed(operator2, source="pstn") == ["info-answered"]
    assert await _listed(operator2, applicant="лебед") == ["info-answered"]
    assert await _listed(operator2, source="pstn", group=ids["info"]) == []

    cards = journal.application.context.cases.cards
    later = await cards.create_case_for_call(
        caller="+79161239999", type_id=ids["info_type"], call_id="later", group_id=ids["info"]
    )
    assert await _listed(admin, source="pstn") == ["info-answered"]  # no record yet: nothing to show
    record = _answered(
        "later", journal.clock.now(), group=ids["info"], queue=ids["info_queue"], operator=ids["operator2"]
    )
    await calls.save(record)
    assert await _listed(admin, source="pstn") == ["later", "info-answered"]
    assert await _listed(admin, source="pstn", group=ids["info"], status="answered") == ["later"]
    assert await _listed(operator2, source="pstn") == ["later", "info-answered"]

    assert later.applicant_id is not None
    async with journal.application.uow_factory() as uow:
        stored = await uow.cases.get_applicant(later.applicant_id)
        assert stored is not None
        renamed = replace(stored.data, last_name="Ястребов")
        assert await uow.cases.save_applicant(stored, renamed, journal.clock.now()) is not None
        await uow.commit()
    assert await _listed(operator2, applicant="ястреб") == ["later"]
    assert await _listed(admin, applicant="ястреб", source="pstn", direction="inbound") == ["later"]
