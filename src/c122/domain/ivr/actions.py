"""What the IVR asks the call flow service to do; a Step carries them in order."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Play:
    """Play the prompts one after another, then report playback finished once.

    `barge_in`: a key may interrupt; the IVR then sends StopPlayback itself.
    """

    prompts: tuple[str, ...]
    barge_in: bool


@dataclass(frozen=True, slots=True)
class StopPlayback:
    """Stop the current playback; do not report it finished."""


@dataclass(frozen=True, slots=True)
class WaitForDigits:
    """Arm the input timer: report a timeout after `timeout_s` unless a later step replaces it."""

    timeout_s: float


@dataclass(frozen=True, slots=True)
class MenuChosen:
    """The caller picked `key` in menu `node` (for the call record's IVR choice)."""

    node: str
    key: str


@dataclass(frozen=True, slots=True)
class DigitsCollected:
    node: str
    variable: str
    digits: str


@dataclass(frozen=True, slots=True)
class SetCaseType:
    case_type: int


@dataclass(frozen=True, slots=True)
class Enqueue:
    """Final: put the caller into `queue` with `priority` (higher is served first)."""

    queue: str
    priority: int


@dataclass(frozen=True, slots=True)
class Transfer:
    """Final: blind transfer to an external number (E.164)."""

    number: str


@dataclass(frozen=True, slots=True)
class RequestCallback:
    """Final: the caller accepted a callback; file the request in `queue`'s abandoned-calls list with
    `priority`, play `confirm_prompt` (when given) to the end, then hang up."""

    queue: str
    priority: int
    confirm_prompt: str | None


@dataclass(frozen=True, slots=True)
class HangUp:
    """Final: hang up the caller."""


Action = (
    Play
    | StopPlayback
    | WaitForDigits
    | MenuChosen
    | DigitsCollected
    | SetCaseType
    | Enqueue
    | Transfer
    | HangUp
    | RequestCallback
)
FINAL_ACTIONS = (Enqueue, Transfer, HangUp, RequestCallback)
