"""What the case card use cases need from storage, as a Protocol, and the records it hands back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from c122.domain.cases import AnswerSheet, ApplicantData, Case, CaseStatus, Script, SequenceKey
from c122.domain.organisation import CaseType, Group
from c122.services.accounts.ports import UserRepository
from c122.services.ports import EntityRepository, UnitOfWork


@dataclass(frozen=True)
class StoredApplicant:
    id: int
    version: int
    data: ApplicantData
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class CaseQuery:
    """One page of the card list. `group_ids`/`user_id` scope it to what the caller may see (None: all)."""

    statuses: frozenset[CaseStatus]
    since: datetime | None = None
    type_id: int | None = None
    text: str = ""
    """Case-folded words matched against the case name, type and the applicant's name."""
    phone: str | None = None
    """An E.164 number: cases of applicants with that phone."""
    until: datetime | None = None
    """Created before this time (a searched date is the range of that hotline day)."""
    name: str | None = None
    """An exact case name."""
    group_ids: frozenset[int] | None = None
    user_id: int | None = None
    applicant_id: int | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class CaseRow:
    """A case with what the list shows of its applicant and type."""

    case: Case
    type_name: str
    type_icon: str
    applicant_name: str
    applicant_phone: str
    type_changed: bool
    """The `*` mark: the type was changed at least once."""


@dataclass(frozen=True)
class CaseRows:
    items: list[CaseRow]
    total: int
    capped: bool = False
    """True: more cases match than were counted; `total` is the cap."""


class CaseRepository(Protocol):
    async def next_number(self, key: SequenceKey, count: int = 1) -> int:
        """Bumps the counter of `key` by `count` in this transaction and returns the first of the
        `count` new numbers (see the protocol)."""
        ...

    async def add_case(self, case: Case) -> Case:
        """Stores a new case with its history; returns it with its id."""
        ...

    async def add_cases(self, new: Sequence[Case]) -> list[Case]:
        """As `add_case` for several cases at once, in order."""
        ...

    async def get_case(self, case_id: int) -> Case | None: ...

    async def case_of_call(self, call_id: str) -> int | None:
        """The id of the card the call belongs to (the newest, should there be several)."""
        ...

    async def cases_of_calls(self, call_ids: Sequence[str]) -> dict[str, Case]:
        """Each call's card (as `case_of_call`), read for all the calls at once; calls without one are
        left out."""
        ...

    async def save_case(self, before: Case, after: Case) -> bool:
        """Stores `after` only if the stored version is still `before.version`; False when it moved."""
        ...

    async def row(self, case_id: int) -> CaseRow | None: ...

    async def rows(self, case_ids: Sequence[int]) -> dict[int, CaseRow]:
        """The list rows of these cases, read at once, by id."""
        ...

    async def list_cases(self, query: CaseQuery) -> CaseRows: ...

    async def contact_times(self, applicant_id: int, since: datetime) -> list[datetime]:
        """Creation times of the applicant's cases since `since`."""
        ...

    async def add_applicant(self, data: ApplicantData, at: datetime) -> StoredApplicant: ...

    async def add_applicants(self, new: Sequence[ApplicantData], at: datetime) -> list[StoredApplicant]:
        """As `add_applicant` for several applicants at once, in order."""
        ...

    async def applicants_of_phones(self, phones: Sequence[str]) -> dict[str, int]:
        """Per number, the id of the applicant `find_applicant_by_phone` finds; numbers of nobody left
        out."""
        ...

    async def get_applicant(self, applicant_id: int) -> StoredApplicant | None: ...

    async def find_applicant_by_phone(self, phone: str) -> StoredApplicant | None:
        """The applicant most recently updated with this E.164 number among their phones."""
        ...

    async def save_applicant(
        self, before: StoredApplicant, data: ApplicantData, at: datetime
    ) -> StoredApplicant | None:
        """Stores new data if the stored version is still `before.version`; None when it moved."""
        ...

    async def scripts(self, case_type_id: int) -> list[Script]:
        """The current version of each script of a case type."""
        ...

    async def script(self, script_id: int, version: int | None = None) -> Script | None:
        """One version of a script (the current one by default)."""
        ...

    async def add_script(self, script: Script, at: datetime, by: int | None) -> Script: ...

    async def save_script_version(self, script: Script, at: datetime, by: int | None) -> bool:
        """Stores the next version of a script; False when another version was saved meanwhile."""
        ...

    async def answers(self, case_id: int) -> Sequence[tuple[AnswerSheet, dict[str, object]]]:
        """The answer sheets of a case, each with its answers as stored (JSON values)."""
        ...

    async def save_answers(
        self, case_id: int, sheet: AnswerSheet, raw: dict[str, object], by: int | None, at: datetime
    ) -> None: ...


class CasesUnitOfWork(UnitOfWork, Protocol):
    @property
    def cases(self) -> CaseRepository: ...

    @property
    def case_types(self) -> EntityRepository[CaseType]: ...

    @property
    def groups(self) -> EntityRepository[Group]:
        """The name of a card's group, for a desk a call is transferred to."""
        ...

    @property
    def users(self) -> UserRepository:
        """Names of the operators who had a card (its handover history)."""
        ...
