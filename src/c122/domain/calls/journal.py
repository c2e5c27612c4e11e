"""The call journal (OPS-29, SUP-08): its filters, who sees which calls, who may hear a recording.

- administrators see every call; senior operators the calls of their groups; operators their own calls
  (those they answered, or took part in as operator or consultant); seniors their own calls too;
- a recording is heard by administrators and the seniors of the call's group, and every access is
  written to the audit log by the service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Final

from c122.domain.calls.record import DIRECTIONS, STATUSES, CallRecord, CallStatus, Direction
from c122.domain.errors import FieldProblem, Forbidden, InvalidFields
from c122.domain.monitoring import MonitoringSession
from c122.domain.phones import InvalidPhone, normalize_phone
from c122.domain.users import Actor, Role

MAX_PAGE: Final = 200
DEFAULT_PAGE: Final = 50
MAX_SPAN: Final = timedelta(days=366)
"""The longest period one journal query or export covers."""
SOURCES: Final = ("pstn", "mobile_app", "web", "sms", "messenger")
"""Where the call's case came from (the seed's «источник обращения»)."""
OWN_LEG_ROLES: Final = frozenset({"operator", "consultant"})
"""The legs that make a call an operator's own: those they talked on, not those they listened to."""

# "2026-09-12T10:00:00 03:00": an unencoded "+" of the zone arrives as a space in a query string.
_SPACED_OFFSET = re.compile(r"^(\d{4}-\d{2}-\d{2}T[\d:.]+) (\d{2}:?\d{2})$")


@dataclass(frozen=True)
class CallFilter:
    """One page of the journal: calls started in [since, until), narrowed by the given values."""

    since: datetime | None = None
    until: datetime | None = None
    line_number: str | None = None
    operator_id: int | None = None
    group_id: int | None = None
    direction: Direction | None = None
    status: CallStatus | None = None
    case_type_id: int | None = None
    source: str | None = None
    applicant_phone: str | None = None
    """The applicant's number: the caller of an inbound call, the called party of an outbound one."""
    applicant_name: str | None = None
    """Part of the name (or SNILS, birth date…) of the applicant of the call's case."""
    limit: int = DEFAULT_PAGE
    offset: int = 0
    after: JournalCursor | None = None
    """Keyset paging: the page starts after this call (newest first); `offset` is then ignored."""


@dataclass(frozen=True)
class JournalCursor:
    """The last call of the previous page: the next page starts strictly after it, newest first."""

    started_at: datetime
    call_id: str

    def encode(self) -> str:
        return f"{self.started_at.astimezone(UTC).isoformat()}|{self.call_id}"

    @staticmethod
    def decode(text: str) -> JournalCursor | None:
        moment, bar, call_id = text.partition("|")
        if not bar or not call_id or len(call_id) > 64:
            return None
        try:
            started_at = datetime.fromisoformat(moment)
        except ValueError:
            return None
        if started_at.tzinfo is None:
            return None
        return JournalCursor(started_at, call_id)


@dataclass(frozen=True)
class JournalScope:
    """What a viewer may list: calls of `group_ids` and the user's own calls; None fields mean all."""

    group_ids: frozenset[int] | None = None
    user_id: int | None = None

    @property
    def everything(self) -> bool:
        return self.group_ids is None and self.user_id is None


@dataclass(frozen=True)
class CallQuery:
    filter: CallFilter = field(default_factory=CallFilter)
    scope: JournalScope = field(default_factory=JournalScope)


@dataclass(frozen=True)
class CaseRef:
    """A case the call is linked to, as the journal shows it."""

    id: int
    name: str
    type_name: str
    status: str
    source: str
    applicant: str
    """The applicant's name as stored on the case (empty: anonymous)."""


@dataclass(frozen=True)
class JournalRow:
    """A call with the names the journal shows beside its ids (None: no such reference, or deleted)."""

    record: CallRecord
    line_name: str | None = None
    queue_name: str | None = None
    group_name: str | None = None
    operator_name: str | None = None
    case_type_name: str | None = None
    cases: tuple[CaseRef, ...] = ()
    participants: tuple[str, ...] = ()
    """The names of the operators and consultants who talked on the call, in the order they joined."""
    monitoring: tuple[MonitoringSession, ...] = ()
    """Seniors who listened in (read for one call, not for the journal's pages)."""
    supervisor_names: dict[int, str] = field(default_factory=dict)
    party_names: dict[str, str] = field(default_factory=dict)
    """The names of the legs' parties that are our users, by user id (read for one call)."""

    def monitoring_seen_by(self, actor: Actor) -> tuple[MonitoringSession, ...]:
        """Seniors and administrators see every session; an operator only those their group showed them."""
        if actor.is_admin or actor.role is Role.SENIOR:
            return self.monitoring
        return tuple(session for session in self.monitoring if session.operator_notified)


@dataclass(frozen=True)
class FilterOptions:
    """What the journal's filters offer a viewer: (id or number, name) pairs within their scope."""

    groups: list[tuple[int, str]]
    operators: list[tuple[int, str]]
    lines: list[tuple[str, str]]
    case_types: list[tuple[int, str]]


@dataclass(frozen=True)
class JournalPage:
    """A page alone: counting what matches is a separate, later question (`JournalCount`), so the page
    is read in index order and stops after its last row."""

    items: list[JournalRow]
    next_cursor: JournalCursor | None = None
    """Where the next page starts; None on the last page."""


@dataclass(frozen=True)
class JournalCount:
    """How many calls match a journal filter, as far as it is worth knowing."""

    total: int
    capped: bool = False
    """True: more calls match than `total` (counting stopped at the cap)."""
    estimated: bool = False
    """True: `total` is the database's estimate, not a count (a broad filter over millions of calls)."""


def read_call_filter(
    zone: tzinfo,
    *,
    date_from: str | None = None,
    date_to: str | None = None,
    line: str | None = None,
    operator_id: int | None = None,
    group_id: int | None = None,
    direction: str | None = None,
    status: str | None = None,
    case_type_id: int | None = None,
    source: str | None = None,
    applicant: str | None = None,
    limit: int = DEFAULT_PAGE,
    offset: int = 0,
    after: str | None = None,
) -> CallFilter:
    """The journal filter from what a client sent, every bad value reported at once (paths are the
    query parameter names). A date alone means the hotline day in `zone`: `from` its start, `to` its end."""
    problems: list[FieldProblem] = []
    since = _moment("from", date_from, zone, end_of_day=False, problems=problems)
    until = _moment("to", date_to, zone, end_of_day=True, problems=problems)
    if since is not None and until is not None and since >= until:
        problems.append(FieldProblem("to", "range_order", "конец периода должен быть позже начала"))
    elif since is not None and until is not None and until - since > MAX_SPAN:
        problems.append(FieldProblem("to", "range_too_long", f"период не длиннее {MAX_SPAN.days} дней"))
    line_number = None
    if line is not None and line.strip():
        try:
            line_number = normalize_phone(line)
        except InvalidPhone as error:
            problems.append(FieldProblem("line", "invalid_phone", str(error)))
    for name, value in (("operator", operator_id), ("group", group_id), ("case_type", case_type_id)):
        if value is not None and value <= 0:
            problems.append(FieldProblem(name, "invalid_id", "идентификатор — положительное число"))
    chosen_direction = _choice("direction", direction, DIRECTIONS, problems)
    chosen_status = _choice("status", status, STATUSES, problems)
    chosen_source = _choice("source", source, SOURCES, problems)
    applicant_phone, applicant_name = _applicant(applicant, problems)
    cursor = None
    if after is not None and after.strip():
        cursor = JournalCursor.decode(after.strip())
        if cursor is None:
            problems.append(FieldProblem("after", "invalid_cursor", "курсор страницы повреждён"))
    if not 1 <= limit <= MAX_PAGE:
        problems.append(FieldProblem("limit", "out_of_range", f"на странице от 1 до {MAX_PAGE} звонков"))
    if offset < 0:
        problems.append(FieldProblem("offset", "out_of_range", "смещение не может быть отрицательным"))
    if problems:
        raise InvalidFields(problems)
    return CallFilter(
        since=since,
        until=until,
        line_number=line_number,
        operator_id=operator_id,
        group_id=group_id,
        direction=next((d for d in DIRECTIONS if d == chosen_direction), None),
        status=next((s for s in STATUSES if s == chosen_status), None),
        case_type_id=case_type_id,
        source=chosen_source,
        applicant_phone=applicant_phone,
        applicant_name=applicant_name,
        limit=limit,
        offset=offset,
        after=cursor,
    )


def _applicant(text: str | None, problems: list[FieldProblem]) -> tuple[str | None, str | None]:
    """A number (digits, maybe with +, spaces, brackets, dashes) or else a part of a name."""
    if text is None or not text.strip():
        return None, None
    text = text.strip()
    if re.fullmatch(r"[\d\s()+\-]+", text):
        try:
            return normalize_phone(text), None
        except InvalidPhone as error:
            problems.append(FieldProblem("applicant", "invalid_phone", str(error)))
            return None, None
    if len(text) < 2:
        problems.append(FieldProblem("applicant", "too_short", "не менее двух символов имени"))
        return None, None
    return None, text


def _choice(
    name: str, value: str | None, allowed: tuple[str, ...], problems: list[FieldProblem]
) -> str | None:
    if value is None or not value.strip():
        return None
    if value not in allowed:
        problems.append(FieldProblem(name, "invalid_choice", "допустимо: " + ", ".join(allowed)))
        return None
    return value


def _moment(
    name: str, text: str | None, zone: tzinfo, *, end_of_day: bool, problems: list[FieldProblem]
) -> datetime | None:
    if text is None or not text.strip():
        return None
    text = text.strip()
    day = _day(text)
    if day is not None:
        if end_of_day:
            day += timedelta(days=1)
        return datetime.combine(day, time(), tzinfo=zone)
    text = _SPACED_OFFSET.sub(r"\1+\2", text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        problems.append(
            FieldProblem(
                name, "invalid_datetime", "дата 2026-09-12 или 12.09.2026, время 2026-09-12T10:00+03:00"
            )
        )
        return None
    if moment.tzinfo is None:
        problems.append(FieldProblem(name, "zone_required", "укажите часовой пояс времени, например +03:00"))
        return None
    return moment


def _day(text: str) -> date | None:
    """A date alone: ISO `2026-09-12` or Russian `12.09.2026`."""
    try:
        if re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", text):
            day, month, year = text.split(".")
            return date(int(year), int(month), int(day))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
    except ValueError:
        return None
    return None


def journal_scope(actor: Actor) -> JournalScope:
    if actor.is_admin:
        return JournalScope()
    if actor.role is Role.SENIOR:
        return JournalScope(group_ids=actor.group_ids, user_id=actor.user_id)
    return JournalScope(group_ids=frozenset(), user_id=actor.user_id)


def check_filter_scope(actor: Actor, wanted: CallFilter) -> None:
    """Asking for calls outside one's scope is refused, not silently answered with nothing."""
    if actor.is_admin:
        return
    if wanted.group_id is not None and wanted.group_id not in actor.group_ids:
        raise Forbidden("this group is not one of yours")
    if actor.role is not Role.SENIOR and wanted.operator_id not in (None, actor.user_id):
        raise Forbidden("operators see only their own calls")


def took_part(user_id: int, record: CallRecord) -> bool:
    if record.operator_id == user_id:
        return True
    return any(leg.user_id == user_id and leg.role in OWN_LEG_ROLES for leg in record.legs)


def sees_call(actor: Actor, record: CallRecord) -> bool:
    if actor.is_admin or took_part(actor.user_id, record):
        return True
    return actor.role is Role.SENIOR and record.group_id is not None and record.group_id in actor.group_ids


def may_hear_recording(actor: Actor, record: CallRecord) -> bool:
    """Recordings are heard by administrators and the seniors of the call's group (TEL-11, SUP-08)."""
    if actor.is_admin:
        return True
    return actor.role is Role.SENIOR and record.group_id is not None and record.group_id in actor.group_ids
