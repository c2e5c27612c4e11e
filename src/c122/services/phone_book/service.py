"""The phone book (OPS-21, seed 4.3.6): the organisation's speed-dial numbers, kept by administrators
(one by one or from CSV), each operator's own contacts and favourites, and the colleagues of the
operator's groups with their live status.

Who may change what: the organisation's list, administrators only; a personal contact, its owner only.
Someone else's personal contact looks like no contact at all (404). A number appears once per list: a
personal contact may not repeat a number of the organisation's list either (409 `duplicate_contact`).
"""

from __future__ import annotations

from dataclasses import dataclass

from c122.domain.clock import Clock
from c122.domain.errors import Conflict, Forbidden, NotFound
from c122.domain.phone_book import ContactDraft, LineProblem, checked_contact, parse_contacts_csv
from c122.domain.users import Actor
from c122.services.phone_book.ports import Contact, PhoneBookUnitOfWork
from c122.services.ports import UnitOfWorkFactory
from c122.services.supervision.ports import AudioConnections, AudioMode, LiveDistribution, LiveOperator


class DuplicateContact(Conflict):
    code = "duplicate_contact"


@dataclass(frozen=True)
class ImportReport:
    added: int
    problems: list[LineProblem]


@dataclass(frozen=True)
class Colleague:
    live: LiveOperator
    audio_mode: AudioMode
    audio_registered: bool | None


def matches(contact: Contact, query: str) -> bool:
    """Search by a part of the name (any case) or of the number (digits only)."""
    words = query.strip().lower()
    if not words:
        return True
    digits = "".join(ch for ch in words if ch.isdigit())
    return words in contact.name.lower() or (bool(digits) and digits in contact.number)


def book_order(contact: Contact) -> tuple[bool, bool, str, int]:
    """Favourites first, then the organisation's numbers, then by name."""
    return (not contact.favourite, contact.owner_id is not None, contact.name.lower(), contact.id)


class PhoneBook:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[PhoneBookUnitOfWork],
        clock: Clock,
        live: LiveDistribution | None = None,
        audio: AudioConnections | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._live = live
        self._audio = audio

    async def contacts(self, actor: Actor, query: str = "") -> list[Contact]:
        async with self._uow() as uow:
            found = await uow.phone_book.visible_to(actor.user_id)
        return sorted((c for c in found if matches(c, query)), key=book_order)

    async def add(self, actor: Actor, draft: ContactDraft, *, shared: bool = False) -> Contact:
        """A personal contact, or (`shared`, administrators) one of the organisation's list."""
        contact = checked_contact(draft.name, draft.number, draft.note)
        owner = self._owner_for(actor, shared)
        async with self._uow() as uow:
            await self._refuse_duplicate(uow, owner, contact.number)
            contact_id = await uow.phone_book.add(owner, contact, self._clock.now())
            await self._audit(uow, actor, "create", contact_id, contact)
            await uow.commit()
            stored = await uow.phone_book.get(contact_id, actor.user_id)
        assert stored is not None
        return stored

    async def update(self, actor: Actor, contact_id: int, draft: ContactDraft) -> Contact:
        contact = checked_contact(draft.name, draft.number, draft.note)
        async with self._uow() as uow:
            current = await self._editable(uow, actor, contact_id)
            if contact.number != current.number:
                await self._refuse_duplicate(uow, current.owner_id, contact.number)
            await uow.phone_book.update(contact_id, contact, self._clock.now())
            await self._audit(uow, actor, "update", contact_id, contact)
            await uow.commit()
            stored = await uow.phone_book.get(contact_id, actor.user_id)
        assert stored is not None
        return stored

    async def delete(self, actor: Actor, contact_id: int) -> None:
        async with self._uow() as uow:
            current = await self._editable(uow, actor, contact_id)
            await uow.phone_book.delete(contact_id)
            await self._audit(uow, actor, "delete", contact_id, ContactDraft(current.name, current.number))
            await uow.commit()

    async def set_favourite(self, actor: Actor, contact_id: int, favourite: bool) -> Contact:
        """Any contact the reader sees may be a favourite of theirs, the organisation's too."""
        async with self._uow() as uow:
            if await uow.phone_book.get(contact_id, actor.user_id) is None:
                raise NotFound("no such contact")
            await uow.phone_book.set_favourite(actor.user_id, contact_id, favourite)
            await uow.commit()
            stored = await uow.phone_book.get(contact_id, actor.user_id)
        assert stored is not None
        return stored

    async def import_csv(self, actor: Actor, text: str) -> ImportReport:
        """The organisation's list from CSV (administrators): each valid line is added, each bad one
        or one whose number is already in the list is reported with its line number."""
        self._owner_for(actor, shared=True)
        parsed = parse_contacts_csv(text)
        problems = list(parsed.problems)
        added = 0
        async with self._uow() as uow:
            known = await uow.phone_book.numbers_of(None)
            for line, contact in parsed.contacts:
                if contact.number in known:
                    problems.append(
                        LineProblem(line, "duplicate", f"номер {contact.number} уже в справочнике")
                    )
                    continue
                await uow.phone_book.add(None, contact, self._clock.now())
                added += 1
            await uow.audit.record(
                at=self._clock.now(),
                actor_id=actor.user_id or None,
                action="import",
                entity="phone_book",
                entity_id="organisation",
                detail={"added": added, "refused": len(problems)},
            )
            await uow.commit()
        return ImportReport(added, sorted(problems, key=lambda p: p.line))

    def colleagues(self, actor: Actor) -> list[Colleague]:
        """The other operators and seniors of the reader's groups, with their state and audio."""
        if self._live is None:
            return []
        rows = [
            live
            for live in self._live.live_operators()
            if live.user_id != actor.user_id and not actor.group_ids.isdisjoint(live.group_ids)
        ]
        rows.sort(key=lambda live: (live.full_name, live.user_id))
        return [self._colleague(live) for live in rows]

    def group_names(self, actor: Actor) -> dict[int, str]:
        if self._live is None:
            return {}
        return {g: name for g, name in self._live.group_names().items() if g in actor.group_ids}

    # --- inside ----------------------------------------------------------------------------------

    def _colleague(self, live: LiveOperator) -> Colleague:
        mode, registered = self._audio.audio_connection(live.user_id) if self._audio else ("browser", None)
        return Colleague(live, mode, registered)

    @staticmethod
    def _owner_for(actor: Actor, shared: bool) -> int | None:
        if not shared:
            return actor.user_id
        if not actor.is_admin:
            raise Forbidden("the organisation's phone book is kept by administrators")
        return None

    @staticmethod
    async def _editable(uow: PhoneBookUnitOfWork, actor: Actor, contact_id: int) -> Contact:
        current = await uow.phone_book.get(contact_id, actor.user_id)
        if current is None:
            raise NotFound("no such contact")
        if current.owner_id is None and not actor.is_admin:
            raise Forbidden("the organisation's numbers are changed by administrators")
        return current

    @staticmethod
    async def _refuse_duplicate(uow: PhoneBookUnitOfWork, owner: int | None, number: str) -> None:
        lists = [None] if owner is None else [None, owner]
        for list_owner in lists:
            existing = await uow.phone_book.with_number(list_owner, number)
            if existing is not None:
                where = "в справочнике организации" if list_owner is None else "в ваших контактах"
                raise DuplicateContact(f"номер {number} уже есть {where}: «{existing.name}»")

    async def _audit(
        self, uow: PhoneBookUnitOfWork, actor: Actor, action: str, contact_id: int, contact: ContactDraft
    ) -> None:
        await uow.audit.record(
            at=self._clock.now(),
            actor_id=actor.user_id or None,
            action=action,
            entity="phone_book_contact",
            entity_id=str(contact_id),
            detail={"name": contact.name, "number": contact.number},
        )
