"""A still from the caller's video kept on the card (TEL-25) over a real server on both databases: the
operator who works on the card posts a JPEG, it joins the card's media as the operator's message and
is served (audited) like the app's photos; what is not a picture is 415 with the reason, an outsider
gets 404 and the refusal is audited, an admin (who reads cards but does not work on them) 403."""

from __future__ import annotations

import io

from PIL import Image

from tests.integration.citizen.support import registered
from tests.support.server import RunningServer


def _still() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 36), (40, 160, 60)).save(out, "JPEG")
    return out.getvalue()


async def test_a_still_from_the_video_joins_the_card_and_bad_input_is_refused(server: RunningServer) -> None:
    app = await registered(server)
    case_id = (await app.create_case(description="Видеозвонок")).json()["id"]
    operator = await server.signed_in("operator1")  # the first group takes app requests
    outsider = await server.signed_in("operator3")  # another group's
    admin = await server.signed_in("admin")
    path = f"/api/v1/cases/{case_id}/snapshots"
    octets = {"Content-Type": "application/octet-stream"}

    kept = await operator.write("POST", path, content=_still(), headers=octets)
    assert kept.status_code == 201, kept.text
    media = kept.json()
    assert (media["kind"], media["content_type"]) == ("photo", "image/jpeg")
    chat = (await operator.http.get(f"/api/v1/cases/{case_id}/chat")).json()
    (message,) = [m for m in chat["messages"] if m["media_id"] == media["id"]]
    assert message["author"] == "operator"
    served = await operator.http.get(f"/api/v1/cases/{case_id}/media/{media['id']}")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"

    not_a_picture = await operator.write("POST", path, content=b"OggS\x00\x02" + b"0" * 500, headers=octets)
    assert not_a_picture.status_code == 415
    assert "изображением" in not_a_picture.json()["message"]
    garbage = await operator.write("POST", path, content=b"hello" * 50, headers=octets)
    assert garbage.status_code == 415
    assert (await outsider.write("POST", path, content=_still(), headers=octets)).status_code == 404
    assert (await admin.write("POST", path, content=_still(), headers=octets)).status_code == 403
    missing = await operator.write("POST", "/api/v1/cases/999999/snapshots", content=_still(), headers=octets)
    assert missing.status_code == 404

    trail = (
        await admin.http.get("/api/v1/admin/audit", params={"entity": "case", "entity_id": str(case_id)})
    ).json()
    actions = [(e["action"], e["detail"].get("wanted")) for e in trail["items"]]
    assert ("add_snapshot", None) in actions
    assert any(action == "access_refused" for action, _ in actions)
    assert ("view_media", None) in actions
