"""Routing rules over the admin API (TEL-04), on both databases: rules per line in order, the number
lists they name, the production calendar's import, the rule tester; bad input refused with the reason
and nothing stored; a queue or flow a rule uses cannot be deleted; every change audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.server import Desk, RunningServer, running_server

RULES = "/api/v1/admin/routing/rules"
LISTS = "/api/v1/admin/routing/lists"
CALENDAR = "/api/v1/admin/routing/calendar"
TEST = "/api/v1/admin/routing/test"


@pytest.fixture
async def server(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(database_url, data_dir=tmp_path) as running:
        yield running


async def _ids(admin: Desk, collection: str) -> list[int]:
    return [int(item["id"]) for item in (await admin.http.get(f"/api/v1/admin/{collection}")).json()["items"]]


def rule(line_id: int, name: str, action: dict[str, Any], **conditions: Any) -> dict[str, Any]:
    return {"line_id": line_id, "name": name, "conditions": conditions, "action": action}


async def test_rules_in_order_the_tester_shows_the_winner_and_the_losers(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    line_id = (await _ids(admin, "lines"))[0]
    first_queue, second_queue = (await _ids(admin, "queues"))[:2]
    vip = await admin.write(
        "POST", LISTS, json={"name": "VIP", "kind": "vip", "numbers": ["8 916 123-45-67"]}
    )
    assert vip.status_code == 201, vip.text
    assert vip.json()["numbers"] == ["+79161234567"]

    by_pattern = await admin.write(
        "POST",
        RULES,
        json=rule(line_id, "Москва", {"kind": "queue", "queue_id": first_queue}, patterns=["8916*"]),
    )
    assert by_pattern.status_code == 201, by_pattern.text
    assert (by_pattern.json()["conditions"]["patterns"], by_pattern.json()["stage"]) == (
        ["+7916*"],
        "arrival",
    )
    by_list = await admin.write(
        "POST",
        RULES,
        json=rule(
            line_id,
            "VIP",
            {"kind": "queue", "queue_id": second_queue, "priority": 9},
            lists=[vip.json()["id"]],
        ),
    )
    assert by_list.status_code == 201, by_list.text
    on_holidays = await admin.write(
        "POST",
        RULES,
        json=rule(line_id, "Праздники", {"kind": "priority", "priority": 5}, day_kinds=["holiday"]),
    )
    assert on_holidays.status_code == 201, on_holidays.text

    # The VIP caller matches both number rules: the first in the order wins, the other is shown losing.
    tested = await admin.write(
        "POST", TEST, json={"line_id": line_id, "caller": "89161234567", "at": "2026-03-10T10:00:00"}
    )
    assert tested.status_code == 200, tested.text
    body = tested.json()
    assert body["winner"]["name"] == "Москва"
    assert [r["name"] for r in body["also_matched"]] == ["VIP"]
    assert (body["caller"], body["day_kinds"], body["lists"]) == (
        "+79161234567",
        ["working"],
        [vip.json()["id"]],
    )
    assert body["local_time"].startswith("2026-03-10T10:00:00+03:00")  # the hotline's zone, Moscow

    # Reordered: the list rule now comes first. On 1 January (the shipped calendar) the holiday rule
    # matches too and loses.
    order = [by_list.json()["id"], by_pattern.json()["id"], on_holidays.json()["id"]]
    reordered = await admin.write(
        "PUT", f"/api/v1/admin/routing/lines/{line_id}/order", json={"rule_ids": order}
    )
    assert reordered.status_code == 200, reordered.text
    tested = await admin.write(
        "POST", TEST, json={"line_id": line_id, "caller": "+79161234567", "at": "2026-01-01T12:00:00+03:00"}
    )
    body = tested.json()
    assert body["winner"]["name"] == "VIP"
    assert [r["name"] for r in body["also_matched"]] == ["Москва", "Праздники"]
    assert "holiday" in body["day_kinds"]

    # Another number on an ordinary day: no rule, the line's flow decides.
    nobody = await admin.write(
        "POST", TEST, json={"line_id": line_id, "caller": "+74951234567", "at": "2026-03-10T10:00:00"}
    )
    assert (nobody.json()["winner"], nobody.json()["also_matched"]) == (None, [])

    # Every change is in the audit trail.
    trail = (await admin.http.get("/api/v1/admin/audit", params={"entity": "routing_rule"})).json()["items"]
    assert sorted(entry["action"] for entry in trail) == ["create", "create", "create", "reorder"]


async def test_bad_rules_are_refused_with_the_reason_and_nothing_is_stored(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    line_id = (await _ids(admin, "lines"))[0]
    queue_id = (await _ids(admin, "queues"))[0]

    bad_pattern = await admin.write(
        "POST",
        RULES,
        json=rule(line_id, "Плохой", {"kind": "queue", "queue_id": queue_id}, patterns=["+7916[0-9]"]),
    )
    assert bad_pattern.status_code == 422, bad_pattern.text
    (problem,) = bad_pattern.json()["fields"]
    assert (problem["path"], problem["code"]) == ("conditions.patterns.0", "invalid_pattern")

    unknown_queue = await admin.write(
        "POST", RULES, json=rule(line_id, "Нет очереди", {"kind": "queue", "queue_id": 99999})
    )
    assert unknown_queue.status_code == 422, unknown_queue.text
    assert unknown_queue.json()["fields"][0]["code"] == "unknown_queue"
    assert "99999" in unknown_queue.json()["fields"][0]["message"]

    unknown_flow = await admin.write(
        "POST", RULES, json=rule(line_id, "Нет меню", {"kind": "flow", "flow": "нет такого"})
    )
    assert unknown_flow.status_code == 422
    assert unknown_flow.json()["fields"][0]["code"] == "unknown_flow"

    no_priority = await admin.write("POST", RULES, json=rule(line_id, "Без приоритета", {"kind": "priority"}))
    assert no_priority.status_code == 422
    assert no_priority.json()["fields"][0]["path"] == "action.priority"

    bad_hours = await admin.write(
        "POST",
        RULES,
        json=rule(line_id, "Часы", {"kind": "refuse"}, hours={"start": "25:00", "end": "08:00"}),
    )
    assert bad_hours.status_code == 422

    # Overlapping: a rule identical to an earlier one could never apply (409 naming the earlier one);
    # a rule that overlaps only in part is kept, and the tester says which wins.
    first = await admin.write(
        "POST", RULES, json=rule(line_id, "Спам", {"kind": "refuse"}, patterns=["+7900*"])
    )
    assert first.status_code == 201, first.text
    same = await admin.write(
        "POST", RULES, json=rule(line_id, "Спам 2", {"kind": "refuse"}, patterns=["8900*"])
    )
    assert same.status_code == 409, same.text
    assert same.json()["code"] == "rule_shadowed"
    assert "«Спам»" in same.json()["message"]
    partly = await admin.write(
        "POST",
        RULES,
        json=rule(
            line_id,
            "Спам днём",
            {"kind": "refuse"},
            patterns=["+7900*"],
            hours={"start": "09:00", "end": "18:00"},
        ),
    )
    assert partly.status_code == 201, partly.text

    # Widening the first rule to every call would hide the later one: refused, the rule stays as it was.
    widened = await admin.write(
        "PUT", f"{RULES}/{first.json()['id']}", json=rule(line_id, "Спам", {"kind": "refuse"})
    )
    assert widened.status_code == 409, widened.text
    assert "«Спам днём»" in widened.json()["message"]

    listed = (await admin.http.get(RULES, params={"line_id": line_id})).json()
    assert listed[0]["conditions"]["patterns"] == ["+7900*"]
    assert [r["name"] for r in listed] == ["Спам", "Спам днём"]

    bad_number = await admin.write(
        "POST", LISTS, json={"name": "Чёрный", "kind": "blocked", "numbers": ["abc"]}
    )
    assert bad_number.status_code == 422
    assert bad_number.json()["fields"][0]["path"] == "numbers.0"
    assert (await admin.http.get(LISTS)).json() == []

    bad_test = await admin.write(
        "POST", TEST, json={"line_id": line_id, "caller": "привет", "at": "2026-03-10T10:00"}
    )
    assert bad_test.status_code == 422
    assert bad_test.json()["fields"][0]["path"] == "caller"

    far = await admin.write(
        "POST", TEST, json={"line_id": line_id, "caller": "+79161234567", "at": "0001-01-01T00:00"}
    )
    assert far.status_code == 422
    assert far.json()["fields"][0]["path"] == "at"
    long_name = await admin.write(
        "POST", RULES, json=rule(line_id, "Я" * 101, {"kind": "refuse"}, patterns=["+7901*"])
    )
    assert long_name.status_code == 422
    assert long_name.json()["fields"][0]["code"] == "too_long"

    operator = await server.signed_in("operator1")
    assert (await operator.http.get(RULES)).status_code == 403


async def test_a_queue_or_flow_a_rule_uses_cannot_be_deleted(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    line_id = (await _ids(admin, "lines"))[0]
    queue_id = (await _ids(admin, "queues"))[-1]
    made = await admin.write(
        "POST",
        RULES,
        json=rule(line_id, "В последнюю", {"kind": "queue", "queue_id": queue_id}, patterns=["+7495*"]),
    )
    assert made.status_code == 201, made.text

    refused = await admin.write("DELETE", f"/api/v1/admin/queues/{queue_id}")
    assert refused.status_code == 409, refused.text
    assert "«В последнюю»" in refused.json()["message"]

    used_list = await admin.write("POST", LISTS, json={"name": "Повторные", "kind": "repeat", "numbers": []})
    list_id = used_list.json()["id"]
    changed = await admin.write(
        "PUT",
        f"{RULES}/{made.json()['id']}",
        json=rule(line_id, "В последнюю", {"kind": "queue", "queue_id": queue_id}, lists=[list_id]),
    )
    assert changed.status_code == 200, changed.text
    in_use = await admin.write("DELETE", f"{LISTS}/{list_id}")
    assert in_use.status_code == 409
    assert "«В последнюю»" in in_use.json()["message"]

    assert (await admin.write("DELETE", f"{RULES}/{made.json()['id']}")).status_code == 204
    assert (await admin.write("DELETE", f"{LISTS}/{list_id}")).status_code == 204
    trail = (await admin.http.get("/api/v1/admin/audit", params={"entity": "routing_rule"})).json()["items"]
    assert sorted(entry["action"] for entry in trail) == ["create", "delete", "update"]


XML_2030 = b"""<?xml version="1.0" encoding="UTF-8"?>
<calendar year="2030" lang="ru"><days>
  <day d="01.01" t="1"/><day d="03.07" t="2"/><day d="11.02" t="3"/>
</days></calendar>"""


async def test_the_calendar_is_imported_from_xml_or_csv_and_a_bad_file_is_refused(
    server: RunningServer,
) -> None:
    admin = await server.signed_in("admin")
    shipped = (await admin.http.get(CALENDAR, params={"year": 2026})).json()
    assert {2026, 2027} <= set(shipped["years"])
    assert {"date": "2026-01-09", "mark": "holiday"} in shipped["days"]

    imported = await admin.write("POST", CALENDAR, files={"file": ("2030.xml", XML_2030, "text/xml")})
    assert imported.status_code == 200, imported.text
    assert imported.json() == {"years": [2030], "days": 3}
    days = (await admin.http.get(CALENDAR, params={"year": 2030})).json()["days"]
    assert days == [
        {"date": "2030-01-01", "mark": "holiday"},
        {"date": "2030-03-07", "mark": "shortened"},
        {"date": "2030-11-02", "mark": "working_weekend"},
    ]

    csv = "date,type\n2030-01-01,1\n02.01.2030,holiday\n"
    replaced = await admin.write("POST", CALENDAR, files={"file": ("2030.csv", csv.encode(), "text/csv")})
    assert replaced.status_code == 200, replaced.text
    days = (await admin.http.get(CALENDAR, params={"year": 2030})).json()["days"]
    assert [d["date"] for d in days] == ["2030-01-01", "2030-01-02"]  # the year replaced as a whole

    for name, data, reason in [
        ("bad.xml", b"<calendar year='2030'><days><day d='31.02' t='1'/></days></calendar>", "is no date"),
        ("bad.xml", b"<calendar><days/></calendar>", "year"),
        ("bad.xml", b"<calendar year='2030'><days><day d='01.05' t='7'/>", "malformed"),
        ("bad.csv", b"2030-13-01,1\n", "no date"),
        ("bad.csv", b"2030-01-01,party\n", "type"),
        ("empty.csv", b"", "empty"),
        ("bomb.xml", b"<!DOCTYPE x [<!ENTITY a 'a'>]><calendar year='2030'/>", "DOCTYPE"),
    ]:
        refused = await admin.write("POST", CALENDAR, files={"file": (name, data, "text/plain")})
        assert refused.status_code == 400, (name, refused.text)
        assert refused.json()["code"] == "invalid_calendar"
        assert reason in refused.json()["message"], refused.json()["message"]
    assert [d["date"] for d in (await admin.http.get(CALENDAR, params={"year": 2030})).json()["days"]] == [
        "2030-01-01",
        "2030-01-02",
    ]
    trail = (await admin.http.get("/api/v1/admin/audit", params={"entity": "production_calendar"})).json()[
        "items"
    ]
    assert [entry["action"] for entry in trail] == ["import", "import"]
