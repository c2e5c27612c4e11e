"""Photos and voice notes on a request over a real server on both databases: the type is read from the
bytes (415 with the reason otherwise), sizes are limited (413), and a photo's EXIF location is kept as
data while the served file carries no EXIF at all."""

from __future__ import annotations

import io
import os

from PIL import Image

from tests.integration.citizen.support import jpeg_with_gps, recorded, registered
from tests.support.server import RunningServer, running_server


async def test_a_photo_keeps_its_location_as_data_and_is_served_without_exif(server: RunningServer) -> None:
    app = await registered(server)
    case_id = (await app.create_case(description="Яма на дороге")).json()["id"]
    photo = jpeg_with_gps(55.75, 37.5)
    assert b"CameraMaker" in photo
    # The claimed type is not believed either way: a JPEG said to be text is still a JPEG.
    added = await app.post(f"/cases/{case_id}/media", content=photo, headers={"Content-Type": "text/plain"})
    assert added.status_code == 201, added.text
    media = added.json()
    assert media["kind"] == "photo"
    assert media["content_type"] == "image/jpeg"
    assert abs(media["exif_latitude"] - 55.75) < 0.01
    assert abs(media["exif_longitude"] - 37.5) < 0.01
    served = await app.get(f"/cases/{case_id}/media/{media['id']}")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert b"CameraMaker" not in served.content
    with Image.open(io.BytesIO(served.content)) as image:
        assert dict(image.getexif()) == {}
        assert image.size == (64, 48)
    listed = (await app.get(f"/cases/{case_id}")).json()["media"]
    assert [m["id"] for m in listed] == [media["id"]]
    # A voice note is kept as sent.
    voice = recorded("ogg", audio="libopus")
    note = await app.post(f"/cases/{case_id}/media", content=voice, headers={"Content-Type": "audio/ogg"})
    assert note.status_code == 201, note.text
    assert note.json()["kind"] == "voice"
    assert (await app.get(f"/cases/{case_id}/media/{note.json()['id']}")).content == voice
    # A media id of another case is not served through this one.
    second = (await app.create_case(description="другое")).json()["id"]
    assert (await app.get(f"/cases/{second}/media/{media['id']}")).status_code == 404


async def test_a_file_that_only_claims_to_be_a_photo_is_refused_with_the_reason(
    server: RunningServer,
) -> None:
    app = await registered(server)
    case_id = (await app.create_case(description="x")).json()["id"]
    refusals = {
        "text": b"hello, I am a JPEG, honestly" * 10,
        "pdf": b"%PDF-1.7\n" + b"0" * 200,
        "heic": b"\x00\x00\x00\x18ftypheic" + b"0" * 200,
        "broken jpeg": b"\xff\xd8\xff\xe0" + b"\x00" * 300,
    }
    reasons = {}
    for name, content in refusals.items():
        answer = await app.post(
            f"/cases/{case_id}/media", content=content, headers={"Content-Type": "image/jpeg"}
        )
        assert answer.status_code == 415, (name, answer.text)
        assert answer.json()["code"] == "unsupported_media"
        reasons[name] = answer.json()["message"]
    assert "PDF" in reasons["pdf"]
    assert "HEIC" in reasons["heic"]
    assert "JPEG" in reasons["text"]
    assert "не читается" in reasons["broken jpeg"]
    assert (await app.get(f"/cases/{case_id}")).json()["media"] == []  # nothing stored


async def test_photos_over_the_size_limit_are_413(database_url: str) -> None:
    async with running_server(
        database_url, citizen_photo_max_bytes=8192, citizen_voice_max_bytes=8192, citizen_video_max_bytes=8192
    ) as server:
        app = await registered(server)
        case_id = (await app.create_case(description="x")).json()["id"]
        noisy = Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3))
        out = io.BytesIO()
        noisy.save(out, "JPEG", quality=95)
        big = out.getvalue()
        assert len(big) > 8192
        over = await app.post(f"/cases/{case_id}/media", content=big)
        assert over.status_code == 413
        assert over.json()["code"] == "file_too_large"
        # Far over: refused by the body limit before it is read into memory.
        huge = await app.post(f"/cases/{case_id}/media", content=b"\xff\xd8\xff" + b"0" * (200 * 1024))
        assert huge.status_code == 413
        assert huge.json()["code"] == "body_too_large"
        assert (await app.get(f"/cases/{case_id}")).json()["media"] == []
