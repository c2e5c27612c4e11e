"""The chat bot in the citizen app, over a real server on SQLite and PostgreSQL: with no flow for the app
the app's chat has no bot (409 `no_bot`); with one, the app opens the conversation, gets the menu's
text and its keys as buttons, a restart of the screen shows the same (the session is stored), and a
choice hands the conversation over as the device's own request — typed by the flow, queued in the
flow's queue, its transcript in the case's chat — which the operator answers into the app."""

from __future__ import annotations

import pytest

from tests.integration.channels.test_messenger_telegram import MENU_TEXT, set_up_text_bot
from tests.integration.citizen.support import API, registered
from tests.support.server import RunningServer

pytestmark = pytest.mark.timeout(90)


async def test_the_app_chat_runs_the_app_flow_and_hands_over_a_request_of_the_device(
    server: RunningServer,
) -> None:
    app = await registered(server, "+79161230001")
    assert (await app.get("/bot")).json() == {"enabled": False, "transcript": [], "choices": []}
    refused = await app.post("/bot", json={"text": ""})
    assert refused.status_code == 409
    assert refused.json()["code"] == "no_bot"

    admin = await server.signed_in("admin")
    doctor_type, _group = await set_up_text_bot(server, admin, channel="app")
    channels = (await admin.http.get("/api/v1/channels")).json()
    assert any(c["channel"] == "app" and c["flow_name"] for c in channels["settings"])

    opened = await app.post("/bot", json={"text": ""})
    assert opened.status_code == 200, opened.text
    assert opened.json() == {"texts": [MENU_TEXT], "choices": ["1"], "case_id": None, "case_number": None}
    again = await app.post("/bot", json={"text": "   "})  # the screen opened again: nothing steps
    assert (again.json()["texts"], again.json()["choices"]) == ([], ["1"])
    shown = (await app.get("/bot")).json()
    assert [(line["speaker"], line["text"]) for line in shown["transcript"]] == [("bot", MENU_TEXT)]
    assert shown["choices"] == ["1"]

    wrong = await app.post("/bot", json={"text": "что?"})  # not a key: the menu's retry rules apply
    assert wrong.json()["case_id"] is None
    chosen = await app.post("/bot", json={"text": "1"})
    assert chosen.status_code == 200, chosen.text
    case_id = chosen.json()["case_id"]
    assert case_id is not None
    assert "передано оператору" in chosen.json()["texts"][-1]
    assert (await app.get("/bot")).json()["transcript"] == []  # the session ended with the hand-over

    mine = (await app.get("/cases")).json()
    assert [(c["id"], c["type_id"]) for c in mine] == [(case_id, doctor_type)]
    lines = [(m["author"], m["text"]) for m in (await app.get(f"/cases/{case_id}/messages")).json()]
    assert lines[0] == ("bot", MENU_TEXT)
    assert lines[-1] == ("citizen", "1")
    assert ("citizen", "что?") in lines
    async with server.application.uow_factory() as uow:
        case = await uow.cases.get_case(case_id)
    assert case is not None
    assert case.source.value == "mobile_app"
    assert f"chat-{case_id}" in server.application.contact_center._ready()[0].state.chats

    senior = await server.signed_in("senior1")
    card = (await senior.http.get(f"/api/v1/cases/{case_id}/chat")).json()
    assert card["reply_channels"][0] == "app"
    answered = await senior.write(
        "POST", f"/api/v1/cases/{case_id}/chat", json={"text": "Врач будет к 15:00"}
    )
    assert answered.status_code == 201, answered.text
    latest = (await app.get(f"/cases/{case_id}/messages")).json()[-1]
    assert (latest["author"], latest["text"]) == ("operator", "Врач будет к 15:00")

    other = await registered(server, "+79161230002")
    assert (await other.get(f"/cases/{case_id}")).status_code == 404
    assert (await other.get("/bot")).json()["transcript"] == []  # a session is the device's own


async def test_the_app_bot_refuses_bad_input_with_a_reason(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    await set_up_text_bot(server, admin, channel="app")
    app = await registered(server, "+79161230003")
    too_long = await app.post("/bot", json={"text": "я" * 4001})
    assert too_long.status_code == 422
    assert too_long.json()["fields"][0]["path"] == "text"
    async with server.client() as anonymous:
        assert (await anonymous.post(f"{API}/bot", json={"text": ""})).status_code == 401
        forged = await anonymous.get(f"{API}/bot", headers={"Authorization": "Bearer not-a-device-token"})
        assert forged.status_code == 401
    assert (await app.post("/bot", json={"text": "1", "extra": True})).status_code == 422
