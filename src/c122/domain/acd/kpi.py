"""Queue KPIs recomputed purely from queue log records, with configurable definitions.

Counting rules (a call counts in the window its queue wait ended in):
  answered A   CONNECT records of live calls (callbacks are outbound work, not offered calls)
  A_T          answered with wait <= T
  abandoned Ab ABANDON records; Ab_S those with wait < S (short abandons); Ab_T those with wait <= T
  timed out TO EXIT_TIMEOUT records (sent to overflow after the max wait)
  offered N    A + Ab + TO. Callers refused on entry (full, empty) never waited and are counted apart.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from c122.domain.acd.queue_log import QueueLogKind, QueueLogRecord

K = QueueLogKind


class ServiceLevelFormula(StrEnum):
    ANSWERED_OF_OFFERED = "answered_of_offered"  # A_T / (A + Ab + TO)
    SHORT_ABANDONS_IGNORED = "short_abandons_ignored"  # A_T / (A + Ab - Ab_S + TO)
    ABANDONS_WITHIN_T_MET = "abandons_within_t_met"  # (A_T + Ab_T) / (A + Ab + TO)
    ANSWERED_ONLY = "answered_only"  # A_T / A


@dataclass(frozen=True, slots=True, kw_only=True)
class KpiDefinitions:
    service_level_s: float = 20.0  # T
    short_abandon_s: float = 5.0  # S
    formula: ServiceLevelFormula = ServiceLevelFormula.SHORT_ABANDONS_IGNORED
    abandon_rate_ignores_short: bool = True
    service_level_target: float = 0.8  # the share answered within T aimed for; a queue below it is marked


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueKpis:
    offered: int
    answered: int
    answered_within_t: int
    abandoned: int
    short_abandoned: int
    abandoned_within_t: int
    timed_out: int
    refused_on_entry: int
    completed: int
    service_level: float | None  # 0..1, None when the denominator is zero
    asa_s: float | None  # average speed of answer
    aht_s: float | None  # average handling time: talk + wrap-up per completed call
    abandon_rate: float | None
    occupancy: float | None  # (talk + wrap-up) / (ready + ringing + talk + wrap-up), all operators
    longest_wait_s: float


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


def _clipped(record: QueueLogRecord, start: float | None, end: float | None) -> float:
    """Part of the state interval [at - duration, at] inside the window."""
    duration = record.duration_s or 0.0
    low, high = record.at - duration, record.at
    if start is not None:
        low = max(low, start)
    if end is not None:
        high = min(high, end)
    return max(0.0, high - low)


_HANDLING = frozenset({"on_call", "wrap_up"})
_AVAILABLE = frozenset({"ready", "offered"})


def compute_kpis(
    records: Iterable[QueueLogRecord],
    definitions: KpiDefinitions = KpiDefinitions(),
    *,
    queue_ids: Collection[str] | None = None,
    start: float | None = None,
    end: float | None = None,
    media: str = "voice",
) -> QueueKpis:
    """KPIs for the queues given (all when None) over the window [start, end), of calls (`voice`) or of
    chats (`text`): the two are separate channels, so a chat never counts as an answered call."""
    t, s = definitions.service_level_s, definitions.short_abandon_s
    answered = answered_t = abandoned = short = abandoned_t = timed_out = refused = completed = 0
    waits_answered = talk = wrap = handling = available = longest = 0.0
    for r in records:
        if r.kind is K.STATE_CHANGE:
            # State time counts for occupancy whatever the queue; wrap-up time counts for AHT per queue.
            share = _clipped(r, start, end)
            if r.old_status in _HANDLING:
                handling += share
            elif r.old_status in _AVAILABLE:
                available += share
            in_window = (start is None or r.at >= start) and (end is None or r.at < end)
            if r.old_status == "wrap_up" and in_window and (queue_ids is None or r.queue_id in queue_ids):
                wrap += r.duration_s or 0.0
            continue
        if r.media != media:
            continue
        if (start is not None and r.at < start) or (end is not None and r.at >= end):
            continue
        if queue_ids is not None and r.queue_id not in queue_ids:
            continue
        waited = r.waited_s or 0.0
        if r.kind is K.CONNECT and not r.is_callback:
            answered += 1
            answered_t += waited <= t
            waits_answered += waited
            longest = max(longest, waited)
        elif r.kind is K.ABANDON:
            abandoned += 1
            short += waited < s
            abandoned_t += waited <= t
            longest = max(longest, waited)
        elif r.kind is K.EXIT_TIMEOUT:
            timed_out += 1
            longest = max(longest, waited)
        elif r.kind in (K.EXIT_FULL, K.EXIT_EMPTY):
            refused += 1
        elif r.kind in (K.COMPLETE_CALLER, K.COMPLETE_OPERATOR, K.TRANSFER):
            completed += 1
            talk += r.talk_s or 0.0
    offered = answered + abandoned + timed_out
    formula = definitions.formula
    if formula is ServiceLevelFormula.ANSWERED_OF_OFFERED:
        service_level = _ratio(answered_t, offered)
    elif formula is ServiceLevelFormula.SHORT_ABANDONS_IGNORED:
        service_level = _ratio(answered_t, offered - short)
    elif formula is ServiceLevelFormula.ABANDONS_WITHIN_T_MET:
        service_level = _ratio(answered_t + abandoned_t, offered)
    else:
        service_level = _ratio(answered_t, answered)
    counted_abandons = abandoned - short if definitions.abandon_rate_ignores_short else abandoned
    counted_offered = offered - short if definitions.abandon_rate_ignores_short else offered
    return QueueKpis(
        offered=offered,
        answered=answered,
        answered_within_t=answered_t,
        abandoned=abandoned,
        short_abandoned=short,
        abandoned_within_t=abandoned_t,
        timed_out=timed_out,
        refused_on_entry=refused,
        completed=completed,
        service_level=service_level,
        asa_s=_ratio(waits_answered, answered),
        aht_s=_ratio(talk + wrap, completed),
        abandon_rate=_ratio(counted_abandons, counted_offered),
        occupancy=_ratio(handling, handling + available),
        longest_wait_s=longest,
    )
