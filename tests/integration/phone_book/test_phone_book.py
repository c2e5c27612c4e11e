"""The phone book over a real server on both databases: the organisation's list and its CSV import,
personal contacts, favourites, search, colleagues, and the refusals of bad input."""

from __future__ import annotations

from typing import Any

from tests.support.server import Desk, RunningServer


async def contacts(desk: Desk, q: str = "") -> list[dict[str, Any]]:
    response = await desk.http.get("/api/v1/phone-book/contacts", params={"q": q} if q else None)
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


async def add(desk: Desk, name: str, number: str, note: str = "") -> Any:
    return await desk.write(
        "POST", "/api/v1/phone-book/contacts", json={"name": name, "number": number, "note": note}
    )


async def test_personal_contacts_favourites_and_search(server: RunningServer) -> None:
    operator = await server.signed_in("operator1")
    book = await contacts(operator)
    # The demo organisation's list: emergency services first among its numbers, by name.
    numbers = {c["number"]: c for c in book}
    assert {"112", "101", "102", "103", "104"} <= numbers.keys()
    assert all(c["scope"] == "organisation" for c in book)

    added = await add(operator, "  Поликлиника №3 ", "8 (495) 123-45-67", "регистратура")
    assert added.status_code == 201, added.text
    mine = added.json()
    assert (mine["scope"], mine["name"], mine["number"]) == ("personal", "Поликлиника №3", "+74951234567")

    # The same number again, in any spelling, is a duplicate; so is a number of the organisation's list.
    again = await add(operator, "Поликлиника", "+7 495 123 45 67")
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "duplicate_contact"
    assert (await add(operator, "Скорая", "103")).status_code == 409

    bad = await add(operator, "", "12ab")
    assert bad.status_code == 422
    assert {f["path"] for f in bad.json()["fields"]} == {"name", "number"}
    assert "12ab" in next(f["message"] for f in bad.json()["fields"] if f["path"] == "number")

    ambulance = numbers["103"]["id"]
    marked = await operator.write(
        "PUT", f"/api/v1/phone-book/contacts/{ambulance}/favourite", json={"favourite": True}
    )
    assert marked.status_code == 200
    assert marked.json()["favourite"] is True
    assert next(c["number"] for c in await contacts(operator)) == "103"  # favourites first
    assert [c["number"] for c in await contacts(operator, "поликл")] == ["+74951234567"]
    assert [c["number"] for c in await contacts(operator, "4951234")] == ["+74951234567"]

    edited = await operator.write(
        "PUT", f"/api/v1/phone-book/contacts/{mine['id']}", json={"name": "Поликлиника №3", "number": "104"}
    )
    assert edited.status_code == 409  # the organisation's gas service
    edited = await operator.write(
        "PUT",
        f"/api/v1/phone-book/contacts/{mine['id']}",
        json={"name": "Поликлиника №3", "number": "89031112233"},
    )
    assert edited.status_code == 200
    assert edited.json()["number"] == "+79031112233"

    # Someone else's contact does not exist for another operator; the organisation's is read-only.
    other = await server.signed_in("operator2")
    assert all(c["id"] != mine["id"] for c in await contacts(other))
    path = f"/api/v1/phone-book/contacts/{mine['id']}"
    assert (await other.write("PUT", path, json={"name": "x", "number": "112"})).status_code == 404
    assert (await other.write("DELETE", path)).status_code == 404
    assert (await other.write("PUT", f"{path}/favourite", json={"favourite": True})).status_code == 404
    assert (await other.write("DELETE", f"/api/v1/phone-book/contacts/{ambulance}")).status_code == 403
    # The favourite mark is the reader's own.
    assert next(c for c in await contacts(other) if c["id"] == ambulance)["favourite"] is False

    assert (await operator.write("DELETE", path)).status_code == 204
    assert (await operator.write("DELETE", path)).status_code == 404


async def test_the_organisations_list_is_imported_line_by_line(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    csv = "\ufeffНазвание;Номер;Примечание\n" + "\n".join(
        [
            "Центр медицины катастроф;+7 495 111-22-33;дежурный",  # 2: added
            "Полиция;102;",  # 3: already in the list
            "Плохой номер;12-ab;",  # 4: not a number
            ";+74951112234",  # 5: no name
            "Центр медицины катастроф (копия);84951112233",  # 6: same number as line 2
            "одна колонка",  # 7: no number column
            "",
            "Санавиация;+7 495 111 22 35",  # 9: added
        ]
    )
    report = await admin.write("POST", "/api/v1/phone-book/organisation/import", json={"text": csv})
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["added"] == 2
    assert [(p["line"], p["code"]) for p in body["problems"]] == [
        (3, "duplicate"),
        (4, "invalid_phone"),
        (5, "name_length"),
        (6, "duplicate"),
        (7, "columns"),
    ]
    operator = await server.signed_in("operator3")
    numbers = {c["number"] for c in await contacts(operator)}
    assert {"+74951112233", "+74951112235"} <= numbers

    refused = await operator.write("POST", "/api/v1/phone-book/organisation/import", json={"text": csv})
    assert refused.status_code == 403
    shared = await operator.write(
        "POST", "/api/v1/phone-book/organisation", json={"name": "x", "number": "112"}
    )
    assert shared.status_code == 403
    added = await admin.write(
        "POST",
        "/api/v1/phone-book/organisation",
        json={"name": "Детский телефон доверия", "number": "88002000122"},
    )
    assert added.status_code == 201
    assert added.json()["scope"] == "organisation"
    dup = await admin.write("POST", "/api/v1/phone-book/organisation", json={"name": "x", "number": "112"})
    assert dup.status_code == 409
    audit = (await admin.http.get("/api/v1/admin/audit", params={"entity": "phone_book"})).json()
    assert audit["items"][0]["detail"] == {"added": 2, "refused": 5}


async def test_colleagues_of_my_groups(server: RunningServer) -> None:
    operator = await server.signed_in("operator1")  # Справочная группа
    response = await operator.http.get("/api/v1/phone-book/colleagues")
    assert response.status_code == 200, response.text
    body = response.json()
    names = {c["full_name"] for c in body["colleagues"]}
    assert "Петров Алексей Николаевич" in names  # same group
    assert "Иванова Мария Сергеевна" not in names  # not oneself
    assert "Смирнова Ольга Павловна" not in names  # vaccination group only
    assert [g["name"] for g in body["groups"]] == ["Справочная группа"]
    assert all(c["status"] for c in body["colleagues"])
