"""Which carrier trunk a public number leaves through, and the caller ID it presents (TEL-24).

A region's hotline presents that region's number: a trunk lists the number prefixes it serves and the
caller ID to show there. The longest matching prefix wins; a trunk without prefixes takes the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Trunk:
    name: str
    host: str
    port: int = 5060
    prefixes: tuple[str, ...] = ()  # E.164 prefixes, e.g. "+7495"; empty: every other number
    caller_id: str | None = None  # E.164 presented in From and P-Asserted-Identity


@dataclass(frozen=True, slots=True)
class Route:
    trunk: Trunk
    caller_id: str | None


def route_for(number: str, trunks: Sequence[Trunk]) -> Route | None:
    """The trunk for an E.164 number: the longest prefix that matches, else a trunk with no prefixes."""
    best: tuple[int, Trunk] | None = None
    fallback: Trunk | None = None
    for trunk in trunks:
        if not trunk.prefixes:
            fallback = fallback or trunk
            continue
        for prefix in trunk.prefixes:
            if number.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), trunk)
    chosen = best[1] if best is not None else fallback
    return Route(chosen, chosen.caller_id) if chosen is not None else None
