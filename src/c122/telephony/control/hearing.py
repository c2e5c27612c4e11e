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

    `silenced` legs are heard by nobody (held or muted); `deaf` legs hear nobody (held: they get
    music instead).
    """
    supervisors = {rule.supervisor for rule in snoops}
    talkers = [p for p in parties if p not in supervisors]
    pairs = {(a, b) for a in talkers for b in talkers if a != b}
    for rule in snoops:
        pairs.update((rule.supervisor, party) for party in talkers)
        if rule.mode is SnoopMode.WHISPER:
            pairs.add((rule.target, rule.supervisor))
        elif rule.mode is SnoopMode.BARGE:
            pairs.update((party, rule.supervisor) for party in talkers)
    return {(a, b) for a, b in pairs if b not in silenced and a not in deaf}
