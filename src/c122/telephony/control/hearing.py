"""Who hears whom in a bridge: pure rules from bridge kind, hold, mute and supervisors."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

Pair = tuple[str, str]  # (listener, speaker)


class BridgeKind(StrEnum):
    DIRECT = "direct"  # two parties; payloads forwarded untouched while nobody else joins
    MIXING = "mixing"  # a conference: everyone hears everyone but themselves


class SnoopMode(StrEnum):
    """A supervisor on an operator's call (ARI's snoop spy/whisper)."""

    LISTEN = "listen"  # hears caller and operator; nobody hears the supervisor (spy)
    WHISPER = "whisper"  # hears both; only the operator hears the supervisor (spy + whisper)
    BARGE = "barge"  # joins the conversation: all hear all


@dataclass(frozen=True, slots=True)
class SnoopRule:
    supervisor: str
    target: str
    mode: SnoopMode


def hearing(
    parties: Sequence[str],
    snoops: Collection[SnoopRule] = (),
    silenced: Collection[str] = (),
    deaf: Collection[str] = (),
) -> set[Pair]:
    """The (listener, speaker) pairs of a bridge.

    The conversation's voices are its parties and every barging supervisor: everyone in the bridge
    hears them, other supervisors included (two seniors barging into one call hear each other, and a
    listening one hears both). A whisper reaches its target only; nobody hears a listener.
    `silenced` legs are heard by nobody (held or muted); `deaf` legs hear nobody (held: they get
    music instead).
    """
    supervisors = {rule.supervisor for rule in snoops}
    voices = [p for p in parties if p not in supervisors]
    voices += [rule.supervisor for rule in snoops if rule.mode is SnoopMode.BARGE]
    everyone = [*parties, *(s for s in supervisors if s not in parties)]
    pairs = {(a, b) for a in everyone for b in voices if a != b}
    pairs.update((r.target, r.supervisor) for r in snoops if r.mode is SnoopMode.WHISPER)
    return {(a, b) for a, b in pairs if b not in silenced and a not in deaf}
