"""Scheduled reports e-mailed through a real SMTP server (aiosmtpd, started by the test on loopback), on
SQLite and PostgreSQL: the message and its attachments read back, a refusing server retried with
back-off and its failure shown on the report, and a schedule saved without a mail server saying why."""

from __future__ import annotations

import csv
import email
import email.policy
import io
from collections.abc import Iterator
from email.message import Message
from typing import Any

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.integration.reports.test_reports import _seed, definition
from tests.support.fuzz import free_port
from tests.support.server import RunningServer, running_server


class Mailbox:
    """An SMTP server's handler: keeps each accepted message, or refuses them all while `refusing`."""

    def __init__(self) -> None:
        self.messages: list[tuple[Envelope, Message]] = []
        self.refusing = False
        self.refused = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refusing:
            self.refused += 1
            return "554 5.7.1 Relay denied by policy"
        content = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        self.messages.append((envelope, email.message_from_bytes(content, policy=email.policy.default)))
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


SATURDAY_1230 = {"frequency": "weekly", "weekday": 5, "time": "12:30"}
"""The test clock starts on Saturday 12 September 2026, 12:00 in Moscow: the send is half an hour on,
and reports on 5–11 September, the seeded days among them."""


def saved(**schedule: Any) -> dict[str, Any]:
    return {
        "name": "Поступило по группам",
        "definition": definition(measures=["offered", "answered"]),
        "schedule": {
            **SATURDAY_1230,
            "recipients": ["head@122.example.ru", "deputy@122.example.ru"],
            "formats": ["csv", "xlsx", "pdf"],
            **schedule,
        },
    }


async def _sent_report(server: RunningServer, body: dict[str, Any]) -> dict[str, Any]:
    admin = await server.signed_in("admin")
    response = await admin.write("POST", "/api/v1/reports/saved", json=body)
    assert response.status_code == 201, response.text
    report: dict[str, Any] = response.json()
    return report


async def _status(server: RunningServer, report_id: int) -> dict[str, Any]:
    admin = await server.signed_in("admin")
    response = await admin.http.get(f"/api/v1/reports/saved/{report_id}")
    status: dict[str, Any] = response.json()["schedule_status"]
    return status


def _attachments(message: Message) -> dict[str, bytes]:
    found = {}
    for part in message.walk():
        if part.get_filename():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found[part.get_filename().rsplit(".", 1)[1]] = payload  # type: ignore[union-attr]
    return found


async def test_a_due_report_is_mailed_with_its_attachments(
    database_url: str, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    smtp = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_from": "c122@122.example.ru"}
    async with running_server(database_url, smtp_starttls=False, **smtp) as server:
        await _seed(server)
        report = await _sent_report(server, saved())
        assert report["schedule_status"]["state"] == "pending"
        assert report["schedule_status"]["next_at"] == "2026-09-12T09:30:00Z"
        schedules = server.application.context.report_schedules
        assert await schedules.run_due() == 0  # not yet due
        server.clock.advance(31 * 60)
        assert await schedules.run_due() == 1
        assert await schedules.run_due() == 0  # sent once, next week's is not due

    envelope, message = box.messages[0]
    assert envelope.rcpt_tos == ["head@122.example.ru", "deputy@122.example.ru"]
    assert envelope.mail_from == "c122@122.example.ru"
    assert message["Subject"] == "Отчёт «Поступило по группам» за 05.09.2026 – 11.09.2026"
    files = _attachments(message)
    assert set(files) == {"csv", "xlsx", "pdf"}
    rows = list(csv.reader(io.StringIO(files["csv"].decode("utf-8-sig")), delimiter=";"))
    assert rows[1] == ["Период: 05.09.2026 – 11.09.2026 (Europe/Moscow)"]
    table = {row[0]: row[1:] for row in rows[4:]}  # under the title, the period, the time and the header
    assert table == {
        "Справочная группа": ["4", "2"],
        "Медицинская группа": ["2", "2"],
        "Группа вакцинации": ["1", "1"],
    }
    sheet = openpyxl.load_workbook(io.BytesIO(files["xlsx"])).active
    assert sheet is not None
    assert any(row[0] == "Справочная группа" and row[1] == 4 for row in sheet.iter_rows(values_only=True))
    assert files["pdf"].startswith(b"%PDF")

    assert len(box.messages) == 1


async def test_a_refusing_server_is_retried_with_back_off_and_the_failure_shows(
    database_url: str, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    box.refusing = True
    smtp = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_from": "c122@122.example.ru"}
    async with running_server(database_url, smtp_starttls=False, **smtp) as server:
        await _seed(server)
        report = await _sent_report(server, saved(formats=["csv"]))
        schedules = server.application.context.report_schedules
        server.clock.advance(31 * 60)
        await schedules.run_due()
        status = await _status(server, report["id"])
        assert (status["state"], status["attempts"]) == ("retrying", 1)
        assert "554 5.7.1 Relay denied" in status["error"]
        assert status["next_at"] == "2026-09-12T09:32:00Z"  # a minute after the attempt
        server.clock.advance(30)
        assert await schedules.run_due() == 0  # the pause is kept
        server.clock.advance(31)
        await schedules.run_due()
        status = await _status(server, report["id"])
        assert (status["state"], status["attempts"], status["next_at"]) == (
            "retrying",
            2,
            "2026-09-12T09:34:01Z",  # two minutes after the second attempt
        )
        box.refusing = False
        server.clock.advance(121)
        await schedules.run_due()
        status = await _status(server, report["id"])
        assert (status["state"], status["attempts"], status["error"]) == ("sent", 0, None)
        assert status["next_at"] == "2026-09-19T09:30:00Z"
    assert (box.refused, len(box.messages)) == (2, 1)


async def test_an_unreachable_server_fails_visibly(database_url: str) -> None:
    port = free_port()  # nobody listens there
    smtp = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_from": "c122@122.example.ru"}
    async with running_server(database_url, smtp_starttls=False, smtp_timeout_seconds=2, **smtp) as server:
        report = await _sent_report(server, saved(formats=["csv"]))
        server.clock.advance(31 * 60)
        await server.application.context.report_schedules.run_due()
        status = await _status(server, report["id"])
        assert status["state"] == "retrying"
        assert status["error"].startswith("почтовый сервер недоступен: ConnectionRefusedError")


async def test_without_a_mail_server_the_schedule_saves_and_says_why(server: RunningServer) -> None:
    report = await _sent_report(server, saved())
    assert report["schedule"]["recipients"] == ["head@122.example.ru", "deputy@122.example.ru"]
    status = report["schedule_status"]
    assert status["state"] == "not_configured"
    assert "smtp_host" in status["error"]
    server.clock.advance(31 * 60)
    assert await server.application.context.report_schedules.run_due() == 0


async def test_bad_schedules_are_refused_naming_the_field_and_removing_one_stops_it(
    server: RunningServer,
) -> None:
    admin = await server.signed_in("admin")
    bad = await admin.write(
        "POST",
        "/api/v1/reports/saved",
        json=saved(frequency="hourly", recipients=["boss"], formats=[]),
    )
    assert bad.status_code == 422
    assert {f["path"] for f in bad.json()["fields"]} == {
        "schedule.frequency",
        "schedule.recipients[0]",
        "schedule.formats",
    }
    assert (await admin.http.get("/api/v1/reports/saved")).json() == []  # nothing stored
    report = await _sent_report(server, saved())
    body = {k: v for k, v in saved().items() if k != "schedule"}
    unscheduled = await admin.write("PUT", f"/api/v1/reports/saved/{report['id']}", json=body)
    assert unscheduled.status_code == 200
    assert (unscheduled.json()["schedule"], unscheduled.json()["schedule_status"]) == (None, None)
