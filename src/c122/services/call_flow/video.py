"""A call's video is recorded where the group that takes it says so (`record_video`, off by default):
the caller's camera, and the operator's when they send one, each beside the call's audio recording
(`domain.calls.video`). The group's setting is asked at each segment (the policy keeps the answers
until a group changes), so a change applies to the next conversation. A recording that cannot start
never stops the call."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from c122.domain.calls.video import video_stem
from c122.services.call_flow.ports import VideoRecorder

log = logging.getLogger(__name__)


class CallVideo:
    def __init__(self, recorder: VideoRecorder, group_records: Callable[[int], Awaitable[bool]]) -> None:
        self._recorder = recorder
        self._group_records = group_records

    async def segment(
        self, call_id: str, group_id: int | None, legs: Sequence[str], recording_path: str
    ) -> None:
        """The call's next conversation (`legs`, recorded as audio into `recording_path`) began."""
        try:
            if group_id is None or not await self._group_records(group_id):
                return
            begun = self._recorder.record(call_id, legs, video_stem(recording_path))
        except Exception:
            log.exception("call %s: its video is not recorded", call_id)
            return
        if begun:
            log.info("call %s: recording the video of %s", call_id, ", ".join(begun))

    async def finish(self, call_id: str) -> None:
        try:
            await self._recorder.finish(call_id)
        except Exception:
            log.exception("call %s: its video recording did not finish cleanly", call_id)
