"""SMS to and from applicants (MM-02, OPS-16): an operator's text goes into the outbox and is handed
to the gateway by the dispatcher, again and again with back-off while the gateway is away, so nothing
queued is lost across a restart of either side; the gateway's delivery reports move it on; an
incoming SMS joins the sender's open case."""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

from c122.domain.citizen import Channel
from c122.domain.clock import Clock
from c122.domain.errors import (
    BadRequest,
    Conflict,
    DatabaseUnavailable,
    FieldProblem,
    Forbidden,
    InvalidFields,
    NotFound,
)
from c122.domain.intake import IncomingText
from c122.domain.phones import InvalidPhone, normalize_phone
from c122.domain.sms import (
    Sms,
    SmsDirection,
    SmsState,
    decode_incoming,
    retry_delay_s,
    state_after,
    text_problem,
)
from c122.domain.users import Actor
from c122.services.events import ADMINS, Audience, EventPublisher
from c122.services.ports import UnitOfWorkFactory
from c122.services.sms.events import sms_changed
from c122.services.sms.ports import (
    CasePeople,
    GatewayRefused,
    GatewayUnavailable,
    OutgoingSms,
    SmsGateway,
    SmsUnitOfWork,
    TextIntake,
)

_log = logging.getLogger(__name__)
DISPATCH_BATCH = 50
STORE_ATTEMPTS = 3


class SmsChannel:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[SmsUnitOfWork],
        clock: Clock,
        publisher: EventPublisher,
        gateway: SmsGateway | None,
        callback_secret: str = "",
        *,
        concurrency: int = 8,
    ) -> None:
        self._uow = uow_factory
        self._secret = callback_secret
        self._clock = clock
        self._publisher = publisher
        self._gateway = gateway
        self._dispatching = asyncio.Lock()  # one dispatcher: a wake-up and the timer never send twice
        self._concurrency = concurrency  # requests to the gateway in flight at once
        self._wake: asyncio.Task[int] | None = None
        self._woken = False  # a message was queued while the dispatcher ran: it looks again
        self._intake: TextIntake | None = None

    @property
    def configured(self) -> bool:
        return self._gateway is not None

    def require_admin(self, actor: Actor) -> None:
        if not actor.is_admin:
            raise Forbidden("the SMS gateway's state is for administrators")

    def check_secret(self, given: str, client: object) -> None:
        """The gateway's calls carry the configured secret; any other caller is refused and logged."""
        self._require_gateway()
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            _log.warning("SMS gateway callback with a wrong secret from %s", client)
            raise Forbidden("wrong gateway secret", code="bad_secret")

    def _require_gateway(self) -> SmsGateway:
        if self._gateway is None:
            raise Conflict(
                "SMS are not configured: set sms_gateway_url (C122_SMS_GATEWAY_URL)",
                code="sms_not_configured",
            )
        return self._gateway

    async def close(self) -> None:
        if self._wake is not None:
            self._wake.cancel()
        if self._gateway is not None:
            await self._gateway.close()

    async def send(self, actor: Actor, phone: str, text: str, case_id: int | None = None) -> Sms:
        """Queues the text for the number (the case's applicant, usually) and wakes the dispatcher.
        The caller has checked the actor's right to the case."""
        return await self._queue(phone, text, case_id, actor.user_id)

    async def send_notice(self, phone: str, text: str, case_id: int | None = None) -> Sms:
        """A message of the hotline's own, by no operator: a one-time code, a case's status change."""
        return await self._queue(phone, text, case_id, None)

    async def send_notices(self, notices: Sequence[tuple[str, str]]) -> list[Sms]:
        """Many messages of the hotline's own (phone, text) queued in one transaction: a burst costs
        one commit, not one each. Any bad one refuses all (422 naming its index); nothing is stored."""
        return await self._queue_all([(phone, text, None) for phone, text in notices], None)

    async def _queue(self, phone: str, text: str, case_id: int | None, author_id: int | None) -> Sms:
        return (await self._queue_all([(phone, text, case_id)], author_id, prefix=False))[0]

    async def _queue_all(
        self, items: Sequence[tuple[str, str, int | None]], author_id: int | None, *, prefix: bool = True
    ) -> list[Sms]:
        self._require_gateway()
        problems: list[FieldProblem] = []
        numbers: list[str] = []
        for index, (phone, text, _case_id) in enumerate(items):
            at = f"[{index}]." if prefix else ""
            try:
                numbers.append(normalize_phone(phone))
            except InvalidPhone as exc:
                problems.append(FieldProblem(f"{at}phone", "invalid_phone", str(exc)))
            wrong_text = text_problem(text)
            if wrong_text is not None:
                problems.append(FieldProblem(f"{at}text", "invalid_text", wrong_text))
        if problems:
            raise InvalidFields(problems)
        now = self._clock.now()
        stored: list[tuple[Sms, CasePeople | None]] = []
        async with self._uow() as uow:
            for number, (_phone, text, case_id) in zip(numbers, items, strict=True):
                queued = Sms(
                    id=0,
                    direction=SmsDirection.OUTBOUND,
                    phone=number,
                    text=text.strip(),
                    state=SmsState.QUEUED,
                    created_at=now,
                    updated_at=now,
                    case_id=case_id,
                    author_id=author_id,
                    next_attempt_at=now,
                )
                added = await uow.sms.add(queued)
                stored.append((added, await self._people(uow, added)))
            await uow.commit()
        for added, people in stored:
            self._publisher.publish(sms_changed(added, _audience(added, people), now))
        self._wake_dispatcher()
        return [added for added, _people in stored]

    async def of_case(self, case_id: int) -> list[Sms]:
        """The case's messages; the caller has checked (and audited) the reader's right to the case."""
        async with self._uow() as uow:
            return await uow.sms.of_case(case_id)

    async def counts(self) -> dict[str, int]:
        async with self._uow() as uow:
            return await uow.sms.counts()

    async def health(self) -> str | None:
        """None when the gateway answers (or SMS are off), else what is wrong with it."""
        return await self._gateway.probe() if self._gateway is not None else None

    async def dispatch_due(self) -> int:
        """Hands every due queued message to the gateway; returns how many it took. A batch goes with
        up to `concurrency` requests in flight and its outcomes are stored in one transaction; a
        message is marked sent only after the gateway took it (a crash in between sends it again)."""
        if self._gateway is None:
            return 0
        taken = 0
        async with self._dispatching:
            while True:
                self._woken = False
                async with self._uow() as uow:
                    due = await uow.sms.due(self._clock.now(), DISPATCH_BATCH)
                if due:
                    taken += await self._hand_over(self._gateway, due)
                if len(due) < DISPATCH_BATCH and not self._woken:
                    return taken

    async def _hand_over(self, gateway: SmsGateway, due: list[Sms]) -> int:
        """One attempt for each message of the batch; returns how many the gateway took."""
        slots = asyncio.Semaphore(self._concurrency)

        async def attempt(sms: Sms) -> Sms:
            async with slots:
                return await self._attempt(gateway, sms)

        attempted = await asyncio.gather(*(attempt(sms) for sms in due))
        now = self._clock.now()
        # The gateway has them: a write lost to a busy database would send the batch again, so it is
        # tried a few times before the messages are left queued.
        for retry in range(STORE_ATTEMPTS):
            try:
                stored = await self._store_outcomes(due, attempted)
                break
            except DatabaseUnavailable:
                if retry == STORE_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(1.0)
        for sms, changed, people in stored:
            if changed.state is not sms.state or changed.problem != sms.problem:
                self._publisher.publish(sms_changed(changed, _audience(changed, people), now))
        return sum(changed.state is SmsState.SENT for changed in attempted)

    async def _store_outcomes(
        self, due: list[Sms], attempted: list[Sms]
    ) -> list[tuple[Sms, Sms, CasePeople | None]]:
        """The batch's outcomes in one transaction: those stored, with whose desks hear of them."""
        stored: list[tuple[Sms, Sms, CasePeople | None]] = []
        async with self._uow() as uow:
            # Read first: the writes that follow hold the database's write turn only for themselves.
            case_people = [await self._people(uow, changed) for changed in attempted]
            for sms, changed, whose in zip(due, attempted, case_people, strict=True):
                # False: the gateway's report came before its answer; the report's state stands.
                if await uow.sms.save(changed, expected=SmsState.QUEUED):
                    stored.append((sms, changed, whose))
            await uow.commit()
        return stored

    async def _attempt(self, gateway: SmsGateway, sms: Sms) -> Sms:
        """The message as it stands after one hand-over to the gateway."""
        attempts = sms.attempts + 1
        state, next_attempt_at, problem = SmsState.SENT, None, ""
        unavailable = ""
        try:
            await gateway.send(OutgoingSms(sms.id, sms.phone, sms.text))
        except GatewayUnavailable as exc:
            unavailable = f"шлюз SMS недоступен ({exc})"
        except GatewayRefused as exc:
            state, problem = SmsState.FAILED, f"шлюз отказал: {exc}"
        except Exception as exc:  # a fault of ours must not lose the batch's other outcomes
            _log.exception("SMS %s: hand-over failed", sms.id)
            unavailable = f"ошибка отправки ({type(exc).__name__})"
        if unavailable:
            delay = retry_delay_s(attempts)
            state, problem = SmsState.QUEUED, f"{unavailable}; повтор через {delay:.0f} с"
            next_attempt_at = self._clock.now() + timedelta(seconds=delay)
        return replace(
            sms,
            state=state,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
            problem=problem[:500],
            updated_at=self._clock.now(),
        )

    async def report(self, sms_id: int, report: int) -> Sms:
        """The gateway's delivery report for one of our messages (404 for an id it never had from us)."""
        while True:
            async with self._uow() as uow:
                sms = await uow.sms.get(sms_id)
                if sms is None or sms.direction is not SmsDirection.OUTBOUND:
                    raise NotFound(f"SMS {sms_id} does not exist")
                new = state_after(sms.state, report)
                if new is None:
                    return sms
                now = self._clock.now()
                problem = "оператор связи сообщил: не доставлено" if new is SmsState.FAILED else ""
                changed = replace(sms, state=new, updated_at=now, problem=problem)
                if not await uow.sms.save(changed, expected=sms.state):
                    continue  # the dispatcher moved it on meanwhile: judge the report against that
                people = await self._people(uow, changed)
                await uow.commit()
            self._publisher.publish(sms_changed(changed, _audience(changed, people), now))
            return changed

    def use_intake(self, intake: TextIntake) -> None:
        """Where incoming SMS go: the conversation of the sender's case, or a new request."""
        self._intake = intake

    @staticmethod
    def sender_number(phone: str) -> str:
        """The sender of an incoming SMS as E.164 (Kannel gives it without the plus); 422 if not a number."""
        try:
            return normalize_phone(phone if phone.startswith(("+", "8")) else f"+{phone}")
        except InvalidPhone as exc:
            raise InvalidFields([FieldProblem("from", "invalid_phone", str(exc))]) from exc

    async def case_in_work(self, number: str) -> int | None:
        """The newest open case of the applicant with this number, if any."""
        async with self._uow() as uow:
            return await uow.sms.open_case_of(number)

    async def receive(
        self, phone: str, data: bytes, coding: int, charset: str = "", *, to_conversation: bool = True
    ) -> Sms:
        """An SMS from an applicant: through the intake it continues the conversation of their open case
        or opens a new request (source SMS) in the SMS queue; kept here too, on that case. Without
        `to_conversation` (a chat bot answers it) it is only kept. A number that is not one is refused
        (422); text that is not valid in its coding (400): nothing is stored."""
        number = self.sender_number(phone)
        try:
            text = decode_incoming(data, coding, charset)
        except ValueError as exc:
            raise BadRequest(f"текст SMS не читается: {exc}", code="invalid_text") from exc
        case_id: int | None = None
        if to_conversation and self._intake is not None:
            case_id = (await self._intake.deliver(IncomingText(Channel.SMS, number, text))).case_id
        elif to_conversation:
            case_id = await self.case_in_work(number)
        now = self._clock.now()
        async with self._uow() as uow:
            stored = await uow.sms.add(
                Sms(
                    id=0,
                    direction=SmsDirection.INBOUND,
                    phone=number,
                    text=text,
                    state=SmsState.RECEIVED,
                    created_at=now,
                    updated_at=now,
                    case_id=case_id,
                )
            )
            people = await self._people(uow, stored)
            await uow.commit()
        self._publisher.publish(sms_changed(stored, _audience(stored, people), now))
        return stored

    @staticmethod
    async def _people(uow: SmsUnitOfWork, sms: Sms) -> CasePeople | None:
        return await uow.sms.case_people(sms.case_id) if sms.case_id is not None else None

    def _wake_dispatcher(self) -> None:
        self._woken = True
        if self._wake is None or self._wake.done():
            self._wake = asyncio.create_task(self._dispatch_logged())

    async def _dispatch_logged(self) -> int:
        try:
            return await self.dispatch_due()
        except Exception:  # the timer tries again; the message stays queued
            _log.exception("SMS dispatch failed")
            return 0


def _audience(sms: Sms, people: CasePeople | None) -> Audience:
    """The author, and the case's operator and group (administrators see every event)."""
    users = {u for u in (sms.author_id, people.operator_id if people else None) if u is not None}
    groups = {people.group_id} if people is not None and people.group_id is not None else set()
    if not users and not groups:
        return ADMINS
    return Audience(user_ids=frozenset(users), group_ids=frozenset(groups))
