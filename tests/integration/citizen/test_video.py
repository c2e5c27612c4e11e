"""Short videos on a request over a real server on both databases, with files made here by PyAV: an MP4
or WebM with a picture track is a video, the same containers with sound only are voice notes; a video
is served remuxed without its location tag, which is kept as data, with a still for the card; sizes
(413), durations (422) and containers that do not open (415) are refused with the reason; another
device's video is answered like none (404)."""

from __future__ import annotations

import io

import av
from PIL import Image

from tests.integration.citizen.support import recorded, registered
from tests.support.server import RunningServer, running_server

MOSCOW = "+55.7512+037.6184/"


def _location_tags(content: bytes) -> dict[str, str]:
    with av.open(io.BytesIO(content)) as container:
        return {k: v for k, v in container.metadata.items() if k.startswith(("location", "com.apple"))}


async def test_a_video_keeps_its_location_as_data_and_plays_without_it(server: RunningServer) -> None:
    app = await registered(server)
    case_id = (await app.create_case(description="Свалка во дворе")).json()["id"]
    sent = recorded("mp4", video="libx264", audio="aac", seconds=2, location=MOSCOW)
    assert _location_tags(sent) != {}  # the phone's tag is in what was sent
    added = await app.post(f"/cases/{case_id}/media", content=sent, headers={"Content-Type": "image/jpeg"})
    assert added.status_code == 201, added.text
    media = added.json()
    assert (media["kind"], media["content_type"]) == ("video", "video/mp4")
    assert abs(media["exif_latitude"] - 55.7512) < 1e-4
    assert abs(media["exif_longitude"] - 37.6184) < 1e-4
    served = await app.get(f"/cases/{case_id}/media/{media['id']}")
    assert served.status_code == 200
    assert served.headers["content-type"] == "video/mp4"
    assert _location_tags(served.content) == {}
    assert b"loci" not in served.content
    assert b"\xa9xyz" not in served.content
    with av.open(io.BytesIO(served.content)) as container:  # the same tracks, not re-encoded
        assert sorted(s.type for s in container.streams) == ["audio", "video"]
        assert container.streams.video[0].codec_context.name == "h264"
    poster = await app.get(f"/cases/{case_id}/media/{media['id']}/poster")
    assert poster.status_code == 200
    assert poster.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(poster.content)) as still:
        assert still.size == (64, 48)

    # A QuickTime file's `©xyz` goes the same way.
    mov = recorded("mov", video="libx264", location=MOSCOW)
    assert b"\xa9xyz" in mov
    kept = (await app.post(f"/cases/{case_id}/media", content=mov)).json()
    assert (kept["kind"], kept["content_type"], kept["exif_latitude"]) == (
        "video",
        "video/quicktime",
        55.7512,
    )
    served_mov = (await app.get(f"/cases/{case_id}/media/{kept['id']}")).content
    assert b"\xa9xyz" not in served_mov
    assert _location_tags(served_mov) == {}

    # The operator of the case's group plays it on the card, with its still; another group's does not.
    operator = await server.signed_in("operator1")
    outsider = await server.signed_in("operator3")
    chat = (await operator.http.get(f"/api/v1/cases/{case_id}/chat")).json()
    assert [m["kind"] for m in chat["media"]] == ["video", "video"]
    card_video = await operator.http.get(f"/api/v1/cases/{case_id}/media/{media['id']}")
    assert card_video.content == served.content
    card_poster = await operator.http.get(f"/api/v1/cases/{case_id}/media/{media['id']}/poster")
    assert card_poster.content == poster.content
    assert (await outsider.http.get(f"/api/v1/cases/{case_id}/media/{media['id']}/poster")).status_code == 404
    admin = await server.signed_in("admin")
    trail = (
        await admin.http.get("/api/v1/admin/audit", params={"entity": "case", "entity_id": str(case_id)})
    ).json()["items"]
    views = [e["detail"] for e in trail if e["action"] == "view_media" and e["actor_id"] is not None]
    assert {"media_id": media["id"], "still": True} in views  # the still is the citizen's picture too
    assert {"media_id": media["id"]} in views
    assert any(e["action"] == "access_refused" for e in trail)  # the outsider's refusal

    # Another device's video is answered like none at all.
    other = await registered(server, phone="+79169876543")
    assert (await other.get(f"/cases/{case_id}/media/{media['id']}")).status_code == 404
    assert (await other.get(f"/cases/{case_id}/media/{media['id']}/poster")).status_code == 404


async def test_webm_is_a_video_or_a_voice_note_by_its_tracks(server: RunningServer) -> None:
    app = await registered(server)
    case_id = (await app.create_case(description="x")).json()["id"]
    kinds = {}
    for name, content in {
        "webm video": recorded("webm", video="libvpx", audio="libopus"),
        "webm sound": recorded("webm", audio="libopus"),
        "m4a": recorded("mp4", audio="aac"),  # an `isom` brand like a video's: the tracks decide
        "ogg": recorded("ogg", audio="libopus"),
    }.items():
        added = await app.post(
            f"/cases/{case_id}/media", content=content, headers={"Content-Type": "video/mp4"}
        )
        assert added.status_code == 201, (name, added.text)
        kinds[name] = (added.json()["kind"], added.json()["content_type"])
        if kinds[name][0] == "voice":  # a voice note is kept as sent, and has no still
            assert (await app.get(f"/cases/{case_id}/media/{added.json()['id']}")).content == content
            poster = await app.get(f"/cases/{case_id}/media/{added.json()['id']}/poster")
            assert (poster.status_code, poster.json()["code"]) == (404, "no_poster")
    assert kinds == {
        "webm video": ("video", "video/webm"),
        "webm sound": ("voice", "audio/webm"),
        "m4a": ("voice", "audio/mp4"),
        "ogg": ("voice", "audio/ogg"),
    }


async def test_too_long_too_big_and_fake_videos_are_refused_with_the_reason(database_url: str) -> None:
    async with running_server(
        database_url,
        citizen_video_max_seconds=2,
        citizen_voice_max_seconds=3,
        citizen_video_max_bytes=20_000,
    ) as server:
        app = await registered(server)
        case_id = (await app.create_case(description="x")).json()["id"]
        long_video = await app.post(
            f"/cases/{case_id}/media", content=recorded("mp4", video="libx264", seconds=3)
        )
        assert long_video.status_code == 422, long_video.text
        assert "не дольше 2 с" in long_video.json()["message"]
        assert long_video.json()["fields"][0]["code"] == "too_long"
        long_note = await app.post(
            f"/cases/{case_id}/media", content=recorded("ogg", audio="libopus", seconds=4)
        )
        assert long_note.status_code == 422
        assert "голосовое сообщение длится 4 с: не дольше 3 с" in long_note.json()["message"]
        big = recorded("mp4", video="libx264", seconds=2, noisy=True)  # within 2 s, over 20 kB
        assert len(big) > 20_000
        over = await app.post(f"/cases/{case_id}/media", content=big)
        assert (over.status_code, over.json()["code"]) == (413, "file_too_large")
        assert "видео" in over.json()["message"]
        fakes = {
            "mp4": b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 2000,
            "webm": b"\x1a\x45\xdf\xa3" + b"\x00" * 2000,
            "ogg": b"OggS\x00\x02" + b"\x00" * 2000,
        }
        for name, fake in fakes.items():
            refused = await app.post(
                f"/cases/{case_id}/media", content=fake, headers={"Content-Type": "video/mp4"}
            )
            assert refused.status_code == 415, (name, refused.text)
            assert "не открывается" in refused.json()["message"], name
        assert (await app.get(f"/cases/{case_id}")).json()["media"] == []
