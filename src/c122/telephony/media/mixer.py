"""The mixer: every active mix computed together on the 20 ms clock, vectorised with numpy.

A mix is a set of members and a "who hears whom" relation; the engine derives it from the
bridge kind (conference: all but themselves; listen, whisper, barge for supervisors). All mixes
are stacked into one (mixes x members x samples) tensor and multiplied by their gain matrices in
a single batched matmul. When a mix changes (mode switch, join, leave), the frame after the
change crossfades from the old gains to the new over its 160 samples, so switches make no click
and leave no gap.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from c122.telephony.media.codecs import FRAME_SAMPLES, Pcm

_RAMP: Final = np.linspace(0.0, 1.0, FRAME_SAMPLES, dtype=np.float32)
_LEVEL_DECAY: Final = 0.85  # per 20 ms frame: a voice's level falls over ~0.3 s once it stops
Gains = dict[tuple[str, str], float]


def hearing_gains(members: Sequence[str], hears: Collection[tuple[str, str]]) -> Gains:
    """(listener, speaker) -> gain; nobody hears themselves."""
    present = set(members)
    return {(a, b): 1.0 for a, b in hears if a != b and a in present and b in present}


def conference(members: Sequence[str]) -> set[tuple[str, str]]:
    return {(a, b) for a in members for b in members if a != b}


@dataclass(slots=True)
class _Mix:
    members: list[str]
    gains: Gains
    pending: tuple[list[str], Gains] | None = None
    slots: list[str] = field(default_factory=list)


class Mixer:
    def __init__(self) -> None:
        self._mixes: dict[str, _Mix] = {}
        self._member_of: dict[str, str] = {}
        self._levels: dict[str, float] = {}  # RMS of what each member says, rising at once, decaying

    def level(self, member: str) -> float:
        """How loud `member` speaks into its mix now (RMS of 16-bit samples; 0 when not mixed)."""
        return self._levels.get(member, 0.0) if member in self._member_of else 0.0

    def set_mix(self, mix_id: str, members: Sequence[str], hears: Collection[tuple[str, str]]) -> None:
        """Creates or changes a mix; the change takes effect, crossfaded, on the next tick."""
        for member in members:
            owner = self._member_of.get(member)
            if owner is not None and owner != mix_id:
                raise ValueError(f"{member} is already mixed in {owner}")
        mix = self._mixes.get(mix_id)
        gains = hearing_gains(members, hears)
        if mix is None:
            # A new mix starts from silence and fades in like any other change.
            mix = _Mix(members=[], gains={})
            self._mixes[mix_id] = mix
        for member in mix.members:
            if member not in members:
                self._member_of.pop(member, None)
                self._levels.pop(member, None)
        for member in members:
            self._member_of[member] = mix_id
        mix.pending = (list(members), gains)

    def remove_mix(self, mix_id: str) -> None:
        mix = self._mixes.pop(mix_id, None)
        if mix is None:
            return
        for member in mix.members:
            self._levels.pop(member, None)
            if self._member_of.get(member) == mix_id:
                del self._member_of[member]
        if mix.pending is not None:
            for member in mix.pending[0]:
                if self._member_of.get(member) == mix_id:
                    del self._member_of[member]

    def mix_of(self, member: str) -> str | None:
        return self._member_of.get(member)

    @property
    def active(self) -> bool:
        return bool(self._mixes)

    def inputs_of(self, mix_id: str) -> set[str]:
        """Members of one mix whose decoded audio the next tick needs (including ones fading out)."""
        mix = self._mixes.get(mix_id)
        if mix is None:
            return set()
        needed = set(mix.members)
        if mix.pending is not None:
            needed.update(mix.pending[0])
        return needed

    def tick(self, frames: Mapping[str, Pcm | None]) -> dict[str, Pcm]:
        """Mixes one 20 ms frame for every member of every mix; missing inputs count as silence."""
        if not self._mixes:
            return {}
        mixes = list(self._mixes.values())
        changing = False
        for mix in mixes:
            if mix.pending is not None:
                members = mix.pending[0]
                mix.slots = mix.members + [m for m in members if m not in mix.members]
                changing = True
            else:
                mix.slots = mix.members
        width = max((len(mix.slots) for mix in mixes), default=0)
        if width == 0:
            self._commit(mixes)
            return {}
        signal = np.zeros((len(mixes), width, FRAME_SAMPLES), dtype=np.float32)
        new = np.zeros((len(mixes), width, width), dtype=np.float32)
        old = np.zeros_like(new) if changing else new
        for k, mix in enumerate(mixes):
            index = {member: i for i, member in enumerate(mix.slots)}
            for member, i in index.items():
                frame = frames.get(member)
                if frame is not None:
                    signal[k, i] = frame
            target = mix.pending[1] if mix.pending is not None else mix.gains
            _fill(new[k], index, target)
            if changing:
                _fill(old[k], index, mix.gains)
        self._measure(mixes, signal)
        mixed: npt.NDArray[np.float32] = np.matmul(new, signal)
        if changing:
            mixed = np.matmul(old, signal) * (1.0 - _RAMP) + mixed * _RAMP
        pcm = _limited(mixed)
        out: dict[str, Pcm] = {}
        for k, mix in enumerate(mixes):
            keep = mix.pending[0] if mix.pending is not None else mix.members
            for i, member in enumerate(mix.slots):
                if member in keep:
                    out[member] = pcm[k, i]
        self._commit(mixes)
        return out

    def _measure(self, mixes: list[_Mix], signal: npt.NDArray[np.float32]) -> None:
        """Each speaker's level, from the frames the tick mixes anyway (who is talking, TEL-21)."""
        power = np.sqrt(np.mean(np.square(signal), axis=2))
        levels = self._levels
        for k, mix in enumerate(mixes):
            for i, member in enumerate(mix.slots):
                levels[member] = max(float(power[k, i]), levels.get(member, 0.0) * _LEVEL_DECAY)

    def _commit(self, mixes: list[_Mix]) -> None:
        for mix in mixes:
            if mix.pending is not None:
                mix.members, mix.gains = mix.pending
                mix.pending = None
            mix.slots = mix.members


def _limited(mixed: npt.NDArray[np.float32]) -> npt.NDArray[np.int16]:
    """Frames whose sum would pass full scale are scaled down whole rather than clipped: several loud
    voices in a conference then stay clean (clipping's distortion puts tones nobody sent into the mix)."""
    peak = np.max(np.abs(mixed), axis=-1, keepdims=True)
    if float(peak.max(initial=0.0)) > 32767.0:
        mixed = np.rint(mixed * np.minimum(1.0, 32767.0 / np.maximum(peak, 1.0)))
    return np.clip(mixed, -32768, 32767).astype(np.int16)


def _fill(matrix: npt.NDArray[np.float32], index: Mapping[str, int], gains: Gains) -> None:
    for (listener, speaker), gain in gains.items():
        i, j = index.get(listener), index.get(speaker)
        if i is not None and j is not None:
            matrix[i, j] = gain
