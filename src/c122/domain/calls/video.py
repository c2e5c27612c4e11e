"""Where a call's recorded video is kept: one WebM file per camera (per leg that sent one), beside the
call's audio recording and named after it, so the record's `recording_path` and its legs find them."""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Final

_LEG_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")


def video_stem(recording_path: str) -> str:
    """The audio recording's path without its extension: `{stem}.{leg}.webm` are its video files."""
    return str(PurePath(recording_path).with_suffix(""))


def video_recording_path(recording_path: str, leg_id: str) -> str | None:
    """The video file of one leg's camera; None for a leg id that could not name a file."""
    if _LEG_ID.fullmatch(leg_id) is None:
        return None
    return f"{video_stem(recording_path)}.{leg_id}.webm"
