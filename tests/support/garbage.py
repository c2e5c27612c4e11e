"""What only the cycle collector could free: objects in reference cycles.

An ended call should be freed by reference counting the moment nothing holds it. What a cycle holds
instead waits for the collector; a call lives long enough to reach the oldest generation, so its
garbage waits for the full pass, which at 100 calls/s stopped the whole node for 6 s every few minutes
(docs/contact-center/call-flow.md). `collector_paused()` turns the collector off for a block and then
lists what of the product's own modules it would have had to free, with one cycle for the message.
"""

from __future__ import annotations

import gc
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager


class CycleWatch:
    def __init__(self) -> None:
        self.garbage: list[object] = []

    def left(self, *modules: str) -> Counter[str]:
        """The kinds of objects from `modules` (prefixes) found only in cycles, with their counts."""
        return Counter(_kind(o) for o in self.garbage if _module(o).startswith(modules))

    def explain(self, *modules: str) -> str:
        """The kinds left in cycles and the shortest cycle through the first such object."""
        left = self.left(*modules)
        if not left:
            return "nothing"
        inside = {id(o) for o in self.garbage}
        ours = (o for o in self.garbage if _module(o).startswith(modules))
        path = next((p for p in (_cycle_through(o, inside) for o in ours) if len(p) > 1), [])
        return f"{dict(left)}; a cycle: {' -> '.join(_kind(o) for o in path) or 'none through them'}"


@contextmanager
def collector_paused() -> Iterator[CycleWatch]:
    """The collector is off inside the block; on leaving it, `garbage` holds what it then finds."""
    gc.collect()  # what others left before is not this block's
    enabled = gc.isenabled()
    gc.disable()
    watch = CycleWatch()
    try:
        yield watch
    finally:
        flags = gc.get_debug()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            gc.collect()
            watch.garbage = list(gc.garbage)
        finally:
            gc.garbage.clear()
            gc.set_debug(flags)
            if enabled:
                gc.enable()


def _module(o: object) -> str:
    return type(o).__module__ or ""


def _kind(o: object) -> str:
    return f"{_module(o)}.{type(o).__qualname__}"


def _cycle_through(start: object, inside: set[int]) -> list[object]:
    """Breadth first over what `start` refers to, within the garbage, back to `start` (only `start`
    when no cycle runs through it: something in a cycle merely holds it)."""
    came_from: dict[int, object] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for ref in gc.get_referents(node):
            if ref is start:
                path = [node]
                while path[-1] is not start:
                    path.append(came_from[id(path[-1])])
                return [*reversed(path), start]
            if id(ref) in inside and id(ref) not in came_from:
                came_from[id(ref)] = node
                queue.append(ref)
    return [start]
