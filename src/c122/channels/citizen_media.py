"""Sound and picture containers from the citizen channels, read with PyAV (FFmpeg): which tracks a file
has (a video or a voice note), how long it plays (from its packets, not from what its header claims),
where a video says it was shot, and the video as served — remuxed without its container's tags, not
re-encoded — with a still to show before it plays."""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

import av
import av.container
import av.stream
from PIL import Image

from c122.domain.citizen import MediaType, by_streams
from c122.domain.errors import UnsupportedMedia
from c122.services.citizen.ports import CleanMedia, Inspected

# The demuxer each sniffed type is opened with: never FFmpeg's own guess, so bytes that start as an MP4
# are read as one and nothing else (no playlist or concat demuxer ever opens a citizen's file).
_DEMUXERS = {"audio/ogg": "ogg", "audio/webm": "matroska", "video/webm": "matroska"}
_MP4_DEMUXER = "mov"
# The muxer a video is written back with.
_MUXERS = {"video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm"}
# Where a phone writes its position: MP4/QuickTime `©xyz` (read by FFmpeg as `location`) and Apple's
# QuickTime metadata key; both ISO 6709 ("+55.7512+037.6184+150.0/").
_LOCATION_KEYS = ("location", "location-eng", "com.apple.quicktime.location.ISO6709")
_ISO6709 = re.compile(r"^\s*([+-]\d{1,2}(?:\.\d+)?)([+-]\d{1,3}(?:\.\d+)?)")
POSTER_WIDTH = 640


def _demuxer(sniffed: MediaType) -> str:
    return _DEMUXERS.get(sniffed.content_type, _MP4_DEMUXER)


@contextmanager
def _opened(content: bytes, sniffed: MediaType) -> Iterator[av.container.InputContainer]:
    """The file opened as the container its first bytes say it is (415 with the reason otherwise)."""
    try:
        container = av.open(io.BytesIO(content), mode="r", format=_demuxer(sniffed))
    except (av.FFmpegError, ValueError, OSError) as error:
        raise UnsupportedMedia(
            f"файл начинается как {sniffed.content_type}, но не открывается как этот контейнер"
        ) from error
    try:
        yield container
    finally:
        container.close()


def _kept(container: av.container.InputContainer) -> list[av.stream.Stream]:
    """The sound and picture tracks (a cover picture in an audio file is no picture track)."""
    return [
        s
        for s in container.streams
        if s.type == "audio" or (s.type == "video" and not s.disposition & av.stream.Disposition.attached_pic)
    ]


def _played_seconds(container: av.container.InputContainer, streams: list[av.stream.Stream]) -> float:
    """From the first packet's time to the end of the last: every packet is read (none decoded), so a
    header that under-states the length is not believed."""
    first: Fraction | None = None
    last = Fraction(0)
    for packet in container.demux(streams):
        if packet.pts is None or packet.time_base is None:
            continue
        start = packet.pts * packet.time_base
        end = (packet.pts + max(packet.duration or 0, 0)) * packet.time_base
        first = start if first is None or start < first else first
        last = max(last, end)
    return float(last - first) if first is not None else 0.0


def inspect_container(content: bytes, sniffed: MediaType) -> Inspected:
    """The type by the tracks inside (a picture track: a video), and how long it plays. 415 when the
    bytes do not open or hold no sound or picture, or a picture in a container taken only for sound."""
    with _opened(content, sniffed) as container:
        streams = _kept(container)
        if not streams:
            raise UnsupportedMedia("в файле нет ни звука, ни изображения")
        picture = any(s.type == "video" for s in streams)
        media_type = by_streams(sniffed, picture=picture)
        if media_type is None:
            raise UnsupportedMedia(f"видео в {sniffed.content_type} не принимается: отправьте MP4 или WebM")
        try:
            duration = _played_seconds(container, streams)
        except av.FFmpegError as error:
            raise UnsupportedMedia(
                f"файл {media_type.content_type} повреждён: он не читается до конца"
            ) from error
    return Inspected(media_type, duration)


def _location(tags: dict[str, str]) -> tuple[float | None, float | None]:
    for key in _LOCATION_KEYS:
        found = _ISO6709.match(tags.get(key, ""))
        if found is None:
            continue
        lat, lon = float(found.group(1)), float(found.group(2))
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return round(lat, 7), round(lon, 7)
    return None, None


def _remuxed(container: av.container.InputContainer, media_type: MediaType) -> bytes:
    """The same tracks' packets in a new container of the same kind, with none of the old one's tags;
    an MP4's index first, so it plays while it loads (written through a scratch file: moving the index
    takes a second pass)."""
    options = {} if media_type.content_type == "video/webm" else {"movflags": "+faststart"}
    streams = _kept(container)
    with tempfile.TemporaryDirectory(prefix="c122-video-") as scratch:
        path = Path(scratch) / f"out.{media_type.extension}"
        with av.open(str(path), mode="w", format=_MUXERS[media_type.content_type], options=options) as out:
            mapped = {s.index: out.add_stream_from_template(s) for s in streams}
            for stream in mapped.values():
                stream.metadata.clear()  # a track's tags (a phone's handler names) go too
            for packet in container.demux(streams):
                if packet.dts is None:
                    continue  # the demuxer's flush packet
                packet.stream = mapped[packet.stream.index]
                out.mux(packet)
        return path.read_bytes()


def _poster(content: bytes, sniffed: MediaType) -> bytes | None:
    """The first picture as a JPEG at most POSTER_WIDTH wide; None when none decodes."""
    try:
        with _opened(content, sniffed) as container:
            video = next(
                s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic
            )
            frame = next(container.decode(video))
            image: Image.Image = frame.to_image()  # type: ignore[no-untyped-call]
    except (StopIteration, av.FFmpegError, UnsupportedMedia, ValueError):
        return None
    image.thumbnail((POSTER_WIDTH, POSTER_WIDTH))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


def clean_video(content: bytes, media_type: MediaType) -> CleanMedia:
    """A video without its container's tags (remuxed, the packets as sent), where it said it was shot,
    and its still. 415 when it cannot be written back."""
    with _opened(content, media_type) as container:
        latitude, longitude = _location(dict(container.metadata))
        try:
            cleaned = _remuxed(container, media_type)
        except (av.FFmpegError, ValueError) as error:
            raise UnsupportedMedia(
                f"видео {media_type.content_type} не удаётся сохранить без метаданных: {error}"
            ) from error
    return CleanMedia(cleaned, latitude, longitude, _poster(cleaned, media_type))
