"""Automatic call distribution: operator states, queues and routing, wait estimates, callbacks, queue log
and KPIs — pure rules, no I/O. See docs/contact-center/acd.md for the public API and the methods."""

from c122.domain.acd.acd import Acd, Outcome
from c122.domain.acd.callbacks import CallbackEntry, CallbackStatus
from c122.domain.acd.calls import ConnectedCall, Placement, WaitingCall
from c122.domain.acd.config import (
    BreakPolicy,
    EmptyRule,
    GroupPolicy,
    Membership,
    OperatorProfile,
    QueueConfig,
    Strategy,
)
from c122.domain.acd.errors import (
    IllegalTransition,
    NoSuchOffer,
    OutOfScope,
    UnknownCall,
    UnknownOperator,
    UnknownQueue,
)
from c122.domain.acd.events import (
    BreakSuggested,
    BreakTimeElapsed,
    CallAbandoned,
    CallbackClosed,
    CallbackCreated,
    CallCompleted,
    CallConnected,
    CallExited,
    CallMoved,
    CallOffered,
    CallQueued,
    CallTransferred,
    CompletedBy,
    DomainEvent,
    ExitReason,
    Offer,
    OfferRejected,
    OfferWithdrawn,
    OperatorStateChanged,
)
from c122.domain.acd.figures import QueueFigures, queue_figures
from c122.domain.acd.history import HistorySnapshot, QueueHistory
from c122.domain.acd.kpi import KpiDefinitions, QueueKpis, ServiceLevelFormula, compute_kpis
from c122.domain.acd.operator_state import (
    TRANSITIONS,
    BreakReason,
    OperatorState,
    OperatorStatus,
    Pending,
    Trigger,
)
from c122.domain.acd.queue_log import QueueLogKind, QueueLogRecord, to_record, to_records
from c122.domain.acd.scope import SeniorScope
from c122.domain.acd.state import AcdConfig, AcdSnapshot, AcdState
from c122.domain.acd.strategies import RandomSource
from c122.domain.acd.wait_estimate import Server, WaitEstimate, estimate_wait, expected_wait

__all__ = [
    "TRANSITIONS",
    "Acd",
    "AcdConfig",
    "AcdSnapshot",
    "AcdState",
    "BreakPolicy",
    "BreakReason",
    "BreakSuggested",
    "BreakTimeElapsed",
    "CallAbandoned",
    "CallCompleted",
    "CallConnected",
    "CallExited",
    "CallMoved",
    "CallOffered",
    "CallQueued",
    "CallTransferred",
    "CallbackClosed",
    "CallbackCreated",
    "CallbackEntry",
    "CallbackStatus",
    "CompletedBy",
    "ConnectedCall",
    "DomainEvent",
    "EmptyRule",
    "ExitReason",
    "GroupPolicy",
    "HistorySnapshot",
    "IllegalTransition",
    "KpiDefinitions",
    "Membership",
    "NoSuchOffer",
    "Offer",
    "OfferRejected",
    "OfferWithdrawn",
    "OperatorProfile",
    "OperatorState",
    "OperatorStateChanged",
    "OperatorStatus",
    "OutOfScope",
    "Outcome",
    "Pending",
    "Placement",
    "QueueConfig",
    "QueueFigures",
    "QueueHistory",
    "QueueKpis",
    "QueueLogKind",
    "QueueLogRecord",
    "RandomSource",
    "SeniorScope",
    "Server",
    "ServiceLevelFormula",
    "Strategy",
    "Trigger",
    "UnknownCall",
    "UnknownOperator",
    "UnknownQueue",
    "WaitEstimate",
    "WaitingCall",
    "compute_kpis",
    "estimate_wait",
    "expected_wait",
    "queue_figures",
    "to_record",
    "to_records",
]
