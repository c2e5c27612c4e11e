"""A recording segment's parties are named only when their leg is one of our users' (an operator's or
consultant's desk or phone), never by the shape of the number: an outside consultant reached at "N",
where N is also a user's id, is shown by number, is not in that user's own calls and not among the
call's participants (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.call_flow.test_consultation import user_id
from tests.support.server import running_server

from c122.domain.calls import CallLegRecord, CallRecord, RecordingSegment


async def test_an_outside_number_shaped_like_a_user_id_is_not_given_that_users_name(database_url):
    async with running_server(database_url) as server:
        operator, namesake, colleague = [
            await user_id(server, login) for login in ("operator1", "operator2", "operator3")
        ]
        at = server.clock.now() - timedelta(minutes=5)

        def leg(leg_id: str, kind: str, role: str, party: str) -> CallLegRecord:
            return CallLegRecord(leg_id=leg_id, kind=kind, role=role, party=party, started_at=at)  # type: ignore[arg-type]

        legs = (
            leg("caller", "sip", "caller", str(namesake)),  # a caller whose number is a user's id
            leg("operator", "webrtc", "operator", str(operator)),
            leg("outside", "trunk", "consultant", str(namesake)),  # e.g. "112" through the trunk
            leg("colleague", "sip", "consultant", str(colleague)),  # a colleague's SIP phone
        )
        segments = tuple(
            RecordingSegment((first, "operator"), at + timedelta(seconds=10 * i),
                             at + timedelta(seconds=10 * i + 10), 10.0 * i, 10.0)
            for i, first in enumerate(("caller", "outside", "colleague"))
        )  # fmt: skip
        await server.application.context.calls.save(
            CallRecord(
                id="call-names",
                direction="inbound",
                status="answered",
                caller=str(namesake),
                called="88001220122",
                started_at=at,
                connected_at=at,
                ended_at=at + timedelta(seconds=30),
                operator_id=operator,
                recording_path="call-names.wav",
                legs=legs,
                segments=segments,
            )
        )
        admin = await server.signed_in("admin")
        call = (await admin.http.get("/api/v1/calls/call-names")).json()
        named = [[(p["party"], p["name"]) for p in s["parties"]] for s in call["recording_segments"]]
        users = {
            u["id"]: u["full_name"] for u in (await admin.http.get("/api/v1/admin/users")).json()["items"]
        }
        assert named == [
            [(str(namesake), None), (str(operator), users[operator])],
            [(str(namesake), None), (str(operator), users[operator])],
            [(str(colleague), users[colleague]), (str(operator), users[operator])],
        ]
        assert users[namesake] not in call["participants"]
        assert set(call["participants"]) == {users[operator], users[colleague]}

        own = await (await server.signed_in("operator2")).http.get("/api/v1/calls")
        assert own.status_code == 200, own.text
        assert "call-names" not in [item["id"] for item in own.json()["items"]]
        mine = await (await server.signed_in("operator3")).http.get("/api/v1/calls")
        assert "call-names" in [item["id"] for item in mine.json()["items"]]
