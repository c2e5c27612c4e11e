"""A senior listening to, whispering to or barging into an operator's call (TEL-22, TEL-23, SUP-06/07)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Literal

MonitorAudio = Literal["browser", "sip"]


class MonitorMode(StrEnum):
    LISTEN = "listen"  # hears caller and operator; heard by nobody
    WHISPER = "whisper"  # hears both; only the operator hears the senior
    BARGE = "barge"  # all three hear each other


class MonitoringEnd(StrEnum):
    STOPPED = "stopped"  # the senior left
    CALL_ENDED = "call_ended"
    AUDIO_LOST = "audio_lost"  # the senior's browser leg or phone went away


@dataclass(frozen=True)
class ModeSpan:
    mode: MonitorMode
    started_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True)
class MonitoringSession:
    """Who monitored whom on which call, each mode with its start and end."""

    id: str
    call_id: str
    supervisor_id: int
    operator_id: int
    group_id: int | None
    audio: MonitorAudio
    started_at: datetime
    modes: tuple[ModeSpan, ...]
    ended_at: datetime | None = None
    end_reason: MonitoringEnd | None = None
    operator_notified: bool = False  # the operator's group shows them that they are monitored

    @property
    def mode(self) -> MonitorMode:
        return self.modes[-1].mode

    @property
    def active(self) -> bool:
        return self.ended_at is None

    def switched(self, mode: MonitorMode, at: datetime) -> MonitoringSession:
        last = replace(self.modes[-1], ended_at=at)
        return replace(self, modes=(*self.modes[:-1], last, ModeSpan(mode, at)))

    def ended(self, at: datetime, reason: MonitoringEnd) -> MonitoringSession:
        last = replace(self.modes[-1], ended_at=at)
        return replace(self, modes=(*self.modes[:-1], last), ended_at=at, end_reason=reason)
