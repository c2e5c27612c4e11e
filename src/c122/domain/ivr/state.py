"""Where a caller is in an IVR flow: a plain value the service keeps with the call (and may persist)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from c122.domain.ivr.actions import FINAL_ACTIONS, Action

MAX_CHOICES = 32
"""Menu choices remembered for the call record; a caller looping through menus keeps only the latest."""


class Phase(StrEnum):
    PLAYING = "playing"  # waiting for the playback to finish (or a key, where it may interrupt)
    WAITING = "waiting"  # waiting for a key or the input timeout
    DONE = "done"  # the flow ended with enqueue, transfer, hang-up or a callback request


@dataclass(frozen=True, slots=True)
class IvrState:
    flow_version: int
    node: str
    phase: Phase
    retries: int = 0
    digits: str = ""
    """Keys collected so far in a collect node."""
    case_type: int | None = None
    collected: tuple[tuple[str, str], ...] = ()
    """(variable, digits) in the order collected; a later value of a variable replaces the earlier."""
    choices: tuple[tuple[str, str], ...] = ()
    """(menu node, key) the caller picked, latest last."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "flow_version": self.flow_version,
            "node": self.node,
            "phase": self.phase.value,
            "retries": self.retries,
            "digits": self.digits,
            "case_type": self.case_type,
            "collected": [list(pair) for pair in self.collected],
            "choices": [list(pair) for pair in self.choices],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IvrState:
        return cls(
            flow_version=int(data["flow_version"]),
            node=str(data["node"]),
            phase=Phase(data["phase"]),
            retries=int(data["retries"]),
            digits=str(data["digits"]),
            case_type=None if data["case_type"] is None else int(data["case_type"]),
            collected=tuple((str(k), str(v)) for k, v in data["collected"]),
            choices=tuple((str(k), str(v)) for k, v in data["choices"]),
        )

    @property
    def variables(self) -> dict[str, str]:
        return dict(self.collected)


@dataclass(frozen=True, slots=True)
class Step:
    """The actions to carry out in order, and the state to keep. No actions: the input was ignored."""

    actions: tuple[Action, ...]
    state: IvrState
    passed: tuple[str, ...] = ()
    """Nodes the step went through without stopping (schedule branches, case types), in order."""

    @property
    def final(self) -> Action | None:
        """The enqueue, transfer, hang-up or callback request that ended the flow, if this step ended it."""
        last = self.actions[-1] if self.actions else None
        return last if isinstance(last, FINAL_ACTIONS) else None
