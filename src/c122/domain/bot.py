"""The chat bot (MM-04): an IVR flow driven as a text menu for chat, messenger and SMS — the same flow
data the voice IVR plays. Prompts are shown as their texts, a menu's keys are the choices (buttons in a
messenger, digits typed in SMS), the working-hours branches apply, and the flow's enqueue hands the
conversation to operators with its transcript.

Pure stepping: the IVR's own Executor decides every move; this module only turns a typed answer into
the executor's events (a key, playback finished) and its Play actions into texts."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from c122.domain.errors import FieldProblem
from c122.domain.ivr import (
    CollectNode,
    Enqueue,
    Executor,
    Flow,
    HangUp,
    IvrState,
    MenuNode,
    Phase,
    Play,
    Step,
    Transfer,
    prompts,
)

DTMF_KEYS = "0123456789*#"
MAX_TRANSCRIPT = 200
"""Lines kept in a session's transcript; a citizen looping through menus keeps only the latest."""
MAX_ANSWER = 500


class Speaker(StrEnum):
    BOT = "bot"
    CITIZEN = "citizen"


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the conversation with the bot, for the transcript the operator receives."""

    speaker: Speaker
    text: str
    at: datetime


class Outcome(StrEnum):
    WAITING = "waiting"  # the bot asked and waits for an answer
    HANDED_OVER = "handed_over"  # the flow reached a queue: operators take the conversation
    TRANSFERRED = "transferred"  # the flow gives a phone number to call
    ENDED = "ended"  # the flow hung up


@dataclass(frozen=True, slots=True)
class BotTurn:
    """What the bot says after one event, the choices it offers, and where the conversation stands."""

    state: IvrState
    texts: tuple[str, ...]
    choices: tuple[str, ...] = ()
    outcome: Outcome = Outcome.WAITING
    queue: str | None = None
    priority: int = 0
    number: str | None = None

    @property
    def case_type(self) -> int | None:
        return self.state.case_type


@dataclass(frozen=True, slots=True)
class BotConversation:
    """A persisted bot session's pure part: where it is in the flow and what was said."""

    flow_name: str
    state: IvrState
    transcript: tuple[Line, ...] = field(default_factory=tuple)

    def said(self, *lines: Line) -> BotConversation:
        return replace(self, transcript=(*self.transcript, *lines)[-MAX_TRANSCRIPT:])

    def transcript_dict(self) -> list[dict[str, Any]]:
        return [
            {"speaker": line.speaker.value, "text": line.text, "at": line.at.isoformat()}
            for line in self.transcript
        ]

    @staticmethod
    def transcript_from(data: list[dict[str, Any]]) -> tuple[Line, ...]:
        return tuple(
            Line(Speaker(item["speaker"]), str(item["text"]), datetime.fromisoformat(item["at"]))
            for item in data
        )


class TextBot:
    """The rules for one flow version as a text menu; holds no session state, one instance serves all."""

    def __init__(self, flow: Flow, texts: Mapping[str, str]) -> None:
        self.flow = flow
        self._executor = Executor(flow)
        self._texts = texts

    def start(self, now: datetime) -> BotTurn:
        return self._settle(self._executor.start(now), now, [])

    def answer(self, state: IvrState, answer: str, now: datetime) -> BotTurn:
        """The citizen's answer: a menu key (a button's value or a typed digit) or the digits a collect
        node asks for. Anything else in a menu counts as a wrong key: the flow's retry rules apply."""
        if state.phase is Phase.DONE:
            return BotTurn(state, ())
        node = self.flow.nodes[state.node]
        typed = answer.strip()[:MAX_ANSWER]
        match node:
            case MenuNode():
                key = typed if typed in node.branches else _wrong_key(node)
                if key is None:
                    return self._settle(self._executor.on_timeout(state, now), now, [])
                return self._settle(self._executor.on_digit(state, key, now), now, [])
            case CollectNode():
                return self._collect(node, state, typed, now)
        return BotTurn(state, ())

    def _collect(self, node: CollectNode, state: IvrState, typed: str, now: datetime) -> BotTurn:
        texts: list[str] = []
        digits = "".join(ch for ch in typed if ch.isdigit())
        if not digits:
            wrong = self._executor.on_timeout(state, now)  # nothing usable: a retry, like silence
            return self._settle(wrong, now, texts)
        step = Step((), state)
        for digit in digits[: node.max_length]:
            step = self._executor.on_digit(step.state, digit, now)
            texts.extend(self._texts_of(step))
            if step.state.node != state.node or step.state.phase is Phase.DONE:
                return self._settle(step, now, texts, shown=True)
        # The whole answer is typed at once: its end is the end of the input.
        return self._settle(self._executor.on_timeout(step.state, now), now, texts)

    def _settle(self, step: Step, now: datetime, texts: list[str], *, shown: bool = False) -> BotTurn:
        """Shows what the step plays and lets playbacks end at once (a text is read, not listened to)
        until the flow waits for an answer or ends."""
        if not shown:
            texts.extend(self._texts_of(step))
        for _ in range(len(self.flow.nodes) * 4 + 4):
            final = step.final
            if isinstance(final, Enqueue):
                return BotTurn(step.state, tuple(texts), (), Outcome.HANDED_OVER, final.queue, final.priority)
            if isinstance(final, Transfer):
                return BotTurn(step.state, tuple(texts), (), Outcome.TRANSFERRED, number=final.number)
            if isinstance(final, HangUp):
                return BotTurn(step.state, tuple(texts), (), Outcome.ENDED)
            if step.state.phase is Phase.WAITING:
                return BotTurn(step.state, tuple(texts), self.choices(step.state))
            step = self._executor.on_playback_finished(step.state, now)
            texts.extend(self._texts_of(step))
        return BotTurn(step.state, tuple(texts), self.choices(step.state))

    def _texts_of(self, step: Step) -> list[str]:
        return [
            self._texts.get(prompt, "")
            for action in step.actions
            if isinstance(action, Play)
            for prompt in action.prompts
            if self._texts.get(prompt)
        ]

    def choices(self, state: IvrState) -> tuple[str, ...]:
        """The keys the bot waits for now (a stored session's buttons shown again)."""
        if state.phase is not Phase.WAITING:
            return ()
        node = self.flow.nodes.get(state.node)
        return tuple(node.branches) if isinstance(node, MenuNode) else ()


def _wrong_key(node: MenuNode) -> str | None:
    """A key the menu does not take, so the executor counts a wrong answer (its invalid prompt and
    retries); None when every key is a branch (then the answer counts as silence)."""
    return next((key for key in DTMF_KEYS if key not in node.branches), None)


def text_problems(flow: Flow, texts: Collection[str]) -> list[FieldProblem]:
    """What keeps the flow from running as a text menu: a prompt with no text form. `texts`: the names
    of prompts that have one. A menu without text is named on its node: a citizen would get no question."""
    problems: list[FieldProblem] = []
    for node_id, node in flow.nodes.items():
        for name, prompt in prompts(node):
            if prompt in texts:
                continue
            path = f"nodes.{node_id}.{name}"
            if isinstance(node, MenuNode) and name == "prompt":
                problems.append(
                    FieldProblem(
                        path,
                        "menu_without_text",
                        f"у меню «{node_id}» нет текста: задайте текст фразы «{prompt}» для чата",
                    )
                )
            else:
                problems.append(
                    FieldProblem(path, "prompt_without_text", f"у фразы «{prompt}» нет текста для чата")
                )
    return problems
