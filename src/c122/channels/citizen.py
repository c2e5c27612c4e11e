"""The citizen channels' edge: how a one-time code reaches a phone (in development: the log; the SMS
adapter takes its place once the SMS channel exists), and how a photo or video is cleaned before it is
kept."""

from __future__ import annotations

import io
import logging

from PIL import Image, ImageOps, UnidentifiedImageError

from c122.channels.citizen_media import clean_video, inspect_container
from c122.domain.citizen import MediaKind, MediaType
from c122.domain.errors import UnsupportedMedia
from c122.services.citizen.ports import CleanMedia, Inspected

log = logging.getLogger("c122.citizen")

GPS_IFD = 0x8825
Image.MAX_IMAGE_PIXELS = 40_000_000  # a decompression bomb is refused, not decoded


class LoggedCodeSender:
    """Development only: writes the code to the log instead of sending an SMS."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []  # the last codes, newest last (tests read them)

    async def send(self, phone: str, code: str) -> None:
        log.warning("one-time code for %s: %s (development: no SMS is sent)", phone, code)
        self.sent = [*self.sent[-99:], (phone, code)]


def _degrees(value: object) -> float | None:
    try:
        d, m, s = (float(part) for part in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return d + m / 60 + s / 3600


def _gps(image: Image.Image) -> tuple[float | None, float | None]:
    """Where the photo says it was taken (EXIF GPS), or (None, None)."""
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
    except Exception:  # a broken EXIF block is no reason to refuse the photo
        return None, None
    lat, lon = _degrees(gps.get(2)), _degrees(gps.get(4))
    if lat is None or lon is None:
        return None, None
    if str(gps.get(1, "N")).upper().startswith("S"):
        lat = -lat
    if str(gps.get(3, "E")).upper().startswith("W"):
        lon = -lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return round(lat, 7), round(lon, 7)


class CitizenMediaCleaner:
    """A photo is decoded and written anew: no EXIF, XMP or comments survive (the camera's orientation
    is applied to the pixels first, so the picture stands the right way). A video or voice note is
    opened as its container (PyAV) to tell which it is and how long it plays; a video is remuxed
    without its tags, a voice note kept as sent."""

    def inspect(self, content: bytes, sniffed: MediaType) -> Inspected:
        if sniffed.kind is MediaKind.PHOTO:
            return Inspected(sniffed)
        return inspect_container(content, sniffed)

    def clean(self, content: bytes, media_type: MediaType) -> CleanMedia:
        if media_type.kind is MediaKind.VIDEO:
            return clean_video(content, media_type)
        if media_type.kind is not MediaKind.PHOTO:
            return CleanMedia(content)
        try:
            with Image.open(io.BytesIO(content)) as image:
                image.load()
                latitude, longitude = _gps(image)
                upright = ImageOps.exif_transpose(image)
                out = io.BytesIO()
                if media_type.extension == "jpg":
                    upright.convert("RGB").save(out, "JPEG", quality=90)
                elif media_type.extension == "png":
                    upright.save(out, "PNG")
                else:
                    upright.save(out, "WEBP", quality=90)
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
            kind = media_type.content_type
            raise UnsupportedMedia(f"файл начинается как {kind}, но изображение в нём не читается") from error
        return CleanMedia(out.getvalue(), latitude, longitude)
