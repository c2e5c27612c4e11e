"""Runs a caller through an IVR flow as a pure state machine.

The service calls `start` when the call enters the flow, then feeds each event (a key, the input timer
firing, a playback finishing) with the state it kept, carries out the returned actions in order and keeps
the new state. Time is an argument: schedule branches are decided at the moment given.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from c122.domain.ivr.actions import (
    Action,
    DigitsCollected,
    Enqueue,
    HangUp,
    MenuChosen,
    Play,
    RequestCallback,
    SetCaseType,
    StopPlayback,
    Transfer,
    WaitForDigits,
)
from c122.domain.ivr.nodes import (
    CallbackOfferNode,
    CollectNode,
    EnqueueNode,
    Flow,
    HangUpNode,
    MenuNode,
    Node,
    PlayNode,
    ScheduleNode,
    SetCaseTypeNode,
    TransferNode,
)
from c122.domain.ivr.schedule import ScheduleVerdict, evaluate
from c122.domain.ivr.state import MAX_CHOICES, IvrState, Phase, Step

DTMF_KEYS = frozenset("0123456789*#")


class FlowMismatch(ValueError):
    """The state was made by another version of the flow, or names a node the flow lacks."""


class SilentLoop(ValueError):
    """The flow moves between nodes forever without input; validate_flow refuses such flows."""


class Executor:
    """The rules for one flow version; holds no call state, so one instance serves every call."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self._zone = ZoneInfo(flow.timezone)

    def start(self, now: datetime) -> Step:
        state = IvrState(flow_version=self.flow.version, node=self.flow.entry, phase=Phase.PLAYING)
        return self._enter(self.flow.entry, state, now, [])

    def on_playback_finished(self, state: IvrState, now: datetime) -> Step:
        node = self._node(state)
        if state.phase is not Phase.PLAYING:
            return Step((), state)
        match node:
            case PlayNode():
                return self._enter(node.next, state, now, [])
            case HangUpNode():
                return Step((HangUp(),), replace(state, phase=Phase.DONE))
            case MenuNode() | CollectNode() | CallbackOfferNode():
                return Step((WaitForDigits(node.timeout_s),), replace(state, phase=Phase.WAITING))
        return Step((), state)

    def on_digit(self, state: IvrState, digit: str, now: datetime) -> Step:
        node = self._node(state)
        if digit not in DTMF_KEYS or state.phase is Phase.DONE:
            return Step((), state)
        before: list[Action] = [StopPlayback()] if state.phase is Phase.PLAYING else []
        match node:
            case MenuNode():
                target = node.branches.get(digit)
                if target is None:
                    return self._retry(node, state, now, before, node.invalid_prompt)
                choices = (*state.choices, (state.node, digit))[-MAX_CHOICES:]
                chosen = replace(state, choices=choices)
                return self._enter(target, chosen, now, [*before, MenuChosen(state.node, digit)])
            case CollectNode():
                return self._collect_key(node, state, digit, now, before)
            case CallbackOfferNode():
                if digit != node.accept_key:
                    return self._enter(node.declined, state, now, before)
                accepted = RequestCallback(node.queue, node.priority, node.confirm_prompt)
                return Step((*before, accepted), replace(state, phase=Phase.DONE))
        return Step((), state)

    def on_timeout(self, state: IvrState, now: datetime) -> Step:
        node = self._node(state)
        if state.phase is not Phase.WAITING:
            return Step((), state)
        match node:
            case MenuNode():
                return self._retry(node, state, now, [], node.timeout_prompt)
            case CollectNode():
                if state.digits and len(state.digits) >= node.min_length:
                    return self._finish_collect(node, state, now, [])
                notice = node.invalid_prompt if state.digits else None
                return self._retry(node, state, now, [], notice)
            case CallbackOfferNode():
                return self._enter(node.declined, state, now, [])  # silence declines the offer
        return Step((), state)

    def _node(self, state: IvrState) -> Node:
        if state.flow_version != self.flow.version or state.node not in self.flow.nodes:
            raise FlowMismatch(f"state of version {state.flow_version} at «{state.node}»")
        return self.flow.nodes[state.node]

    def _collect_key(
        self, node: CollectNode, state: IvrState, digit: str, now: datetime, before: list[Action]
    ) -> Step:
        if digit == node.terminator:
            if len(state.digits) >= node.min_length:
                return self._finish_collect(node, state, now, before)
            return self._retry(node, state, now, before, node.invalid_prompt)
        if not digit.isdigit():
            return Step((), state)  # * or # that is not the terminator means nothing here
        typed = replace(state, digits=state.digits + digit)
        if len(typed.digits) >= node.max_length:
            return self._finish_collect(node, typed, now, before)
        return self._wait_more(node, typed, before)

    def _wait_more(self, node: CollectNode, state: IvrState, before: list[Action]) -> Step:
        # Every key re-arms the timer: timeout_s is also the pause allowed between keys.
        return Step((*before, WaitForDigits(node.timeout_s)), replace(state, phase=Phase.WAITING))

    def _finish_collect(
        self, node: CollectNode, state: IvrState, now: datetime, before: list[Action]
    ) -> Step:
        collected = (
            *(pair for pair in state.collected if pair[0] != node.variable),
            (node.variable, state.digits),
        )
        done = replace(state, collected=collected, digits="")
        return self._enter(
            node.next, done, now, [*before, DigitsCollected(state.node, node.variable, state.digits)]
        )

    def _retry(
        self,
        node: MenuNode | CollectNode,
        state: IvrState,
        now: datetime,
        before: list[Action],
        notice: str | None,
    ) -> Step:
        """Another try at the node (wrong key, silence, too few digits) or, when used up, the fallback."""
        if state.retries >= node.max_retries:
            return self._enter(node.fallback, state, now, before)
        prompts = (notice, node.prompt) if notice is not None else (node.prompt,)
        again = replace(state, retries=state.retries + 1, digits="", phase=Phase.PLAYING)
        return Step((*before, Play(prompts, barge_in=True)), again)

    def _enter(self, node_id: str, state: IvrState, now: datetime, actions: list[Action]) -> Step:
        """Moves through nodes that need no input until one plays, waits, or ends the flow."""
        passed: list[str] = []
        for _ in range(len(self.flow.nodes) + 1):
            node = self.flow.nodes[node_id]
            at = replace(state, node=node_id, retries=0, digits="", phase=Phase.PLAYING)
            match node:
                case ScheduleNode():
                    passed.append(node_id)
                    node_id = self._schedule_branch(node, now)
                    continue
                case SetCaseTypeNode():
                    passed.append(node_id)
                    actions.append(SetCaseType(node.case_type))
                    state = replace(state, case_type=node.case_type)
                    node_id = node.next
                    continue
                case PlayNode():
                    return Step((*actions, Play((node.prompt,), barge_in=False)), at, tuple(passed))
                case MenuNode() | CollectNode() | CallbackOfferNode():
                    return Step((*actions, Play((node.prompt,), barge_in=True)), at, tuple(passed))
                case HangUpNode(prompt=None):
                    return Step((*actions, HangUp()), replace(at, phase=Phase.DONE), tuple(passed))
                case HangUpNode(prompt=str(prompt)):
                    return Step((*actions, Play((prompt,), barge_in=False)), at, tuple(passed))
                case EnqueueNode():
                    done = replace(at, phase=Phase.DONE)
                    return Step((*actions, Enqueue(node.queue, node.priority)), done, tuple(passed))
                case TransferNode():
                    done = replace(at, phase=Phase.DONE)
                    return Step((*actions, Transfer(node.number)), done, tuple(passed))
        raise SilentLoop(f"no input on the way from «{state.node}»")

    def _schedule_branch(self, node: ScheduleNode, now: datetime) -> str:
        verdict = evaluate(node.schedule, now, self._zone)
        if verdict is ScheduleVerdict.OPEN:
            return node.open
        if verdict is ScheduleVerdict.HOLIDAY and node.holiday is not None:
            return node.holiday
        return node.closed
