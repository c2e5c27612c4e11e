"""The contact centre's use cases: one ACD per process, driven by requests, calls and a timer.

Every command runs under one lock (a single writer): the domain decides, the changed records and the
log rows are stored in one transaction, and only after the commit are the events published and the
listeners (the call source that carries out offers and exits) told. A refused command changes
nothing; a failed transaction puts the ACD back to what is stored.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Callable, Collection, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from c122.domain.acd import (
    Acd,
    AcdSnapshot,
    BreakSuggested,
    BreakTimeElapsed,
    CallAbandoned,
    CallConnected,
    CallExited,
    CallOffered,
    ChatAccepted,
    ChatEnded,
    ChatOffered,
    ChatOfferMissed,
    CompletedBy,
    DomainEvent,
    IllegalTransition,
    KpiDefinitions,
    NoSuchOffer,
    OperatorStateChanged,
    OperatorStatus,
    Outcome,
    QueueKpis,
    RandomSource,
    SeniorScope,
    ServiceLevelFormula,
    UnknownCall,
    UnknownOperator,
    compute_kpis,
    estimate_wait,
    to_records,
)
from c122.domain.calls.invitation import invited_by
from c122.domain.clock import Clock
from c122.domain.errors import Conflict, DomainError, Forbidden, NotFound
from c122.domain.intake import TextWork
from c122.domain.organisation import Queue
from c122.domain.users import Actor, Role
from c122.services.abandoned.ports import CallbackListEntry
from c122.services.contact_center import events as announcements
from c122.services.contact_center.board import (
    Colleague,
    case_in_work,
    colleagues_of,
    live_call,
    live_operator,
)
from c122.services.contact_center.callback_list import callback_entries
from c122.services.contact_center.chat_desk import (
    ChatDeskView,
    case_of,
    chat_call_id,
    chat_desk,
    desk_changed,
)
from c122.services.contact_center.commands import AcdCommand, CommandRelay, apply, scope_args
from c122.services.contact_center.metrics import GONE_CALLS
from c122.services.contact_center.ports import (
    CallProgress,
    ChatCases,
    ContactCenterUnitOfWork,
    OfferContext,
)
from c122.services.contact_center.queue_figures import WaitingCallBoard
from c122.services.contact_center.setup import CenterSetup, build_setup, fit_snapshot
from c122.services.contact_center.targets import free_operator, group_queue, service_groups
from c122.services.contact_center.views import (
    CALLS_SHOWN,
    LeftCallView,
    OfferExtras,
    OperatorView,
    QueueView,
    at,
    break_limit,
    operator_view,
    queue_view,
)
from c122.services.events import EventPublisher
from c122.services.ports import UnitOfWorkFactory
from c122.services.supervision.ports import CaseInWork, LiveOperator

Command = Callable[[Acd, float], Outcome]
Listener = Callable[[Outcome], None]
DesiredState = Literal["ready", "on_break", "offline"]
# How often at most a queue's live snapshot is published (zone 4 and the senior's board).
QUEUE_UPDATE_S = 0.2
# How many of the callers who left a queue lately the queues board shows, with why they left.
LEFT_SHOWN = 10

_log = logging.getLogger(__name__)
# Why a caller left a queue, as the queues board names it (ExitReason values otherwise kept).
_EXIT_REASONS = {"empty": "no_operators", "full": "queue_full"}


@dataclass
class _Job:
    command: Command
    store_without_events: bool
    future: asyncio.Future[Outcome]


def _fail(job: _Job, failure: BaseException) -> None:
    if not job.future.done():
        job.future.set_exception(failure)


class NotStarted(DomainError):
    code = "acd_not_started"


class ContactCenter:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[ContactCenterUnitOfWork],
        clock: Clock,
        publisher: EventPublisher,
        board: WaitingCallBoard,
        rng: RandomSource | None = None,
        decisions: UnitOfWorkFactory[ContactCenterUnitOfWork] | None = None,
    ) -> None:
        """`decisions`: where the ACD's decisions are stored, when not through `uow_factory` (the
        writer's own connection, so that a decision never waits for a pooled one)."""
        self._uow = uow_factory
        self._decisions = decisions or uow_factory
        self._clock = clock
        self._publisher = publisher
        self._board = board
        self._rng: RandomSource = rng or random.Random()
        self._lock = asyncio.Lock()
        self._acd: Acd | None = None
        self._setup: CenterSetup | None = None
        self._saved: AcdSnapshot | None = None
        self._listeners: list[Listener] = []
        self._pending: list[_Job] = []
        self._committer: asyncio.Task[None] | None = None
        self._dirty_queues: set[int] = set()
        self._flush_handle: asyncio.TimerHandle | None = None
        self._contexts: dict[str, OfferContext] = {}
        self._held: set[str] = set()  # calls on hold now: the board shows it, the ACD's rules ignore it
        # the card of each call an operator is on or wrapping up (by call id): the board's case in work
        self._cases: dict[str, CaseInWork] = {}
        self._callers: dict[str, str] = {}  # the number of each caller in a queue, for `_left`
        self._left: dict[int, deque[LeftCallView]] = {}  # per queue, the latest first
        self._chat_cases: ChatCases | None = None
        self._relay: CommandRelay | None = None
        self._remote_listeners: list[Listener] = []

    # --- life cycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        """Loads the configuration and the state last stored: a restart continues where it stopped."""
        async with self._lock:
            async with self._uow() as uow:
                setup = build_setup(await uow.acd.setup())
                saved = await uow.acd.load_snapshot()
            self._install(setup, saved)
            self._saved = saved
            self._refresh_board()

    async def stop(self) -> None:
        """Waits until the commands already queued are stored: the committer runs in its own task, and
        a process that closed its database under it would cut a transaction short."""
        committer = self._committer
        if committer is not None:
            await asyncio.gather(committer, return_exceptions=True)

    async def reload(self) -> None:
        """Re-reads the configuration (queues, members, policies) and keeps the dynamic state."""
        async with self._lock:
            if self._acd is None:
                return
            async with self._uow() as uow:
                setup = build_setup(await uow.acd.setup())
            self._install(setup, fit_snapshot(self._acd.snapshot(), setup.config))
            self._refresh_board()

    def use_chat_cases(self, cases: ChatCases) -> None:
        """The case cards, once they exist: an accepted chat's card becomes the operator's."""
        self._chat_cases = cases

    def add_listener(self, listener: Listener) -> None:
        """Told of every committed outcome: whoever rings operators and moves callers carries it out."""
        self._listeners.append(listener)

    @property
    def started(self) -> bool:
        return self._acd is not None

    # --- the operator -----------------------------------------------------------------------------
    async def my_state(self, actor: Actor) -> OperatorView:
        acd, setup = self._ready()
        view = operator_view(acd.state, setup.queues, self._operator(actor.user_id), self._extras())
        return replace(view, server_time=self._clock.now())

    async def set_my_state(
        self, actor: Actor, desired: DesiredState, reason: str = "", note: str = ""
    ) -> OperatorView:
        """Start the shift (offline -> ready), go ready, take a break with a reason, or end the shift."""
        op = self._operator(actor.user_id)
        await self._run(
            AcdCommand("set_state", {"op": op, "desired": desired, "reason": reason, "note": note})
        )
        return await self.my_state(actor)

    async def accept(self, actor: Actor, call_id: str) -> OperatorView:
        await self.accept_for(actor.user_id, call_id)
        return await self.my_state(actor)

    async def reject(self, actor: Actor, call_id: str) -> OperatorView:
        await self.reject_for(actor.user_id, call_id)
        return await self.my_state(actor)

    async def accept_for(self, user_id: int, call_id: str) -> None:
        """The operator took the call: from the desktop, or their SIP phone answered."""
        op = self._operator(user_id)
        await self._run(AcdCommand("accept", {"op": op, "call_id": call_id}))

    # --- text work items (chats, OPS-25) -------------------------------------------------------------
    async def route_text(self, work: TextWork) -> None:
        """Queues a case's conversation in its queue (a bot's choice), else its channel's queue (the
        «Каналы и чат-бот» setting); a case already waiting or held is left as it is; without a queue the
        request waits on the card list."""
        _acd, setup = self._ready()
        queue_id = work.queue_id
        if queue_id is None:
            async with self._uow() as uow:
                queue_id = await uow.acd.channel_queue(work.channel.value)
        if queue_id not in setup.queues:
            _log.warning(
                "no text queue takes %s requests: case %s is not offered", work.channel, work.case_id
            )
            return
        call_id = chat_call_id(work.case_id)
        await self._run(
            AcdCommand(
                "enqueue_chat",
                {
                    "call_id": call_id,
                    "queue_id": queue_id,
                    "caller": work.caller,
                    "channel": work.channel.value,
                    "priority": work.priority,
                },
            )
        )

    def chat_desk(self, actor: Actor) -> ChatDeskView:
        acd, setup = self._ready()
        return chat_desk(acd.state, setup.queues, self._operator(actor.user_id))

    async def accept_chat(self, actor: Actor, call_id: str) -> ChatDeskView:
        """Takes the chat offered to the operator; its card becomes theirs, «в работе», as a call's."""
        op = self._operator(actor.user_id)
        await self._run(AcdCommand("accept_chat", {"op": op, "call_id": call_id}))
        case_id = case_of(call_id)
        if self._chat_cases is not None and case_id is not None:
            await self._chat_cases.chat_taken(case_id, actor.user_id)
        return self.chat_desk(actor)

    async def decline_chat(self, actor: Actor, call_id: str) -> ChatDeskView:
        op = self._operator(actor.user_id)
        await self._run(AcdCommand("decline_chat", {"op": op, "call_id": call_id}))
        return self.chat_desk(actor)

    async def end_chat(self, actor: Actor, call_id: str) -> ChatDeskView:
        """The operator closes a chat they hold; a later message from the applicant is routed again."""
        acd, _setup = self._ready()
        item = acd.state.chats.get(call_id)
        if item is None or item.operator_id != str(self._operator(actor.user_id)):
            raise NoSuchOffer(f"no chat {call_id} is held by this operator")
        await self._run(AcdCommand("end_chat", {"call_id": call_id}))
        return self.chat_desk(actor)

    async def end_case_chat(self, case_id: int) -> None:
        """The case was closed: its chat, waiting or held, leaves the distribution (the holder's place
        is free); a later message from the applicant opens a new request."""
        call_id = chat_call_id(case_id)
        acd, _setup = self._ready()
        if call_id not in acd.state.chats:
            return
        with suppress(UnknownCall):  # ended meanwhile by its operator
            await self._run(AcdCommand("end_chat", {"call_id": call_id}))

    async def dial_for(self, user_id: int, call_id: str) -> None:
        """The operator places a call: no offers reach them until `hang_up(call_id, ...)`."""
        op = self._operator(user_id)
        await self._run(AcdCommand("dial", {"op": op, "call_id": call_id}))

    async def engage_for(self, user_id: int, call_id: str, *, must_be_available: bool = False) -> bool:
        """A colleague reached by a consultation or an internal call (OPS-20, OPS-21). One who is ready
        or in wrap-up gets no offers until `hang_up(call_id, ...)` (True); one on a break or away is
        not offered calls anyway and keeps their state (False) — or, when a call is to be put through
        to them (`must_be_available`), is refused with the state and its reason (409
        `colleague_unavailable`). One on a call or being offered one is refused: their headset is in
        use (409 `colleague_busy`)."""
        op = str(self._operator(user_id))
        acd, _setup = self._ready()
        operator = acd.state.operator(op)
        status = operator.status
        if must_be_available and status not in _TAKING_CALLS:
            raise Conflict(unavailable_reason(status, operator.reason), code="colleague_unavailable")
        if status in (OperatorStatus.READY, OperatorStatus.WRAP_UP):
            try:
                await self._run(AcdCommand("dial", {"op": user_id, "call_id": call_id}))
            except IllegalTransition:
                pass  # an offer reached them meanwhile
            else:
                return True
        elif status not in (OperatorStatus.ON_CALL, OperatorStatus.OFFERED):
            return False
        raise Conflict(f"operator {user_id} is on a call", code="colleague_busy")

    async def reject_for(self, user_id: int, call_id: str) -> None:
        """The offer failed: declined, the phone refused it, or the operator cannot be reached."""
        op = self._operator(user_id)
        await self._run(AcdCommand("reject", {"op": op, "call_id": call_id}))

    async def touch(self, user_id: int) -> None:
        """Desktop activity: keeps the operator from being marked away (stored with the next change)."""
        if self._relay is not None and not self._relay.leading:
            self._relay.touch(user_id)
            return
        async with self._lock:
            acd = self._acd
            if acd is not None and str(user_id) in acd.state.operators:
                acd.touch(str(user_id), self._now())

    async def end_shift(self, user_id: int, *, forced: bool, note: str) -> None:
        """Signing out, an expired session or a senior's forced logout also ends the ACD shift."""
        op = str(user_id)
        acd = self._acd
        if acd is None or op not in acd.state.operators:
            return
        await self._run(AcdCommand("end_shift", {"op": user_id, "forced": forced, "note": note}))

    def live_operators(self) -> list[LiveOperator]:
        """Every account that takes calls, as the senior's board shows it (LiveDistribution)."""
        acd, setup = self._ready()
        return [
            live_operator(acd.state, user, self._held, self._cases)
            for user in setup.staff.values()
            if str(user.id) in acd.state.operators
        ]

    def colleagues(self, actor: Actor) -> list[Colleague]:
        """The operators of the actor's groups on shift, with their live states (the transfer list)."""
        acd, setup = self._ready()
        return colleagues_of(acd.state, setup.staff.values(), actor, setup.group_names)

    def call_held(self, call_id: str, held: bool) -> None:
        """The call flow put a call on hold or took it off: the senior's board shows it
        (`operator.call_held`). Hold changes nothing the distribution decides."""
        acd, setup = self._ready()
        operator_id = next(
            (o.operator_id for o in acd.state.operators.values() if o.call_id == call_id), None
        )
        if held and operator_id is not None:
            self._held.add(call_id)
        else:
            self._held.discard(call_id)
        if operator_id is not None:
            user_id = int(operator_id)
            self._publisher.publish(
                announcements.call_held(user_id, setup.staff.get(user_id), call_id, held, self._clock.now())
            )

    def call_case(self, call_id: str, case: CaseInWork) -> None:
        """The card of a call is now `case` (handed to the operator who took the call, linked to a
        call they placed, or its type changed): the senior's board shows it while the operator is on
        the call or wrapping it up (`operator.case_changed`). A call no operator has is not kept."""
        acd, setup = self._ready()
        operator = next((o for o in acd.state.operators.values() if o.call_id == call_id), None)
        if operator is None:
            return
        self._cases[call_id] = case
        if operator.status in (OperatorStatus.ON_CALL, OperatorStatus.WRAP_UP):
            user_id = int(operator.operator_id)
            self._publisher.publish(
                announcements.case_changed(
                    user_id, setup.staff.get(user_id), call_id, case, self._clock.now()
                )
            )

    def group_names(self) -> dict[int, str]:
        _acd, setup = self._ready()
        return dict(setup.group_names)

    # --- queues -----------------------------------------------------------------------------------
    async def queues(self, actor: Actor) -> list[QueueView]:
        _acd, setup = self._ready()
        now = self._now()
        return [
            self._queue_view(queue, now)
            for queue in sorted(setup.queues.values(), key=lambda q: (q.group_id, q.name, q.id))
            if actor.sees_group(queue.group_id)
        ]

    async def queue(self, actor: Actor, queue_id: int) -> QueueView:
        _acd, setup = self._ready()
        queue = setup.queues.get(queue_id)
        if queue is None:
            raise NotFound(f"queue {queue_id} does not exist")
        if not actor.sees_group(queue.group_id):
            raise Forbidden("this queue belongs to another group")
        return self._queue_view(queue, self._now())

    async def kpis(
        self,
        actor: Actor,
        queue_id: int,
        definitions: KpiDefinitions,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> QueueKpis:
        """The queue's KPIs recomputed from the queue log over [start, end) (SUP: service level, ASA,
        AHT, abandon rate, occupancy, longest wait), with the given definitions (see
        `queue_definitions` for the queue's own)."""
        await self.queue(actor, queue_id)  # the same visibility as the live figures
        since = start.timestamp() if start is not None else None
        until = end.timestamp() if end is not None else None
        async with self._uow() as uow:
            records = await uow.acd.queue_log(since, until)
        return compute_kpis(records, definitions, queue_ids={str(queue_id)}, start=since, end=until)

    # --- calls (telephony, or the simulated call source) -----------------------------------------
    async def enqueue(
        self,
        call_id: str,
        queue_id: int,
        caller: str,
        *,
        priority: int = 0,
        skills: frozenset[str] = frozenset(),
        context: OfferContext | None = None,
    ) -> Outcome:
        args: dict[str, object] = {
            "call_id": call_id,
            "queue_id": queue_id,
            "caller": caller,
            "priority": priority,
            "skills": sorted(skills),
        }
        if context is not None:
            args["context"] = [context.service_number, context.service_name, context.ivr_choice]
        command = AcdCommand("enqueue", args)
        self._remember(command)
        return await self._run(command)

    async def hang_up(self, call_id: str, by: CompletedBy) -> Outcome:
        try:
            return await self._run(AcdCommand("hang_up", {"call_id": call_id, "by": by.value}))
        finally:
            self._contexts.pop(call_id, None)
            self._callers.pop(call_id, None)

    async def request_callback(self, call_id: str) -> Outcome:
        try:
            return await self._run(AcdCommand("request_callback", {"call_id": call_id}))
        finally:
            self._contexts.pop(call_id, None)
            self._callers.pop(call_id, None)

    async def request_callback_from_menu(
        self, call_id: str, queue_id: int, caller: str, priority: int
    ) -> Outcome:
        """The caller accepted the IVR's callback offer: an entry in the queue's callback list."""
        return await self._run(
            AcdCommand(
                "request_callback_from_menu",
                {"call_id": call_id, "queue_id": queue_id, "caller": caller, "priority": priority},
            )
        )

    # --- groups and services as call targets (TEL-17, TEL-18) ----------------------------------------
    def group_queue(self, group_id: int) -> int | None:
        """The queue a call sent to the group joins; NotFound for a group that does not exist."""
        _acd, setup = self._ready()
        if group_id not in setup.group_ids:
            raise NotFound(f"group {group_id} does not exist", code="unknown_group")
        return group_queue(setup, group_id)

    def service_groups(self, service_id: int) -> list[int]:
        _acd, setup = self._ready()
        return service_groups(setup, service_id)

    def free_operator(self, group_ids: Collection[int], excluding: int) -> int | None:
        """Whom a call to these groups reaches now: their longest-idle free operator, or None."""
        acd, setup = self._ready()
        return free_operator(acd.state, setup, group_ids, excluding)

    def callback_entries(self) -> list[CallbackListEntry]:
        """The abandoned-calls list of every queue (CallbackList); the reader's scope is applied there."""
        acd, setup = self._ready()
        return callback_entries(acd.state, setup)

    async def take_callback(self, user_id: int, entry_id: str) -> None:
        op = self._operator(user_id)
        await self._run(AcdCommand("take_callback", {"op": op, "entry_id": entry_id}))

    def waiting_position(self, call_id: str) -> tuple[int, float | None] | None:
        """A waiting caller's place (1-based) and estimated wait, for their announcements (TEL-09)."""
        acd = self._acd
        if acd is None or call_id not in acd.state.waiting:
            return None
        estimate = estimate_wait(acd.state, call_id, self._now())
        return estimate.position, estimate.wait_s

    def call_progress(self, call_id: str) -> CallProgress | None:
        """Whether a call waits (with its place) or talks to an operator; None for a call not held."""
        acd = self._acd
        if acd is None:
            return None
        if call_id in acd.state.connected:
            return CallProgress("operator")
        waiting = self.waiting_position(call_id)
        return CallProgress("queue", *waiting) if waiting is not None else None

    def takes_calls(self, user_id: int) -> bool:
        return self._acd is not None and str(user_id) in self._acd.state.operators

    def staff_name(self, user_id: int) -> str | None:
        """The full name of an account that takes calls, whether or not it is signed in now."""
        setup = self._setup
        user = setup.staff.get(user_id) if setup is not None else None
        return user.full_name if user is not None else None

    def on_shift(self) -> list[int]:
        """Operators signed in to the call distribution (in any state but offline)."""
        acd = self._acd
        if acd is None:
            return []
        return sorted(
            int(op.operator_id)
            for op in acd.state.operators.values()
            if op.status is not OperatorStatus.OFFLINE
        )

    def waiting_caller(self, call_id: str) -> str | None:
        """The number of a caller waiting (or of a callback entry), for dialling them back."""
        call = self._acd.state.waiting.get(call_id) if self._acd is not None else None
        return call.caller if call is not None else None

    def queue_settings(self, queue_id: int) -> Queue | None:
        return self._setup.queues.get(queue_id) if self._setup is not None else None

    def queue_definitions(self, queue_id: int) -> KpiDefinitions | None:
        """The queue's own answer threshold T, short-abandon time S, formula and target as set now;
        None for a queue the ACD does not know."""
        settings = self.queue_settings(queue_id)
        if settings is None:
            return None
        return KpiDefinitions(
            service_level_s=settings.service_level_s,
            short_abandon_s=settings.short_abandon_s,
            formula=ServiceLevelFormula(settings.service_level_formula),
            service_level_target=settings.service_level_target_pct / 100,
        )

    async def transfer(self, call_id: str, to_queue_id: int) -> Outcome:
        return await self._run(AcdCommand("transfer", {"call_id": call_id, "to_queue_id": to_queue_id}))

    # --- calls that ended without the ACD being told (see docs/contact-center/call-flow.md) ------
    def holds_call(self, call_id: str) -> bool:
        """Whether the ACD still holds this call: a caller on the line, a conversation, an own call."""
        return self._acd is not None and self._acd.holds(call_id)

    async def drop_gone_calls(self, call_ids: Collection[str], *, reason: str) -> list[str]:
        """These calls are gone: the ACD forgets them without blaming the operators they were offered
        to (see `Acd.drop_gone`); returns those it still held."""
        return await self._drop(lambda acd, now: [c for c in call_ids if acd.holds(c)], reason)

    async def drop_calls_not_in(
        self,
        live: Callable[[], Collection[str]],
        *,
        reason: str,
        owns: Callable[[str], bool] = lambda _call_id: True,
        older_than_s: float = 0.0,
    ) -> list[str]:
        """Reconciliation with a call source: every call it `owns` that the ACD has held for at least
        `older_than_s` and that is not among its `live` calls (read at the moment the command is decided)
        is dropped. Start-up recovery passes nothing live: `forget_all_calls`."""

        def orphans(acd: Acd, now: float) -> list[str]:
            alive = live()
            return [
                c
                for c in acd.calls_not_in(alive, now, older_than_s=older_than_s)
                if owns(c) and not self.carried_elsewhere(c)
            ]

        return await self._drop(orphans, reason)

    async def forget_all_calls(self, reason: str) -> list[str]:
        """No call survived (a start after a crash): every caller on the line, conversation and own call
        the stored state holds is dropped; callback entries stay."""
        return await self.drop_calls_not_in(frozenset, reason=reason)

    async def _drop(self, find: Callable[[Acd, float], list[str]], reason: str) -> list[str]:
        if self._acd is None:
            return []
        dropped: list[str] = []
        if self._forwarding:  # found on this node's copy, decided by the leader
            dropped[:] = find(self._acd, self._now())
            if dropped:
                await self._run(AcdCommand("drop_gone", {"call_ids": list(dropped)}))
        else:

            def command(acd: Acd, now: float) -> Outcome:
                dropped[:] = find(acd, now)
                return acd.drop_gone(dropped, now) if dropped else Outcome(events=())

            await self._run(command, store_without_events=False)
        for call_id in dropped:
            self._contexts.pop(call_id, None)
            self._callers.pop(call_id, None)
        if dropped:
            GONE_CALLS.labels(reason).inc(len(dropped))
            _log.warning("dropped %d call(s) the ACD held after they had ended (%s)", len(dropped), reason)
        return dropped

    async def tick(self) -> Outcome:
        """Applies due timers (ring timeouts, wrap-up, max wait, idle, breaks); run about once a second."""
        if self._acd is None:
            return Outcome(events=())
        return await self._run(lambda acd, now: acd.tick(now), store_without_events=False)

    # --- the senior (SUP-01..04) ------------------------------------------------------------------
    async def block_operator(self, actor: Actor, user_id: int, note: str) -> None:
        scope = self._scope(actor)
        await self._run(AcdCommand("block_operator", {**scope_args(scope), "op": user_id, "note": note}))

    async def unblock_operator(self, actor: Actor, user_id: int) -> None:
        scope = self._scope(actor)
        await self._run(AcdCommand("unblock_operator", {**scope_args(scope), "op": user_id}))

    async def block_group(self, actor: Actor, group_id: int, note: str) -> None:
        scope = self._scope(actor)
        self._require_group(group_id)
        await self._run(AcdCommand("block_group", {**scope_args(scope), "group_id": group_id, "note": note}))

    async def unblock_group(self, actor: Actor, group_id: int) -> None:
        scope = self._scope(actor)
        self._require_group(group_id)
        await self._run(AcdCommand("unblock_group", {**scope_args(scope), "group_id": group_id}))

    async def move_call(self, actor: Actor, call_id: str, to: Literal["head", "tail"]) -> None:
        scope = self._scope(actor)
        name = "move_to_head" if to == "head" else "move_to_tail"
        await self._run(AcdCommand(name, {**scope_args(scope), "call_id": call_id}))

    async def remove_call(self, actor: Actor, call_id: str, destination: str | None, note: str = "") -> None:
        """SUP-02: the caller leaves the queue; the senior and their reason are stored with the exit in
        the queue log and shown among the queue's callers who left."""
        scope = self._scope(actor)
        await self._run(
            AcdCommand(
                "remove",
                {**scope_args(scope), "call_id": call_id, "destination": destination, "note": note},
            )
        )

    # --- several nodes (docs/architecture.md, "Several nodes") ----------------------------------------
    def use_relay(self, relay: CommandRelay) -> None:
        """This process is one node of several: while another node leads, commands go to it."""
        self._relay = relay

    def add_remote_listener(self, listener: Listener) -> None:
        """Told of the outcomes another node (the leader) decided, once this node's copy shows them:
        whoever carries calls on this node acts on its own calls only."""
        self._remote_listeners.append(listener)

    async def execute(self, command: AcdCommand) -> Outcome:
        """A command a follower forwarded, decided here as this node's own (the leader's side)."""
        if command.name == "touch":
            await self.touch(int(command.args["op"]))
            return Outcome(events=())
        self._remember(command)
        try:
            return await self._run(command)
        finally:
            if command.name in ("hang_up", "request_callback") and command.call_id is not None:
                self._contexts.pop(command.call_id, None)
                self._callers.pop(command.call_id, None)

    async def refresh(self) -> None:
        """Reads the state the leader stored: a follower's copy, or a new leader's starting point."""
        if self._acd is None:
            return
        async with self._lock:
            async with self._uow() as uow:
                saved = await uow.acd.load_snapshot()
            assert self._setup is not None
            self._install(self._setup, saved)
            self._saved = saved
            self._refresh_board()

    async def follow(self, outcomes: Sequence[Outcome]) -> None:
        """The leader decided and stored `outcomes` (in this order): this follower's copy catches up
        once, since the stored state already holds them all, then the calls on this node carry out
        what concerns them, outcome by outcome. One that cannot be handed on does not stop the rest."""
        await self.refresh()
        for outcome in outcomes:
            try:
                for listener in self._remote_listeners:
                    listener(outcome)
            except Exception:
                _log.exception("an outcome decided by the ACD's leader could not be handed on")

    @property
    def _forwarding(self) -> bool:
        return self._relay is not None and not self._relay.leading

    def carried_elsewhere(self, call_id: str) -> bool:
        """Whether another node carries this call: not gone, only not this node's."""
        return self._relay is not None and self._relay.carried_elsewhere(call_id)

    def talking_on(self, user_id: int) -> str | None:
        """The call the ACD has the operator talking on, whichever node carries it."""
        if self._acd is None:
            return None
        state = self._acd.state.operators.get(str(user_id))
        if state is None or state.status is not OperatorStatus.ON_CALL:
            return None
        return state.call_id

    def call_elsewhere(self, user_id: int) -> str | None:
        """The call the operator talks on when another node carries it (their desk is on this one,
        the caller's SIP on that one: the media hop joins them)."""
        call_id = self.talking_on(user_id)
        if call_id is None or self._relay is None:
            return None
        return call_id if self._relay.carried_elsewhere(call_id) else None

    def to_call_node(self, call_id: str, user_id: int, action: str, queue_id: int | None = None) -> None:
        """The operator's desk action goes to the node that carries their call."""
        if self._relay is not None:
            self._relay.to_call_node(call_id, user_id, action, queue_id)

    def _remember(self, command: AcdCommand) -> None:
        """What a queued call brought that the ACD does not keep (the offer's line and menu choice)."""
        if command.name != "enqueue" or command.call_id is None:
            return
        self._callers[command.call_id] = str(command.args["caller"])
        context = command.args.get("context")
        if context is not None:
            number, name, choice = context
            self._contexts[command.call_id] = OfferContext(number, name, choice)

    # --- inside -----------------------------------------------------------------------------------
    async def _run(self, command: Command | AcdCommand, *, store_without_events: bool = True) -> Outcome:
        """Group commit: one committer task decides every command queued meanwhile, in order, and
        stores them in one transaction; under load a commit serves many commands, idle it serves one.
        The caller waits for its own command only: waiting for a turn at the lock instead, a command a
        batch had long decided still waited for every caller ahead of it to take and pass the lock, a
        loop pass each (at 100 calls/s an operator's answer waited 0.5-1 s for an 11 ms commit). A
        follower sends a named command to the leader instead and waits for its copy to show it."""
        if isinstance(command, AcdCommand):
            if self._forwarding:
                assert self._relay is not None
                decided = await self._relay.forward(command)
                await self.refresh()
                return decided
            named = command
            command = lambda acd, now: apply(acd, now, named)  # noqa: E731
        job = _Job(command, store_without_events, asyncio.get_running_loop().create_future())
        self._pending.append(job)
        if self._committer is None:
            self._committer = asyncio.get_running_loop().create_task(self._commit_pending())
        # shielded: a caller that goes away (a closed request) does not take its decided command back
        return await asyncio.shield(job.future)

    async def _commit_pending(self) -> None:
        """Commits batches until nothing waits; a batch at a time under the lock, so that a reload or a
        restart's refresh gets its turn between batches."""
        try:
            while self._pending:
                async with self._lock:
                    batch, self._pending = self._pending, []
                    try:
                        await self._apply(batch)
                    except BaseException as exc:  # each command of the batch not answered yet learns it
                        failure = (
                            exc if isinstance(exc, Exception) else RuntimeError("the command was cancelled")
                        )
                        for job in batch:
                            _fail(job, failure)
                        if not isinstance(exc, Exception):
                            raise
        finally:
            self._committer = None
            cancelled, self._pending = self._pending, []  # only when the committer itself was cancelled
            for job in cancelled:
                _fail(job, RuntimeError("the command was cancelled"))

    async def _apply(self, batch: list[_Job]) -> None:
        acd, setup = self._ready()
        when = self._clock.now()
        decided: list[tuple[_Job, Outcome]] = []
        for job in batch:
            try:
                decided.append((job, job.command(acd, when.timestamp())))
            except Exception as exc:  # a refusal: raised before anything changed
                _fail(job, exc)
        events = [event for _job, outcome in decided for event in outcome.events]
        if events or any(job.store_without_events for job, _outcome in decided):
            await self._store(acd, setup, events, when)
        for job, outcome in decided:
            self._announce(outcome, when)
            if not job.future.done():
                job.future.set_result(outcome)
            for listener in self._listeners:
                listener(outcome)

    async def _store(self, acd: Acd, setup: CenterSetup, events: list[DomainEvent], when: datetime) -> None:
        current = acd.snapshot()
        try:
            async with self._decisions() as uow:
                await uow.acd.save_snapshot(self._saved, current, when)
                changes = [e for e in events if isinstance(e, OperatorStateChanged)]
                if changes:
                    await uow.acd.append_state_log(changes)
                records = list(to_records(events))
                if records:
                    await uow.acd.append_queue_log(records)
                await uow.commit()
        except BaseException:
            # What is stored is the truth: the decisions that could not be stored did not happen.
            self._install(setup, self._saved)
            raise
        self._saved = current

    def _announce(self, outcome: Outcome, when: datetime) -> None:
        acd, setup = self._ready()
        touched: set[int] = set()
        for event in outcome.events:
            queue_id = getattr(event, "queue_id", None)
            if queue_id is not None:
                touched.add(int(queue_id))
            if isinstance(event, OperatorStateChanged):
                if event.call_id is not None and event.new_status != OperatorStatus.ON_CALL.value:
                    self._held.discard(event.call_id)  # off the call: no hold to show any more
                    self._forget_case(acd, event.call_id)
                user_id = int(event.operator_id)
                op = acd.state.operator(event.operator_id)
                self._publisher.publish(
                    announcements.state_changed(
                        event,
                        setup.staff.get(user_id),
                        counts=(op.calls_answered, op.calls_missed),
                        call=live_call(acd.state, event.operator_id, self._held),
                        break_limit_s=break_limit(acd.state, event.operator_id),
                        case=case_in_work(acd.state, event.operator_id, self._cases),
                    )
                )
                members = acd.state.members_by_operator.get(event.operator_id, [])
                touched.update(int(m.queue_id) for m in members)
            elif isinstance(event, CallOffered) and invited_by(event.offer.call_id) is None:
                # (A conference's invitation is taken at once by its conference, which rings the desk.)
                operator_id = int(event.offer.operator_id)
                offer = operator_view(acd.state, setup.queues, operator_id, self._extras()).offer
                if offer is not None and offer.call_id == event.offer.call_id:
                    self._publisher.publish(announcements.call_offered(operator_id, offer, when))
            elif isinstance(event, ChatOffered | ChatOfferMissed | ChatAccepted | ChatEnded):
                chat_operator = (
                    event.offer.operator_id if isinstance(event, ChatOffered) else event.operator_id
                )
                if chat_operator is not None and chat_operator in acd.state.operators:
                    desk = chat_desk(acd.state, setup.queues, int(chat_operator))
                    self._publisher.publish(desk_changed(desk, when))
            elif isinstance(event, BreakSuggested | BreakTimeElapsed):
                self._publisher.publish(announcements.break_notice(event))
            if isinstance(event, CallConnected | CallAbandoned | CallExited):
                self._caller_left(event)
        if touched:
            self._queue_changed(touched)

    def _caller_left(self, event: CallConnected | CallAbandoned | CallExited) -> None:
        """A caller left the waiting list: kept (with why) among the queue's latest leavers."""
        destination, removed_by, note = None, None, ""
        if isinstance(event, CallConnected):
            reason = "answered"
        elif isinstance(event, CallAbandoned):
            reason = "abandoned"
        else:
            reason = _EXIT_REASONS.get(event.reason.value, event.reason.value)
            destination, note = event.destination, event.note
            removed_by = int(event.removed_by) if event.removed_by is not None else None
            if reason == "removed" and destination is not None:
                reason = "transferred"
        context = self._contexts.get(event.call_id)
        queue_id = int(event.queue_id)
        left = self._left.setdefault(queue_id, deque(maxlen=LEFT_SHOWN))
        left.appendleft(
            LeftCallView(
                call_id=event.call_id,
                caller=self._callers.pop(event.call_id, ""),
                reason=reason,
                left_at=at(event.at),
                waited_s=event.waited_s,
                destination=destination,
                removed_by=removed_by,
                note=note,
                ivr_choice=context.ivr_choice if context is not None else None,
            )
        )

    def _queue_view(self, queue: Queue, now: float, calls_limit: int | None = None) -> QueueView:
        acd, _setup = self._ready()
        choices = {call_id: context.ivr_choice for call_id, context in self._contexts.items()}
        return queue_view(
            acd.state,
            queue,
            now,
            calls_limit=calls_limit,
            choices=choices,
            left=self._left.get(queue.id, ()),
        )

    def _forget_case(self, acd: Acd, call_id: str) -> None:
        """The card of a call nobody is on or wrapping up any more leaves the board's memory."""
        if call_id in self._cases and not any(
            o.call_id == call_id
            for o in acd.state.operators.values()
            if o.status is not OperatorStatus.OFFLINE
        ):
            del self._cases[call_id]

    def _queue_changed(self, queue_ids: set[int]) -> None:
        """Queue snapshots are coalesced: under load one `queue.updated` per queue every
        QUEUE_UPDATE_S carries the latest picture, instead of one per command."""
        self._dirty_queues |= queue_ids
        if self._flush_handle is None:
            loop = asyncio.get_running_loop()
            self._flush_handle = loop.call_later(QUEUE_UPDATE_S, self._publish_queues)

    def _publish_queues(self) -> None:
        self._flush_handle = None
        dirty, self._dirty_queues = self._dirty_queues, set()
        _acd, setup = self._ready()
        when = self._clock.now()
        now = when.timestamp()
        for queue_id in sorted(dirty):
            queue = setup.queues.get(queue_id)
            if queue is not None:
                view = self._queue_view(queue, now, calls_limit=CALLS_SHOWN)
                self._publisher.publish(announcements.queue_updated(view, when))
        self._refresh_board()

    def _refresh_board(self) -> None:
        acd, setup = self._ready()
        per_group: dict[int, int] = {group_id: 0 for group_id in setup.group_ids}
        for queue in setup.queues.values():
            waiting = sum(
                1 for key in acd.state.orders[str(queue.id)] if not acd.state.waiting[key[4]].is_callback
            )
            per_group[queue.group_id] = per_group.get(queue.group_id, 0) + waiting
        for group_id, waiting in per_group.items():
            self._board.set_waiting(group_id, waiting)

    def _extras(self) -> OfferExtras:
        _acd, setup = self._ready()
        return OfferExtras(self._contexts, setup.group_names)

    def _install(self, setup: CenterSetup, snapshot: AcdSnapshot | None) -> None:
        self._setup = setup
        self._acd = Acd(setup.config, self._rng, snapshot=snapshot)

    def _ready(self) -> tuple[Acd, CenterSetup]:
        if self._acd is None or self._setup is None:
            raise NotStarted("the call distribution is not running in this process")
        return self._acd, self._setup

    def _operator(self, user_id: int) -> int:
        acd, _setup = self._ready()
        if str(user_id) not in acd.state.operators:
            raise UnknownOperator("this account does not take calls (operators and seniors do)")
        return user_id

    def _scope(self, actor: Actor) -> SeniorScope:
        """A senior acts within their groups, an administrator everywhere, an operator nowhere."""
        _acd, setup = self._ready()
        if actor.is_admin:
            return SeniorScope(str(actor.user_id), frozenset(str(g) for g in setup.group_ids))
        if actor.role is not Role.SENIOR:
            raise Forbidden("only senior operators act on queues and operators")
        return SeniorScope(str(actor.user_id), frozenset(str(g) for g in actor.group_ids))

    def _require_group(self, group_id: int) -> None:
        _acd, setup = self._ready()
        if group_id not in setup.group_ids:
            raise NotFound(f"group {group_id} does not exist")

    def _now(self) -> float:
        return self._clock.now().timestamp()


_TAKING_CALLS = frozenset(
    {OperatorStatus.READY, OperatorStatus.WRAP_UP, OperatorStatus.ON_CALL, OperatorStatus.OFFERED}
)
_UNAVAILABLE = {
    OperatorStatus.ON_BREAK: "оператор на перерыве",
    OperatorStatus.AWAY: "оператора нет на месте",
    OperatorStatus.BLOCKED: "оператор заблокирован",
    OperatorStatus.OFFLINE: "оператор не на смене",
}


def unavailable_reason(status: OperatorStatus, reason: str) -> str:
    """Why a call cannot be put through to an operator, in the desk's words (with the break's reason)."""
    text = _UNAVAILABLE.get(status, "оператор не принимает звонки")
    return f"{text}: {reason}" if reason else text
