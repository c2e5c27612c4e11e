"""Storage of case cards, applicants and questionnaire scripts over SQLAlchemy Core.

Numbering follows the allocation protocol of docs/contact-center/cases.md (one counter upsert in the
creating transaction); every update checks the version in the UPDATE itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Table,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.cases import (
    AnswerKind,
    AnswerSheet,
    ApplicantData,
    Branch,
    Case,
    CaseDetails,
    CaseSource,
    CaseStatus,
    EmergencyContact,
    Handover,
    HandoverKind,
    Question,
    Script,
    SequenceKey,
    StatusChange,
    TypeChange,
    read_answer,
)
from c122.persistence import tables as t
from c122.persistence.given_values import values_given
from c122.persistence.journal_copies import link_calls
from c122.persistence.organisation import fold, like_pattern
from c122.persistence.tables.calls import call_cases
from c122.persistence.tables.cases import (
    applicant_phones,
    applicants,
    case_answers,
    case_counters,
    case_handovers,
    case_script_versions,
    case_scripts,
    case_status_history,
    case_type_history,
    cases,
)
from c122.services.cases.ports import CaseQuery, CaseRow, CaseRows, StoredApplicant


def applicant_search_text(data: ApplicantData) -> str:
    born = data.birth_date.strftime("%d.%m.%Y") if data.birth_date else ""
    return fold(" ".join((data.full_name, *data.phones, born)))


def case_search_text(case: Case, type_name: str) -> str:
    return fold(f"{case.name} {type_name}")


COUNT_CAP = 1000


class SqlCaseRepository:
    """One per transaction: the names of case types and the applicants' search lines it read or wrote
    are kept for the transaction, so a batch of call cards reads each once, not once per card."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection
        self._type_names: dict[int, str] = {}
        self._applicant_texts: dict[int, str] = {}

    # --- numbering -----------------------------------------------------------------------------

    async def next_number(self, key: SequenceKey, count: int = 1) -> int:
        insert_ = postgresql.insert if self._db.dialect.name == "postgresql" else sqlite.insert
        statement = (
            insert_(case_counters)
            .values(day=key.day, type_id=key.type_id, last_number=count)
            .on_conflict_do_update(
                index_elements=[case_counters.c.day, case_counters.c.type_id],
                set_={"last_number": case_counters.c.last_number + count},
            )
            .returning(case_counters.c.last_number)
        )
        return int((await self._db.execute(statement)).scalar_one()) - count + 1

    # --- cases ---------------------------------------------------------------------------------

    async def add_case(self, case: Case) -> Case:
        return (await self.add_cases([case]))[0]

    async def add_cases(self, new: Sequence[Case]) -> list[Case]:
        """Stores new cases with their histories and calls: one statement per table for all of them."""
        if not new:
            return []
        values = [
            {
                **_case_values(case, await self._type_name(case.type_id)),
                "applicant_text": await self._applicant_text(case.applicant_id),
                "name": case.name,
                "day": case.key.day,
                "key_type_id": case.key.type_id,
                "number": case.number,
                "source": case.source.value,
                "created_at": case.created_at,
            }
            for case in new
        ]
        ids = await self._inserted_ids(cases, values, ("day", "key_type_id", "number"))
        stored = [_with_id(case, case_id) for case, case_id in zip(new, ids, strict=True)]
        await self._append_histories([(case, None) for case in stored])
        await self._link_calls([(case_id, case) for case_id, case in zip(ids, stored, strict=True)])
        return stored

    async def get_case(self, case_id: int) -> Case | None:
        return (await self._cases([case_id])).get(case_id)

    async def _cases(self, case_ids: Sequence[int]) -> dict[int, Case]:
        """The cases with their histories: four statements however many cases."""
        found = (await self._db.execute(select(cases).where(_one_of(cases.c.id)), _values(case_ids))).all()
        return await self._with_histories(found)

    async def _with_histories(self, found: Sequence[Row[Any]]) -> dict[int, Case]:
        """The cases of these rows of `cases` with their histories: three statements however many."""
        if not found:
            return {}
        ids = [row.id for row in found]
        statuses = await self._history(case_status_history, ids)
        types = await self._history(case_type_history, ids)
        handovers = await self._history(case_handovers, ids)
        return {
            row.id: replace(
                _case_from_row(
                    row,
                    tuple(
                        StatusChange(CaseStatus(r.status), r.attention, r.by_user_id, r.at)
                        for r in statuses.get(row.id, ())
                    ),
                    tuple(
                        TypeChange(r.from_type_id, r.to_type_id, r.by_user_id, r.at)
                        for r in types.get(row.id, ())
                    ),
                ),
                handovers=tuple(
                    Handover(r.from_user_id, r.to_user_id, HandoverKind(r.kind), r.call_id, r.at)
                    for r in handovers.get(row.id, ())
                ),
            )
            for row in found
        }

    async def _history(self, table: Table, case_ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
        """The rows of one history table of these cases, oldest first, by case."""
        by_case: dict[int, list[Row[Any]]] = {}
        statement = select(table).where(_one_of(table.c.case_id)).order_by(table.c.id)
        for row in (await self._db.execute(statement, _values(case_ids))).all():
            by_case.setdefault(row.case_id, []).append(row)
        return by_case

    async def cases_of_calls(self, call_ids: Sequence[str]) -> dict[str, Case]:
        """Each call's card (the newest, should there be several), calls without one left out; four
        statements for all of them (the cards read with the links that find them)."""
        if not call_ids:
            return {}
        rows = (await self._db.execute(_CASES_OF_CALLS, _values(call_ids))).all()
        found = await self._with_histories(list({row.id: row for row in rows}.values()))
        return {row.linked_call_id: found[row.id] for row in rows if row.id in found}

    async def case_of_call(self, call_id: str) -> int | None:
        """The newest case linked to the call (a call opens one card; a card may hold several calls)."""
        found = await self._db.execute(
            select(call_cases.c.case_id)
            .where(call_cases.c.call_id == call_id)
            .order_by(call_cases.c.case_id.desc())
            .limit(1)
        )
        value = found.scalar_one_or_none()
        return int(value) if value is not None else None

    async def save_case(self, before: Case, after: Case) -> bool:
        assert before.id is not None
        assert before.id == after.id
        if (after.name, after.type_id) == (before.name, before.type_id):
            # the search text (the name and the type's name) stays: the type's name is not read
            values = _case_values(after, "")
            del values["search_text"]
        else:
            values = _case_values(after, await self._type_name(after.type_id))
        if after.applicant_id != before.applicant_id:
            # the same applicant's line is current already: their edits are copied to their cases
            # (save_applicant), and rewriting it would refill the search index for nothing
            values["applicant_text"] = await self._applicant_text(after.applicant_id)
        result = await self._db.execute(
            update(cases).where(cases.c.id == before.id, cases.c.version == before.version).values(values)
        )
        if result.rowcount != 1:
            return False
        await self._append_histories([(after, before)])
        await self._link_calls([(before.id, after)], already=before.call_ids)
        return True

    async def _link_calls(self, links: Sequence[tuple[int, Case]], already: Iterable[str] = ()) -> None:
        """The call journal finds a call's cases through these links (tables/calls.py), with the calls'
        and the case's columns copied onto them: one statement for all the links (the case's calls not
        among `already`), the case's source from memory, the calls' columns read as they are made."""
        made = set(already)
        rows = [
            (case_id, call_id, case.source.value)
            for case_id, case in links
            for call_id in dict.fromkeys(case.call_ids)
            if call_id not in made
        ]
        await link_calls(self._db, rows)

    async def _append_histories(self, changes: Sequence[tuple[Case, Case | None]]) -> None:
        """The history rows each case has beyond those stored with its `before`, one statement per
        history table for all of them."""
        statuses: list[dict[str, Any]] = []
        types: list[dict[str, Any]] = []
        handovers: list[dict[str, Any]] = []
        for case, before in changes:
            statuses += (
                {
                    "case_id": case.id,
                    "status": change.status.value,
                    "attention": change.attention,
                    "by_user_id": change.by,
                    "at": change.at,
                }
                for change in case.status_history[len(before.status_history) if before else 0 :]
            )
            types += (
                {
                    "case_id": case.id,
                    "from_type_id": change.from_type_id,
                    "to_type_id": change.to_type_id,
                    "by_user_id": change.by,
                    "at": change.at,
                }
                for change in case.type_history[len(before.type_history) if before else 0 :]
            )
            handovers += (
                {
                    "case_id": case.id,
                    "from_user_id": row.from_user_id,
                    "to_user_id": row.to_user_id,
                    "kind": row.kind.value,
                    "call_id": row.call_id,
                    "at": row.at,
                }
                for row in case.handovers[len(before.handovers) if before else 0 :]
            )
        for table, rows in (
            (case_status_history, statuses),
            (case_type_history, types),
            (case_handovers, handovers),
        ):
            if rows:
                await self._db.execute(insert(table), rows)

    async def _applicant_text(self, applicant_id: int | None) -> str:
        if applicant_id is None:
            return ""
        if applicant_id not in self._applicant_texts:
            found = await self._db.execute(
                select(applicants.c.search_text).where(applicants.c.id == applicant_id)
            )
            self._applicant_texts[applicant_id] = str(found.scalar() or "")
        return self._applicant_texts[applicant_id]

    async def _type_name(self, type_id: int) -> str:
        if type_id not in self._type_names:
            name = (
                await self._db.execute(select(t.case_types.c.name).where(t.case_types.c.id == type_id))
            ).scalar()
            self._type_names[type_id] = str(name or "")
        return self._type_names[type_id]

    # --- the card list -------------------------------------------------------------------------

    def _listing(self) -> Select[Any]:
        main_phone = (
            select(applicant_phones.c.phone)
            .where(applicant_phones.c.applicant_id == cases.c.applicant_id, applicant_phones.c.position == 0)
            .scalar_subquery()
        )
        return (
            select(
                cases,
                t.case_types.c.name.label("type_name"),
                t.case_types.c.icon.label("type_icon"),
                applicants.c.last_name.label("a_last"),
                applicants.c.first_name.label("a_first"),
                applicants.c.patronymic.label("a_middle"),
                main_phone.label("a_phone"),
                exists().where(case_type_history.c.case_id == cases.c.id).label("type_changed"),
            )
            .join(t.case_types, t.case_types.c.id == cases.c.type_id)
            .outerjoin(applicants, applicants.c.id == cases.c.applicant_id)
        )

    async def row(self, case_id: int) -> CaseRow | None:
        found = (await self._db.execute(self._listing().where(cases.c.id == case_id))).first()
        return None if found is None else _list_row(found)

    async def rows(self, case_ids: Sequence[int]) -> dict[int, CaseRow]:
        if not case_ids:
            return {}
        found = (await self._db.execute(self._listing().where(_one_of(cases.c.id)), _values(case_ids))).all()
        return {row.id: _list_row(row) for row in found}

    async def list_cases(self, query: CaseQuery) -> CaseRows:
        conditions = _conditions(query)
        # Counting stops at the cap: an exact count of a million matching cards would cost more than
        # the page itself, and the desktop shows "over 1000" past it.
        matching = select(cases.c.id).where(*conditions).limit(COUNT_CAP + 1).subquery()
        counted = int((await self._db.execute(select(func.count()).select_from(matching))).scalar_one())
        listing = (
            self._listing()
            .where(*conditions)
            .order_by(cases.c.created_at.desc(), cases.c.id.desc())
            .limit(query.limit)
            .offset(query.offset)
        )
        rows = (await self._db.execute(listing)).all()
        return CaseRows(
            items=[_list_row(row) for row in rows], total=min(counted, COUNT_CAP), capped=counted > COUNT_CAP
        )

    async def contact_times(self, applicant_id: int, since: datetime) -> list[datetime]:
        statement = select(cases.c.created_at).where(
            cases.c.applicant_id == applicant_id, cases.c.created_at >= since
        )
        return list((await self._db.execute(statement)).scalars())

    # --- applicants ----------------------------------------------------------------------------

    async def add_applicant(self, data: ApplicantData, at: datetime) -> StoredApplicant:
        return (await self.add_applicants([data], at))[0]

    async def add_applicants(self, new: Sequence[ApplicantData], at: datetime) -> list[StoredApplicant]:
        """Two statements for all of them: the applicants, then their phones."""
        if not new:
            return []
        values = [
            {**_applicant_values(data), "version": 1, "created_at": at, "updated_at": at} for data in new
        ]
        ids = await self._inserted_ids(applicants, values, ("search_text",))
        phones = [
            {"applicant_id": applicant_id, "position": i, "phone": phone}
            for applicant_id, data in zip(ids, new, strict=True)
            for i, phone in enumerate(data.phones)
        ]
        if phones:
            await self._db.execute(insert(applicant_phones), phones)
        self._applicant_texts.update(zip(ids, (v["search_text"] for v in values), strict=True))
        return [
            StoredApplicant(applicant_id, 1, data, at, at)
            for applicant_id, data in zip(ids, new, strict=True)
        ]

    async def _inserted_ids(
        self, table: Table, values: list[dict[str, Any]], keys: tuple[str, ...]
    ) -> list[int]:
        """Inserts the rows, in as few statements as the driver allows, and returns their ids in the
        order of `values`. The ids are matched to the rows by `keys`, returned with them, when those
        tell every row of the batch apart: asked to keep the order instead, SQLAlchemy inserts into
        SQLite one row per statement."""
        key_of = [tuple(row[k] for k in keys) for row in values]
        if len(set(key_of)) < len(key_of):
            added = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            return [int(row_id) for row_id in (await self._db.execute(added, values)).scalars()]
        added = insert(table).returning(table.c.id, *(table.c[k] for k in keys))
        by_key = {tuple(row[1:]): int(row[0]) for row in (await self._db.execute(added, values)).all()}
        return [by_key[key] for key in key_of]

    async def applicants_of_phones(self, phones: Sequence[str]) -> dict[str, int]:
        """Per E.164 number, the id of the applicant `find_applicant_by_phone` finds; one statement."""
        if not phones:
            return {}
        statement = (
            select(applicant_phones.c.phone, applicants.c.id, applicants.c.search_text)
            .join(applicant_phones, applicant_phones.c.applicant_id == applicants.c.id)
            .where(_one_of(applicant_phones.c.phone))
            .order_by(applicants.c.updated_at.desc(), applicants.c.id.desc())
        )
        found: dict[str, int] = {}
        for phone, applicant_id, text in (await self._db.execute(statement, _values(phones))).all():
            found.setdefault(phone, applicant_id)
            self._applicant_texts.setdefault(applicant_id, text)
        return found

    async def get_applicant(self, applicant_id: int) -> StoredApplicant | None:
        row = (await self._db.execute(select(applicants).where(applicants.c.id == applicant_id))).first()
        if row is None:
            return None
        phones = (
            await self._db.execute(
                select(applicant_phones.c.phone)
                .where(applicant_phones.c.applicant_id == applicant_id)
                .order_by(applicant_phones.c.position)
            )
        ).scalars()
        return _applicant_from_row(row, tuple(phones))

    async def find_applicant_by_phone(self, phone: str) -> StoredApplicant | None:
        statement = (
            select(applicants.c.id)
            .join(applicant_phones, applicant_phones.c.applicant_id == applicants.c.id)
            .where(applicant_phones.c.phone == phone)
            .order_by(applicants.c.updated_at.desc(), applicants.c.id.desc())
            .limit(1)
        )
        applicant_id = (await self._db.execute(statement)).scalar()
        return None if applicant_id is None else await self.get_applicant(int(applicant_id))

    async def save_applicant(
        self, before: StoredApplicant, data: ApplicantData, at: datetime
    ) -> StoredApplicant | None:
        result = await self._db.execute(
            update(applicants)
            .where(applicants.c.id == before.id, applicants.c.version == before.version)
            .values({**_applicant_values(data), "version": before.version + 1, "updated_at": at})
        )
        if result.rowcount != 1:
            return None
        text = applicant_search_text(data)
        self._applicant_texts[before.id] = text
        if text != applicant_search_text(before.data):
            await self._db.execute(
                update(cases).where(cases.c.applicant_id == before.id).values(applicant_text=text)
            )
        if data.phones != before.data.phones:
            await self._db.execute(
                applicant_phones.delete().where(applicant_phones.c.applicant_id == before.id)
            )
            await self._write_phones(before.id, data.phones)
        return StoredApplicant(before.id, before.version + 1, data, before.created_at, at)

    async def _write_phones(self, applicant_id: int, phones: Sequence[str]) -> None:
        if phones:
            await self._db.execute(
                insert(applicant_phones),
                [{"applicant_id": applicant_id, "position": i, "phone": p} for i, p in enumerate(phones)],
            )

    # --- questionnaire scripts -----------------------------------------------------------------

    def _script_select(self) -> Select[Any]:
        return select(case_scripts.c.id, case_scripts.c.case_type_id, case_script_versions).join(
            case_script_versions, case_script_versions.c.script_id == case_scripts.c.id
        )

    async def scripts(self, case_type_id: int) -> list[Script]:
        statement = (
            self._script_select()
            .where(
                case_scripts.c.case_type_id == case_type_id,
                case_script_versions.c.version == case_scripts.c.version,
            )
            .order_by(case_scripts.c.id)
        )
        return [_script_from_row(row) for row in (await self._db.execute(statement)).all()]

    async def script(self, script_id: int, version: int | None = None) -> Script | None:
        wanted = case_scripts.c.version if version is None else literal_column(str(int(version)))
        statement = self._script_select().where(
            case_scripts.c.id == script_id, case_script_versions.c.version == wanted
        )
        row = (await self._db.execute(statement)).first()
        return None if row is None else _script_from_row(row)

    async def add_script(self, script: Script, at: datetime, by: int | None) -> Script:
        script_id = int(
            (
                await self._db.execute(
                    insert(case_scripts)
                    .values(case_type_id=script.case_type_id, version=script.version)
                    .returning(case_scripts.c.id)
                )
            ).scalar_one()
        )
        stored = Script(script_id, script.case_type_id, script.title, script.version, script.questions)
        await self._insert_version(stored, at, by)
        return stored

    async def save_script_version(self, script: Script, at: datetime, by: int | None) -> bool:
        result = await self._db.execute(
            update(case_scripts)
            .where(case_scripts.c.id == script.id, case_scripts.c.version == script.version - 1)
            .values(version=script.version)
        )
        if result.rowcount != 1:
            return False
        await self._insert_version(script, at, by)
        return True

    async def _insert_version(self, script: Script, at: datetime, by: int | None) -> None:
        await self._db.execute(
            insert(case_script_versions).values(
                script_id=script.id,
                version=script.version,
                title=script.title,
                questions=[_question_json(q) for q in script.questions],
                saved_at=at,
                saved_by=by,
            )
        )

    async def answers(self, case_id: int) -> Sequence[tuple[AnswerSheet, dict[str, object]]]:
        rows = (
            await self._db.execute(
                select(case_answers)
                .where(case_answers.c.case_id == case_id)
                .order_by(case_answers.c.script_id)
            )
        ).all()
        sheets = []
        for row in rows:
            script = await self.script(row.script_id, row.script_version)
            raw: dict[str, object] = dict(row.answers)
            if script is None:
                continue
            values = {qid: read_answer(script.question(qid), value) for qid, value in raw.items()}
            sheets.append((AnswerSheet(row.script_id, row.script_version, values), raw))
        return sheets

    async def save_answers(
        self, case_id: int, sheet: AnswerSheet, raw: dict[str, object], by: int | None, at: datetime
    ) -> None:
        await self._db.execute(
            case_answers.delete().where(
                case_answers.c.case_id == case_id, case_answers.c.script_id == sheet.script_id
            )
        )
        await self._db.execute(
            insert(case_answers).values(
                case_id=case_id,
                script_id=sheet.script_id,
                script_version=sheet.script_version,
                answers=raw,
                answered_by=by,
                answered_at=at,
            )
        )


def _conditions(query: CaseQuery) -> list[Any]:
    conditions: list[Any] = []
    if query.statuses != frozenset(CaseStatus):
        conditions.append(cases.c.status.in_(sorted(s.value for s in query.statuses)))
    if query.since is not None:
        conditions.append(cases.c.created_at >= query.since)
    if query.type_id is not None:
        conditions.append(cases.c.type_id == query.type_id)
    if query.applicant_id is not None:
        conditions.append(cases.c.applicant_id == query.applicant_id)
    if query.group_ids is not None:
        scope: list[Any] = [cases.c.group_id.in_(sorted(query.group_ids))]
        if query.user_id is not None:
            scope.append(cases.c.operator_id == query.user_id)
        conditions.append(or_(*scope))
    if query.phone is not None:
        owners = select(applicant_phones.c.applicant_id).where(applicant_phones.c.phone == query.phone)
        conditions.append(cases.c.applicant_id.in_(owners))
    if query.until is not None:
        conditions.append(cases.c.created_at < query.until)
    if query.name is not None:
        conditions.append(cases.c.name == query.name)
    if query.text:
        pattern = like_pattern(query.text)
        conditions.append(
            or_(
                cases.c.search_text.like(pattern, escape="\\"),
                cases.c.applicant_text.like(pattern, escape="\\"),
            )
        )
    return conditions


def _case_values(case: Case, type_name: str) -> dict[str, Any]:
    return {
        **case.details.to_values(),
        "version": case.version,
        "type_id": case.type_id,
        "status": case.status.value,
        "attention": case.attention,
        "missed": case.missed,
        "applicant_id": case.applicant_id,
        "operator_id": case.operator_id,
        "group_id": case.group_id,
        "call_ids": list(case.call_ids),
        "message_ids": list(case.message_ids),
        "search_text": case_search_text(case, type_name),
        "updated_at": case.updated_at,
    }


@cache
def _one_of(column: ColumnElement[Any]) -> ColumnElement[bool]:
    """`column IN (:values)`, built once per column, the values given at execution: the cards of every
    batch of calls on the call path are read with it (persistence/given_values.py says why)."""
    return column.in_(values_given("values"))


# Built once: a subquery built at each call is in reference cycles too.
_NEWEST_LINKS = (
    select(call_cases.c.call_id.label("linked_call_id"), func.max(call_cases.c.case_id).label("newest"))
    .where(_one_of(call_cases.c.call_id))
    .group_by(call_cases.c.call_id)
    .subquery()
)
_CASES_OF_CALLS = select(cases, _NEWEST_LINKS.c.linked_call_id).join(
    _NEWEST_LINKS, _NEWEST_LINKS.c.newest == cases.c.id
)


def _values(values: Iterable[Any]) -> dict[str, list[Any]]:
    """The parameters of a statement with `_one_of`."""
    return {"values": list(values)}


def _with_id(case: Case, case_id: int) -> Case:
    return replace(case, id=case_id)


def _case_from_row(row: Row[Any], statuses: tuple[StatusChange, ...], types: tuple[TypeChange, ...]) -> Case:
    return Case(
        id=row.id,
        name=row.name,
        key=SequenceKey(row.day, row.key_type_id),
        number=row.number,
        type_id=row.type_id,
        source=CaseSource(row.source),
        status=CaseStatus(row.status),
        attention=bool(row.attention),
        missed=bool(row.missed),
        details=CaseDetails(
            description=row.description,
            operator_comment=row.operator_comment,
            address=row.address,
            location_text=row.location_text,
            latitude=row.latitude,
            longitude=row.longitude,
        ),
        applicant_id=row.applicant_id,
        operator_id=row.operator_id,
        group_id=row.group_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        status_history=statuses,
        type_history=types,
        call_ids=tuple(row.call_ids or ()),
        message_ids=tuple(row.message_ids or ()),
    )


def _list_row(row: Row[Any]) -> CaseRow:
    # The list needs neither history in full: only whether the type was ever changed (the `*` mark).
    mapping = row._mapping
    case = _case_from_row(row, (), ())
    name = " ".join(part for part in (mapping["a_last"], mapping["a_first"], mapping["a_middle"]) if part)
    phone, changed = mapping["a_phone"] or "", bool(mapping["type_changed"])
    return CaseRow(case, mapping["type_name"], mapping["type_icon"], name, phone, changed)


def _applicant_values(data: ApplicantData) -> dict[str, Any]:
    return {
        "last_name": data.last_name,
        "first_name": data.first_name,
        "patronymic": data.patronymic,
        "birth_date": data.birth_date,
        "oms": data.oms,
        "snils": data.snils,
        "health_info": data.health_info,
        "home_address": data.home_address,
        "emergency_contacts": [
            {"name": c.name, "relation": c.relation, "phone": c.phone} for c in data.emergency_contacts
        ],
        "search_text": applicant_search_text(data),
    }


def _applicant_from_row(row: Row[Any], phones: tuple[str, ...]) -> StoredApplicant:
    data = ApplicantData(
        last_name=row.last_name,
        first_name=row.first_name,
        patronymic=row.patronymic,
        birth_date=row.birth_date,
        phones=phones,
        oms=row.oms,
        snils=row.snils,
        health_info=row.health_info,
        home_address=row.home_address,
        emergency_contacts=tuple(EmergencyContact(**c) for c in row.emergency_contacts),
    )
    return StoredApplicant(row.id, row.version, data, row.created_at, row.updated_at)


def _question_json(question: Question) -> dict[str, Any]:
    return {
        "id": question.id,
        "text": question.text,
        "kind": question.kind.value,
        "choices": list(question.choices),
        "binding": question.binding,
        "branches": [{"when": b.when, "goto": b.goto} for b in question.branches],
    }


def question_from_json(data: Mapping[str, Any]) -> Question:
    return Question(
        id=data["id"],
        text=data["text"],
        kind=AnswerKind(data["kind"]),
        choices=tuple(data.get("choices") or ()),
        binding=data.get("binding"),
        branches=tuple(Branch(b["when"], b["goto"]) for b in data.get("branches") or ()),
    )


def _script_from_row(row: Row[Any]) -> Script:
    questions = tuple(question_from_json(q) for q in row.questions)
    return Script(row.id, row.case_type_id, row.title, row.version, questions)
