"""A dry run of a flow for the editor's «try it»: the same Executor the calls use, fed with the keys an
administrator typed and a chosen moment, instead of a caller. Nothing is played; each step says which
node the caller reached and why, and the outcome says where the caller ends up.

The simulated caller presses the next key whenever the flow listens for one (a menu or collect node,
while its prompt plays or after it); a prompt that cannot be interrupted is heard to the end. When the
keys run out the caller stays silent, so the input timers fire and retries lead to the fallbacks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from c122.domain.ivr.actions import (
    DigitsCollected,
    Enqueue,
    MenuChosen,
    Play,
    RequestCallback,
    SetCaseType,
    Transfer,
    WaitForDigits,
)
from c122.domain.ivr.executor import Executor
from c122.domain.ivr.nodes import Flow
from c122.domain.ivr.state import Phase, Step

MAX_KEYS = 64
MAX_EVENTS = 200
"""A flow with input can loop for ever (a fallback back to its menu); the run stops after this many."""

Event = Literal["start", "key", "timeout", "played"]
Outcome = Literal["enqueue", "transfer", "hang_up", "callback", "limit"]


@dataclass(frozen=True, slots=True)
class SimStep:
    """One event and the nodes the caller went through because of it; `node` is where they stopped."""

    event: Event
    key: str | None
    passed: tuple[str, ...]
    node: str
    played: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    """What happened on the way: «menu main: 1», «collected policy = 123», «case type 5»."""


@dataclass(frozen=True, slots=True)
class Simulation:
    steps: tuple[SimStep, ...]
    outcome: Outcome
    end_node: str
    queue: str | None = None
    priority: int | None = None
    number: str | None = None
    case_type: int | None = None
    variables: dict[str, str] = field(default_factory=dict)
    keys_left: str = ""
    """Keys typed that the flow never asked for."""

    @property
    def path(self) -> tuple[str, ...]:
        """Every node the caller went through, in order, a node entered again listed again."""
        out: list[str] = []
        for step in self.steps:
            out.extend(step.passed)
            if not out or out[-1] != step.node or step.passed:
                out.append(step.node)
        return tuple(out)


def simulate(flow: Flow, keys: str, at: datetime) -> Simulation:
    """Runs the flow (already valid) for a caller who presses `keys` at the moment `at` (with a zone)."""
    executor = Executor(flow)
    steps: list[SimStep] = []
    remaining = list(keys[:MAX_KEYS])
    step = executor.start(at)
    steps.append(_record(step, "start", None))
    for _ in range(MAX_EVENTS):
        if step.final is not None:
            return _finish(step, steps, "".join(remaining))
        state = step.state
        listening = _listening(step) or state.phase is Phase.WAITING
        if remaining and listening:
            key = remaining.pop(0)
            step = executor.on_digit(state, key, at)
            steps.append(_record(step, "key", key, state.node))
        elif state.phase is Phase.WAITING:
            step = executor.on_timeout(state, at)
            steps.append(_record(step, "timeout", None, state.node))
        else:
            step = executor.on_playback_finished(state, at)
            steps.append(_record(step, "played", None, state.node))
    return Simulation(
        steps=tuple(steps), outcome="limit", end_node=step.state.node, keys_left="".join(remaining)
    )


def _listening(step: Step) -> bool:
    """The flow plays a prompt a key may interrupt (a menu's or a collect node's)."""
    plays = [action for action in step.actions if isinstance(action, Play)]
    return step.state.phase is Phase.PLAYING and bool(plays) and plays[-1].barge_in


def _record(step: Step, event: Event, key: str | None, before: str | None = None) -> SimStep:
    played: list[str] = []
    notes: list[str] = []
    for action in step.actions:
        match action:
            case Play(prompts=prompts):
                played.extend(prompts)
            case MenuChosen(node=node, key=chosen):
                notes.append(f"menu {node}: {chosen}")
            case DigitsCollected(variable=variable, digits=digits):
                notes.append(f"collected {variable} = {digits}")
            case SetCaseType(case_type=case_type):
                notes.append(f"case type {case_type}")
            case WaitForDigits():
                notes.append("waiting")
            case RequestCallback(queue=queue, confirm_prompt=confirm):
                notes.append(f"callback requested in queue {queue}")
                played.extend([confirm] if confirm is not None else [])
    if event == "key" and not step.actions:
        notes.append("key ignored")
    node = step.state.node if step.actions or before is None else before
    return SimStep(event, key, step.passed, node, tuple(played), tuple(notes))


def _finish(step: Step, steps: list[SimStep], left: str) -> Simulation:
    state = step.state
    final = step.final
    outcome: Outcome = "hang_up"
    queue = number = None
    priority = None
    if isinstance(final, Enqueue):
        outcome, queue, priority = "enqueue", final.queue, final.priority
    elif isinstance(final, Transfer):
        outcome, number = "transfer", final.number
    elif isinstance(final, RequestCallback):
        outcome, queue, priority = "callback", final.queue, final.priority
    return Simulation(
        steps=tuple(steps),
        outcome=outcome,
        end_node=state.node,
        queue=queue,
        priority=priority,
        number=number,
        case_type=state.case_type,
        variables=state.variables,
        keys_left=left,
    )
