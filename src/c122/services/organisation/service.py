"""Administration of the organisation (ADM-01, ADM-02): services, groups, queues, lines, case types, users.

The API validates the shape of each record; these use cases check what needs the stored data:
uniqueness, references to other records, records still in use, and who may do it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from c122.domain.clock import Clock
from c122.domain.errors import Conflict, DuplicateField, FieldProblem, Forbidden, InvalidFields, NotFound
from c122.domain.organisation import EntityKind, Queue
from c122.domain.phones import InvalidPhone, normalize_phone
from c122.domain.shifts import InvalidShiftTime, Shift, overlapping, parse_time_of_day
from c122.domain.users import Actor, User, is_valid_login
from c122.services.accounts.events import ACCOUNT_CHANGED, announce_session_closed, presence_changed
from c122.services.accounts.ports import PasswordHasher
from c122.services.events import EventPublisher
from c122.services.internal_events import InternalEventBus, InternalPublisher
from c122.services.organisation.events import OrganisationChanged, org_changed
from c122.services.organisation.own_settings import OwnSettings, check_idle_choice, home_group, own_settings
from c122.services.organisation.ports import OrganisationUnitOfWork
from c122.services.ports import EntityRepository, Page, UnitOfWorkFactory

MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class Dependent:
    """Records of another kind that point at this one and so forbid deleting it."""

    repository: str
    field: str
    what: str


@dataclass(frozen=True)
class KindSpec:
    kind: EntityKind
    repository: str
    unique: tuple[tuple[str, ...], ...] = ()
    references: Mapping[str, str] = field(default_factory=dict)
    dependents: tuple[Dependent, ...] = ()


SPECS: dict[EntityKind, KindSpec] = {
    EntityKind.SERVICE: KindSpec(
        EntityKind.SERVICE,
        "services",
        unique=(("name",),),
        dependents=(Dependent("groups", "service_id", "groups"), Dependent("lines", "service_id", "lines")),
    ),
    EntityKind.GROUP: KindSpec(
        EntityKind.GROUP,
        "groups",
        unique=(("service_id", "name"),),
        references={"service_id": "services"},
        dependents=(Dependent("queues", "group_id", "queues"),),
    ),
    EntityKind.QUEUE: KindSpec(
        EntityKind.QUEUE, "queues", unique=(("group_id", "name"),), references={"group_id": "groups"}
    ),
    EntityKind.LINE: KindSpec(
        EntityKind.LINE,
        "lines",
        unique=(("number",),),
        references={"service_id": "services", "default_case_type_id": "case_types"},
    ),
    EntityKind.CASE_TYPE: KindSpec(EntityKind.CASE_TYPE, "case_types", unique=(("code",), ("name",))),
    EntityKind.USER: KindSpec(EntityKind.USER, "users", unique=(("login",),)),
    EntityKind.SHIFT: KindSpec(EntityKind.SHIFT, "shifts", unique=(("name",),)),
}


def public_view(record: object) -> dict[str, Any]:
    """A record as the API shows it: users lose their password hash, sets become sorted lists."""
    data = asdict(record)  # type: ignore[call-overload]
    data.pop("password_hash", None)
    return {key: sorted(value) if isinstance(value, frozenset) else value for key, value in data.items()}


class OrganisationAdmin:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[OrganisationUnitOfWork],
        clock: Clock,
        publisher: EventPublisher,
        hasher: PasswordHasher,
        *,
        internal: InternalPublisher | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._publisher = publisher
        # Nobody reacts unless bootstrap wires the process's bus.
        self._internal = internal or InternalEventBus()
        self._hasher = hasher

    # --- the signed-in user's own settings (OPS-05) ------------------------------------------------
    async def own_settings(self, actor: Actor) -> OwnSettings:
        async with self._uow() as uow:
            user = await self._existing(uow, EntityKind.USER, actor.user_id)
            return own_settings(user, await home_group(uow, user))

    async def update_own_settings(
        self, actor: Actor, display_name: str, idle_to_away_s: float | None
    ) -> OwnSettings:
        """The user's display name and, where their group lets operators choose, their idle interval
        (None: the group's). Refused: choosing where the group does not allow it (409), outside its
        bounds (422)."""
        async with self._uow() as uow:
            user = await self._existing(uow, EntityKind.USER, actor.user_id)
            group = await home_group(uow, user)
            if idle_to_away_s is not None:
                check_idle_choice(group, idle_to_away_s)
            values = {"full_name": display_name, "idle_to_away_s": idle_to_away_s}
            changed = sorted(name for name, value in values.items() if getattr(user, name) != value)
            if not changed:
                return own_settings(user, group)
            user = await uow.users.update(user.id, values)
            await self._audit(uow, actor, "update", EntityKind.USER, user.id, changed)
            await uow.commit()
        self._announce(EntityKind.USER, user.id, "updated")
        return own_settings(user, group)

    async def search(self, actor: Actor, kind: EntityKind, query: str, limit: int, offset: int) -> Page[Any]:
        self._require_admin(actor)
        async with self._uow() as uow:
            return await self._repo(uow, kind).search(query, limit, offset)

    async def get(self, actor: Actor, kind: EntityKind, entity_id: int) -> Any:
        self._require_admin(actor)
        async with self._uow() as uow:
            return await self._existing(uow, kind, entity_id)

    async def create(self, actor: Actor, kind: EntityKind, values: Mapping[str, Any]) -> Any:
        self._require_admin(actor)
        values = self._normalise(kind, dict(values), creating=True)
        async with self._uow() as uow:
            group_ids = values.pop("group_ids", None)
            await self._check(uow, kind, values, entity_id=None, group_ids=group_ids)
            record = await self._repo(uow, kind).create(values)
            if group_ids is not None:
                await uow.users.set_groups(record.id, frozenset(group_ids))
                record = await uow.users.get(record.id)
            await self._audit(uow, actor, "create", kind, record.id)
            await uow.commit()
        self._announce(kind, record.id, "created")
        return record

    async def update(self, actor: Actor, kind: EntityKind, entity_id: int, values: Mapping[str, Any]) -> Any:
        self._require_admin(actor)
        values = self._normalise(kind, dict(values), creating=False)
        async with self._uow() as uow:
            before = await self._existing(uow, kind, entity_id)
            group_ids = values.pop("group_ids", None)
            if kind is EntityKind.USER:
                self._guard_own_account(actor, before, values)
            await self._check(uow, kind, values, entity_id=entity_id, group_ids=group_ids)
            record = await self._repo(uow, kind).update(entity_id, values) if values else before
            if group_ids is not None:
                await uow.users.set_groups(entity_id, frozenset(group_ids))
                record = await uow.users.get(entity_id)
            closed = await self._close_sessions_if_locked_out(uow, kind, before, values)
            changed = {"password" if name == "password_hash" else name for name in values}
            if group_ids is not None:
                changed.add("group_ids")
            policies = _settings_changed(before, values) if kind in _POLICY_HOLDERS else None
            await self._audit(uow, actor, "update", kind, entity_id, sorted(changed), policies)
            await uow.commit()
        self._announce(kind, entity_id, "updated")
        if closed:
            self._publish_sessions_closed(record)
        return record

    async def delete(self, actor: Actor, kind: EntityKind, entity_id: int) -> None:
        self._require_admin(actor)
        spec = SPECS[kind]
        async with self._uow() as uow:
            record = await self._existing(uow, kind, entity_id)
            if kind is EntityKind.USER and entity_id == actor.user_id:
                raise Conflict("you cannot delete your own account", code="in_use")
            if kind is EntityKind.USER and await uow.audit.names_actor(entity_id):
                # Removing the account would blank who acted in the audit trail (ADM-05).
                raise Conflict(
                    "the audit trail names this account as acting; disable it instead", code="in_use"
                )
            if kind is EntityKind.GROUP:
                members = await uow.users.count_in_group(entity_id)
                if members:
                    raise Conflict(f"the group still has {members} member(s); move them first", code="in_use")
            if kind is EntityKind.QUEUE:
                rules = await uow.routing.rules_sending_to_queue(entity_id)
                if rules:
                    names = ", ".join(map(str, rules))
                    raise Conflict(
                        f"routing rule(s) {names} send calls to this queue; change them first", code="in_use"
                    )
            for dependent in spec.dependents:
                count = await self._repo_named(uow, dependent.repository).count({dependent.field: entity_id})
                if count:
                    message = f"{kind.value} {entity_id} still has {count} {dependent.what}"
                    raise Conflict(f"{message}; delete or move them first", code="in_use")
            await self._repo(uow, kind).delete(entity_id)
            await self._audit(uow, actor, "delete", kind, entity_id)
            await uow.commit()
        self._announce(kind, entity_id, "deleted")
        if kind is EntityKind.USER:
            self._publish_sessions_closed(record)

    @staticmethod
    def _require_admin(actor: Actor) -> None:
        if not actor.is_admin:
            raise Forbidden("only administrators manage the organisation")

    @staticmethod
    def _repo(uow: OrganisationUnitOfWork, kind: EntityKind) -> EntityRepository[Any]:
        return OrganisationAdmin._repo_named(uow, SPECS[kind].repository)

    @staticmethod
    def _repo_named(uow: OrganisationUnitOfWork, name: str) -> EntityRepository[Any]:
        repository: EntityRepository[Any] = getattr(uow, name)
        return repository

    async def _existing(self, uow: OrganisationUnitOfWork, kind: EntityKind, entity_id: int) -> Any:
        record = await self._repo(uow, kind).get(entity_id)
        if record is None:
            raise NotFound(f"{kind.value} {entity_id} does not exist")
        return record

    def _normalise(self, kind: EntityKind, values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
        problems: list[FieldProblem] = []
        if kind is EntityKind.LINE and values.get("entry_flow") is not None:
            values["entry_flow"] = str(values["entry_flow"]).strip() or None  # blank: no flow
        if kind is EntityKind.LINE and "number" in values:
            try:
                values["number"] = normalize_phone(str(values["number"]))
            except InvalidPhone as exc:
                problems.append(FieldProblem("number", "invalid_phone", str(exc)))
        if kind is EntityKind.USER:
            if "login" in values and not is_valid_login(str(values["login"])):
                problems.append(
                    FieldProblem("login", "invalid_login", "2–64 latin letters, digits, '.', '-' or '_'")
                )
            password = values.pop("password", None)
            if creating and password is None:
                problems.append(FieldProblem("password", "missing", "a password is required"))
            if password is not None:
                if len(password) < MIN_PASSWORD_LENGTH:
                    problems.append(
                        FieldProblem("password", "too_short", f"at least {MIN_PASSWORD_LENGTH} characters")
                    )
                else:
                    values["password_hash"] = self._hasher.hash(password)
            if "role" in values:
                values["role"] = str(values["role"])
        if kind is EntityKind.QUEUE:
            problems += _required_settings(values, QUEUE_REQUIRED_SETTINGS)
            if values.get("required_skills") is not None:
                values["required_skills"] = sorted(set(values["required_skills"]))
        if kind is EntityKind.CASE_TYPE and "icon" in values:
            values["icon"] = str(values["icon"])
        if kind is EntityKind.SHIFT:
            problems += _required_settings(values, ("name", "starts_at", "ends_at")) or _shift_times(values)
        if problems:
            raise InvalidFields(problems)
        return values

    async def _check(
        self,
        uow: OrganisationUnitOfWork,
        kind: EntityKind,
        values: Mapping[str, Any],
        *,
        entity_id: int | None,
        group_ids: list[int] | None,
    ) -> None:
        spec = SPECS[kind]
        problems: list[FieldProblem] = []
        for field_name, repository in spec.references.items():
            if (
                values.get(field_name) is not None
                and await self._repo_named(uow, repository).get(values[field_name]) is None
            ):
                problems.append(
                    FieldProblem(field_name, "not_found", f"no {repository[:-1]} {values[field_name]}")
                )
        flow = values.get("entry_flow") if kind is EntityKind.LINE else None
        if flow is not None and await uow.ivr.flow(flow) is None:
            problems.append(FieldProblem("entry_flow", "not_found", f"no IVR flow named «{flow}»"))
        for position, group_id in enumerate(group_ids or []):
            if await uow.groups.get(group_id) is None:
                problems.append(FieldProblem(f"group_ids.{position}", "not_found", f"no group {group_id}"))
        if problems:
            raise InvalidFields(problems)
        current = await self._repo(uow, kind).get(entity_id) if entity_id is not None else None
        if kind is EntityKind.SHIFT:
            await _check_shift_overlap(uow, values, current)
        if kind is EntityKind.QUEUE:
            _check_queue_figures(values, current)
        for fields in spec.unique:
            if not any(name in values for name in fields):
                continue
            wanted = {name: values.get(name, getattr(current, name, None)) for name in fields}
            clash = await self._repo(uow, kind).find(wanted)
            if clash is not None and clash.id != entity_id:
                raise DuplicateField(
                    fields[-1], f"a {kind.value} with this {' and '.join(fields)} already exists"
                )

    @staticmethod
    def _guard_own_account(actor: Actor, before: User, values: Mapping[str, Any]) -> None:
        if before.id != actor.user_id:
            return
        if values.get("enabled") is False or values.get("role", before.role.value) != before.role.value:
            raise Conflict("you cannot disable your own account or change your own role", code="in_use")

    async def _close_sessions_if_locked_out(
        self, uow: OrganisationUnitOfWork, kind: EntityKind, before: Any, values: Mapping[str, Any]
    ) -> bool:
        """A disabled account or a new password ends the account's open sessions."""
        if kind is not EntityKind.USER:
            return False
        if values.get("enabled") is False or "password_hash" in values:
            closed = await uow.sessions.revoke_all_for_user(before.id, self._clock.now(), ACCOUNT_CHANGED)
            return bool(closed)
        return False

    async def _audit(
        self,
        uow: OrganisationUnitOfWork,
        actor: Actor,
        action: str,
        kind: EntityKind,
        entity_id: int,
        fields: list[str] | None = None,
        changes: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        detail: dict[str, Any] = {"fields": fields} if fields else {}
        if changes:
            detail["changes"] = changes
        await uow.audit.record(
            at=self._clock.now(),
            actor_id=actor.user_id,
            action=action,
            entity=kind.value,
            entity_id=str(entity_id),
            detail=detail or None,
        )

    def _announce(self, kind: EntityKind, entity_id: int, action: str) -> None:
        self._publisher.publish(org_changed(kind, entity_id, action, self._clock.now()))
        self._internal.publish(OrganisationChanged(kind, entity_id, action))

    def _publish_sessions_closed(self, user: User) -> None:
        now = self._clock.now()
        announce_session_closed(
            self._publisher, self._internal, user.id, ACCOUNT_CHANGED, "the account was changed", now
        )
        self._publisher.publish(presence_changed(user, online=False, since=now))


# Queue settings that always have a value: a change may not set them to null.
QUEUE_REQUIRED_SETTINGS = (
    "strategy",
    "weight",
    "ring_timeout_s",
    "retry_s",
    "no_answer_limit",
    "wrap_up_s",
    "manual_ready",
    "join_when_empty",
    "leave_when_empty",
    "short_abandon_s",
    "sla_wait_s",
    "service_level_s",
    "service_level_formula",
    "service_level_target_pct",
    "callbacks_enabled",
    "repeat_call_window_s",
)


_QUEUE_FIGURES = ("short_abandon_s", "service_level_s", "sla_wait_s")


def _check_queue_figures(values: Mapping[str, Any], current: Queue | None) -> None:
    """The statistics' thresholds of a queue, on the merged record, when a change touches them:
    short abandon time S <= answer threshold T <= normative maximum wait (TEL-08)."""
    if not any(name in values for name in _QUEUE_FIGURES):
        return
    default = Queue(id=0, group_id=0, name="")
    short, threshold, norm = (
        float(values.get(name, getattr(current or default, name))) for name in _QUEUE_FIGURES
    )
    problems: list[FieldProblem] = []
    if threshold > norm:
        problems.append(
            FieldProblem(
                "service_level_s",
                "above_normative_wait",
                f"the answer threshold ({threshold:g} s) may not exceed the normative maximum wait "
                f"({norm:g} s)",
            )
        )
    if short > threshold:
        problems.append(
            FieldProblem(
                "short_abandon_s",
                "above_service_level",
                f"the short-abandon time ({short:g} s) may not exceed the answer threshold ({threshold:g} s)",
            )
        )
    if problems:
        raise InvalidFields(problems)


def _required_settings(values: Mapping[str, Any], names: tuple[str, ...]) -> list[FieldProblem]:
    return [
        FieldProblem(name, "null_not_allowed", "this setting needs a value")
        for name in names
        if name in values and values[name] is None
    ]


def _shift_times(values: Mapping[str, Any]) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for name in ("starts_at", "ends_at"):
        if name in values:
            try:
                parse_time_of_day(str(values[name]))
            except InvalidShiftTime as exc:
                problems.append(FieldProblem(name, "invalid_time", str(exc)))
    if not problems and "starts_at" in values and values.get("starts_at") == values.get("ends_at"):
        # Equal bounds would be a 24-hour shift; the two-shift day is the usual case, and a clash
        # with every other shift would be the only outcome.
        problems.append(
            FieldProblem("ends_at", "empty_shift", "a shift must end at another time than it starts")
        )
    return problems


async def _check_shift_overlap(
    uow: OrganisationUnitOfWork, values: Mapping[str, Any], current: Shift | None
) -> None:
    """Shifts may not share a minute of the day: "the current shift" must name one shift."""
    merged = Shift(
        id=current.id if current else 0,
        name=str(values.get("name", current.name if current else "")),
        starts_at=str(values.get("starts_at", current.starts_at if current else "")),
        ends_at=str(values.get("ends_at", current.ends_at if current else "")),
    )
    if merged.starts_at == merged.ends_at:
        raise InvalidFields(
            [FieldProblem("ends_at", "empty_shift", "a shift must end at another time than it starts")]
        )
    others = (await uow.shifts.search("", 1000, 0)).items
    clash = overlapping(merged, others)
    if clash is not None:
        raise InvalidFields(
            [
                FieldProblem(
                    "starts_at",
                    "overlap",
                    f"overlaps the shift «{clash.name}» ({clash.starts_at}–{clash.ends_at})",
                )
            ]
        )


# Records whose changes are audited with their values (policies and thresholds; nothing personal).
_POLICY_HOLDERS = frozenset({EntityKind.GROUP, EntityKind.QUEUE})


def _settings_changed(before: object, values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {"from": old, "to": new}} for each setting whose value changed, so the audit trail says
    what a policy or threshold was and became, not only that it was edited."""
    changes: dict[str, dict[str, Any]] = {}
    for name, value in values.items():
        if not hasattr(before, name):
            continue
        old, new = _plain(getattr(before, name)), _plain(value)
        if old != new:
            changes[name] = {"from": old, "to": new}
    return changes


def _plain(value: Any) -> Any:
    """A value as JSON holds it: sets sorted into lists, mappings copied."""
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value
