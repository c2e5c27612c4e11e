"""Refusals raised by the ACD rules; they extend the domain's error family so adapters map them once."""

from __future__ import annotations

from c122.domain.errors import Conflict, DomainError, Forbidden, NotFound


class IllegalTransition(Conflict):
    """The operator's current state does not allow the requested change."""

    code = "illegal_transition"


class UnknownOperator(NotFound):
    code = "unknown_operator"


class UnknownCall(NotFound):
    code = "unknown_call"


class CallAnswered(Conflict):
    """A senior's move or removal reached a caller an operator has just answered: nothing changes."""

    code = "call_answered"


class UnknownQueue(NotFound):
    code = "unknown_queue"


class OutOfScope(Forbidden):
    """A senior acted on a queue, operator or group outside the groups they supervise."""

    code = "out_of_scope"


class NoSuchOffer(Conflict):
    code = "no_such_offer"


class CallbackTaken(Conflict):
    """Another operator has already taken this abandoned caller to call back."""

    code = "callback_taken"

    def __init__(self, entry_id: str, operator_id: str) -> None:
        super().__init__(f"callback {entry_id} is taken by operator {operator_id}")
        self.operator_id = operator_id


__all__ = [
    "CallAnswered",
    "CallbackTaken",
    "DomainError",
    "IllegalTransition",
    "NoSuchOffer",
    "OutOfScope",
    "UnknownCall",
    "UnknownOperator",
    "UnknownQueue",
]
