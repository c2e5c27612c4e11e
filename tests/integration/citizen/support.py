"""A citizen's device driven over HTTP against a real server, as a region's app would."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import Any, cast

import av
import httpx
import numpy
from PIL import Image

from c122.channels.citizen import LoggedCodeSender
from tests.support.server import RunningServer

API = "/api/citizen/v1"


def last_code(server: RunningServer, phone: str) -> str:
    """The code the development sender logged for `phone` (no SMS can be sent here)."""
    sender = cast(LoggedCodeSender, server.application.context.citizen.sender)
    return next(code for to, code in reversed(sender.sent) if to == phone)


@dataclass
class App:
    http: httpx.AsyncClient
    device_id: int
    token: str

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.get(API + path, headers=self._auth(), **kwargs)

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.post(
            API + path, headers={**self._auth(), **kwargs.pop("headers", {})}, **kwargs
        )

    async def create_case(self, **body: Any) -> httpx.Response:
        return await self.post(
            "/cases", json={"type_id": body.pop("type_id", None) or await self.type_id(), **body}
        )

    async def type_id(self) -> int:
        types = (await self.get("/case-types")).json()
        return int(types[0]["id"])


async def registered(server: RunningServer, phone: str = "+79161234567") -> App:
    http = server.client()
    answer = await http.post(f"{API}/devices", json={"phone": phone, "platform": "android"})
    assert answer.status_code == 201, answer.text
    device_id = answer.json()["device_id"]
    confirmed = await http.post(
        f"{API}/devices/{device_id}/confirm", json={"code": last_code(server, answer.json()["phone"])}
    )
    assert confirmed.status_code == 200, confirmed.text
    return App(http, device_id, confirmed.json()["token"])


def jpeg_with_gps(
    latitude: float = 55.75, longitude: float = 37.5, size: tuple[int, int] = (64, 48)
) -> bytes:
    """A real JPEG whose EXIF says where it was taken (and by which camera)."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    gps = {1: "N", 2: (float(int(latitude)), float(int(latitude * 60 % 60)), 0.0), 3: "E"}
    gps[4] = (float(int(longitude)), float(int(longitude * 60 % 60)), 0.0)
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


# An app call that is not connected has no place in the line's flow.
NOT_CONNECTED = {"stage": None, "queue_position": None, "estimated_wait_s": None}


def recorded(
    muxer: str,
    *,
    video: str | None = None,
    audio: str | None = None,
    seconds: float = 1.0,
    fps: int = 10,
    location: str | None = None,
    noisy: bool = False,
) -> bytes:
    """A real short recording made here with PyAV: `video` and/or `audio` codec tracks in `muxer`'s
    container; `location` as the container's location tag (ISO 6709); `noisy` pictures do not compress."""
    out_buffer = io.BytesIO()
    with av.open(out_buffer, mode="w", format=muxer) as out:
        if location is not None:
            out.metadata["location"] = location
        picture = out.add_stream(video, rate=fps) if video else None
        sound = out.add_stream(audio, rate=48000) if audio else None
        if picture is not None:
            picture.width, picture.height, picture.pix_fmt = 64, 48, "yuv420p"
            for i in range(round(seconds * fps)):
                pixels = os.urandom(64 * 48 * 3) if noisy else bytes([i * 20 % 256]) * (64 * 48 * 3)
                frame = av.VideoFrame.from_ndarray(
                    numpy.frombuffer(pixels, numpy.uint8).reshape(48, 64, 3), format="rgb24"
                )
                out.mux(picture.encode(frame))
            out.mux(picture.encode(None))
        if sound is not None:
            size = sound.codec_context.frame_size or 960
            fmt = sound.codec_context.format.name
            dtype = numpy.int16 if fmt.startswith("s16") else numpy.float32
            for start in range(0, round(seconds * 48000), size):
                chunk = av.AudioFrame.from_ndarray(numpy.zeros((1, size), dtype), format=fmt, layout="mono")
                chunk.sample_rate, chunk.pts = 48000, start
                out.mux(sound.encode(chunk))
            out.mux(sound.encode(None))
    return out_buffer.getvalue()
