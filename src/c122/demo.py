"""The demo organisation: two services, three groups with queues, lines, the seed's case types, accounts,
and — given the IVR services — the voice menu of each line (demo_ivr.py).

Running it again keeps what exists and gives the demo accounts fresh passwords, which it returns.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from c122.demo_ivr import HOTLINE_FLOW, VACCINATION_FLOW, DemoIvr, DemoQueues, seed_demo_ivr
from c122.domain.organisation import EntityKind, QueueMember
from c122.domain.phone_book import checked_contact
from c122.domain.users import CONSOLE, Actor, Role
from c122.services.contact_center.ports import ContactCenterUnitOfWork
from c122.services.organisation.ports import OrganisationUnitOfWork
from c122.services.organisation.service import OrganisationAdmin
from c122.services.phone_book.ports import PhoneBookUnitOfWork
from c122.services.ports import UnitOfWorkFactory

HOTLINE = "Служба 122"
VACCINATION = "Контакт-центр вакцинации"

SERVICES = [
    (HOTLINE, "Единый номер 122: справки, вызов врача, запись к врачу"),
    (VACCINATION, "Запись граждан на вакцинацию"),
]
# group name, its service, its queue
GROUPS = [
    ("Справочная группа", HOTLINE, "Справочная информация"),
    ("Медицинская группа", HOTLINE, "Вызов врача и запись к врачу"),
    ("Группа вакцинации", VACCINATION, "Запись на вакцинацию"),
]
LINES = [
    ("+78001220122", "122 — основной номер", HOTLINE, HOTLINE_FLOW),
    ("+78001220123", "Линия вакцинации", VACCINATION, VACCINATION_FLOW),
]
# The case types seen in the seed manual's screens.
CASE_TYPES = [
    ("info", "Справочная информация", "info"),
    ("vaccination", "Запись на вакцинацию", "vaccine"),
    ("doctor_home", "Вызов врача на дом", "doctor_home"),
    ("appointment", "Запись к врачу", "appointment"),
    ("psychology", "Психологическая поддержка", "psychology"),
    ("other", "Другое", "other"),
]
# login, full name, role, groups
# Two twelve-hour shifts, the night one over midnight (hotline time zone).
SHIFTS = [("Дневная смена", "08:00", "20:00"), ("Ночная смена", "20:00", "08:00")]

ACCOUNTS = [
    ("operator1", "Иванова Мария Сергеевна", Role.OPERATOR, ["Справочная группа"]),
    ("operator2", "Петров Алексей Николаевич", Role.OPERATOR, ["Справочная группа"]),
    ("operator3", "Сидорова Анна Викторовна", Role.OPERATOR, ["Медицинская группа"]),
    ("operator4", "Кузнецов Дмитрий Игоревич", Role.OPERATOR, ["Медицинская группа", "Справочная группа"]),
    ("operator5", "Смирнова Ольга Павловна", Role.OPERATOR, ["Группа вакцинации"]),
    ("senior1", "Волкова Елена Андреевна", Role.SENIOR, ["Справочная группа", "Медицинская группа"]),
    ("admin", "Администратор системы", Role.ADMIN, []),
]


# The organisation's speed-dial numbers (seed 4.3.6): emergency services and regional services.
PHONE_BOOK = [
    ("Единая служба спасения", "112", "экстренные вызовы с любого телефона"),
    ("Пожарная охрана", "101", ""),
    ("Полиция", "102", ""),
    ("Скорая медицинская помощь", "103", ""),
    ("Аварийная газовая служба", "104", ""),
    ("Министерство здравоохранения области", "+74952000122", "дежурный, круглосуточно"),
    ("Территориальный фонд ОМС", "+78003330122", "вопросы полисов ОМС"),
    ("Горячая линия Росздравнадзора", "+78005509903", "качество медицинской помощи"),
]


class DemoUnitOfWork(OrganisationUnitOfWork, ContactCenterUnitOfWork, PhoneBookUnitOfWork, Protocol):
    """The demo seeds organisation records, queue memberships and the organisation's phone book."""


@dataclass(frozen=True)
class DemoAccount:
    login: str
    role: Role
    password: str
    user_id: int = 0
    group_ids: frozenset[int] = frozenset()

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.user_id, role=self.role, group_ids=self.group_ids)


async def seed_demo(
    organisation: OrganisationAdmin,
    uow_factory: UnitOfWorkFactory[DemoUnitOfWork],
    ivr: DemoIvr | None = None,
) -> list[DemoAccount]:
    """Without `ivr` the lines get no entry flow (and no prompts are synthesised)."""
    service_ids = {
        name: await _ensure(
            organisation, uow_factory, EntityKind.SERVICE, {"name": name}, {"description": text}
        )
        for name, text in SERVICES
    }
    group_ids: dict[str, int] = {}
    queue_ids: dict[str, int] = {}
    for group, service, queue in GROUPS:
        key = {"service_id": service_ids[service], "name": group}
        group_ids[group] = await _ensure(organisation, uow_factory, EntityKind.GROUP, key, {})
        queue_ids[group] = await _ensure(
            organisation, uow_factory, EntityKind.QUEUE, {"group_id": group_ids[group], "name": queue}, {}
        )
    case_type_ids = {
        code: await _ensure(
            organisation, uow_factory, EntityKind.CASE_TYPE, {"code": code}, {"name": name, "icon": icon}
        )
        for code, name, icon in CASE_TYPES
    }
    for name, starts_at, ends_at in SHIFTS:
        await _ensure(
            organisation,
            uow_factory,
            EntityKind.SHIFT,
            {"name": name},
            {"starts_at": starts_at, "ends_at": ends_at},
        )
    if ivr is not None:
        queues = DemoQueues(
            info=queue_ids["Справочная группа"],
            medical=queue_ids["Медицинская группа"],
            vaccination=queue_ids["Группа вакцинации"],
        )
        await seed_demo_ivr(ivr, queues, case_type_ids)
    for number, name, service, flow in LINES:
        entry_flow = flow if ivr is not None else None
        extra = {"name": name, "service_id": service_ids[service], "entry_flow": entry_flow}
        line_id = await _ensure(organisation, uow_factory, EntityKind.LINE, {"number": number}, extra)
        if ivr is not None:
            line = await organisation.get(CONSOLE, EntityKind.LINE, line_id)
            if line.entry_flow != entry_flow:
                await organisation.update(CONSOLE, EntityKind.LINE, line_id, {"entry_flow": entry_flow})
    accounts = []
    for login, full_name, role, groups in ACCOUNTS:
        password = _new_password()
        values = {
            "full_name": full_name,
            "role": role,
            "enabled": True,
            "group_ids": [group_ids[g] for g in groups],
            "password": password,
        }
        user_id = await _find(uow_factory, EntityKind.USER, {"login": login})
        if user_id is None:
            user_id = (await organisation.create(CONSOLE, EntityKind.USER, {"login": login, **values})).id
        else:
            await organisation.update(CONSOLE, EntityKind.USER, user_id, values)
        member_of = frozenset(group_ids[g] for g in groups)
        accounts.append(DemoAccount(login, role, password, int(user_id), member_of))
    await _staff_queues(uow_factory)
    await _fill_phone_book(uow_factory)
    return accounts


async def _fill_phone_book(uow_factory: UnitOfWorkFactory[DemoUnitOfWork]) -> None:
    """The organisation's numbers that are not in its list yet."""
    async with uow_factory() as uow:
        known = await uow.phone_book.numbers_of(None)
        for name, number, note in PHONE_BOOK:
            if number not in known:
                await uow.phone_book.add(None, checked_contact(name, number, note), datetime.now(UTC))
        await uow.commit()


async def _staff_queues(uow_factory: UnitOfWorkFactory[DemoUnitOfWork]) -> None:
    """Every operator and senior serves the queues of their groups, on tier 1 in login order; a queue
    whose members were already set is left as it is."""
    async with uow_factory() as uow:
        setup = await uow.acd.setup()
        staffed = {m.queue_id for m in setup.members}
        staff = sorted(setup.staff, key=lambda user: user.login)
        for queue in setup.queues:
            if queue.id in staffed:
                continue
            members = [
                QueueMember(queue_id=queue.id, user_id=user.id, level=1, position=position)
                for position, user in enumerate(u for u in staff if queue.group_id in u.group_ids)
            ]
            await uow.acd.set_members(queue.id, members)
        await uow.commit()


async def case_type_ids(uow_factory: UnitOfWorkFactory[DemoUnitOfWork]) -> dict[str, int]:
    """The demo's case types by code (those that exist)."""
    kind = EntityKind.CASE_TYPE
    found = {code: await _find(uow_factory, kind, {"code": code}) for code, _n, _i in CASE_TYPES}
    return {code: id_ for code, id_ in found.items() if id_ is not None}


async def _ensure(
    organisation: OrganisationAdmin,
    uow_factory: UnitOfWorkFactory[DemoUnitOfWork],
    kind: EntityKind,
    key: dict[str, Any],
    extra: dict[str, Any],
) -> int:
    existing = await _find(uow_factory, kind, key)
    if existing is not None:
        return existing
    record = await organisation.create(CONSOLE, kind, {**key, **extra})
    identifier: int = record.id
    return identifier


async def _find(
    uow_factory: UnitOfWorkFactory[DemoUnitOfWork], kind: EntityKind, key: dict[str, Any]
) -> int | None:
    repository = {
        EntityKind.SERVICE: "services",
        EntityKind.GROUP: "groups",
        EntityKind.QUEUE: "queues",
        EntityKind.LINE: "lines",
        EntityKind.CASE_TYPE: "case_types",
        EntityKind.USER: "users",
        EntityKind.SHIFT: "shifts",
    }[kind]
    async with uow_factory() as uow:
        record = await getattr(uow, repository).find(key)
    return None if record is None else int(record.id)


def _new_password() -> str:
    # Readable in a terminal, hard to guess: 12 characters from an alphabet without look-alikes.
    alphabet = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY3479"
    return "".join(secrets.choice(alphabet) for _ in range(12))
