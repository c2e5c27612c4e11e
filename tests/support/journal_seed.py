"""Calls in bulk for the journal's tests and benchmark (bench/journal.py): generated inside the database
(INSERT … SELECT over generated row numbers: a recursive CTE on SQLite, generate_series on PostgreSQL),
the columns hashes of the row number, so both databases get the same data. Calls spread over a year
across 3 groups, 30 operators, 3 lines, 6 call types, every direction and status, applicants' numbers
drawn from 200,000; one call in ten has a case (with its source and applicant: one of 18,000 Russian
full names made of 30 surnames in both genders, 20 first names each and 15 patronymics). Every call has
its caller's leg, every call with an operator the operator's leg; one answered call in seven a
consultant's (a consultation or a transfer), one in twenty a senior listening in, as the call flow
records them. Also the filter combinations the benchmark times and the tests compare."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Index, insert, select

from c122.domain.calls import CallFilter
from c122.persistence import tables as t
from c122.persistence.database import create_engine
from c122.persistence.tables.calls import CALL_COPIES, call_cases, call_legs, call_records
from c122.persistence.tables.cases import cases

NOW = datetime(2026, 9, 12, 9, tzinfo=UTC)
CHUNK = 500_000
LINES = ("+78001220122", "+78001220123", "+78001220124")
SOURCES = ("pstn", "mobile_app", "web")
# The applicants' names, combined from these by the applicant's id (applicant_names).
SURNAMES = (
    "Иванов", "Петров", "Сидоров", "Лебедев", "Морозов", "Кузнецов", "Волков", "Соколов", "Попов",
    "Смирнов", "Васильев", "Павлов", "Зайцев", "Голубев", "Виноградов", "Богданов", "Воробьёв",
    "Фёдоров", "Михайлов", "Беляев", "Тарасов", "Белов", "Комаров", "Орлов", "Киселёв", "Макаров",
    "Андреев", "Ковалёв", "Ильин", "Гусев",
)  # fmt: skip
FIRST_NAMES = (
    (
        "Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Максим", "Евгений", "Иван", "Михаил",
        "Николай", "Владимир", "Павел", "Олег", "Юрий", "Виктор", "Игорь", "Антон", "Роман",
        "Константин", "Денис",
    ),
    (
        "Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Екатерина",
        "Юлия", "Марина", "Галина", "Людмила", "Дарья", "Ксения", "Валентина", "Надежда", "Вера",
        "Любовь", "Полина",
    ),
)  # fmt: skip
FATHERS = (
    "Александров", "Сергеев", "Дмитриев", "Андреев", "Алексеев", "Николаев", "Владимиров", "Павлов",
    "Олегов", "Юрьев", "Викторов", "Игорев", "Романов", "Михайлов", "Иванов",
)  # fmt: skip


def phone(index: int) -> str:
    return f"+7916{index:07d}"


# Pseudo-random but reproducible columns, the same on both databases: a hash of the row number per
# column (multiplier and offset distinct per column, modulo a prime so columns do not move together).
PRIME = 2_147_483_647
COPIED = ", ".join(f"call_{name}" for name in CALL_COPIES)
YEAR_S = 365 * 86400


def hashed(salt: int, modulo: int, row: str = "i") -> str:
    # A multiplier near the prime makes every step wrap around it, so even the first rows spread.
    multiplier = 179_424_673 * (2 * salt + 1) % PRIME
    return f"((({row} * {multiplier} + {salt * 31_337}) % {PRIME}) % {modulo})"


def pick(expression: str, values: tuple[str, ...]) -> str:
    arms = " ".join(f"WHEN {n} THEN '{v}'" for n, v in enumerate(values))
    return f"(CASE {expression} {arms} END)"


def at(dialect: str, seconds_ago: str) -> str:
    """A UTC moment `seconds_ago` before NOW, as the column stores it on this database."""
    if dialect == "postgresql":
        return f"(TIMESTAMPTZ '{NOW.isoformat()}' - ({seconds_ago}) * INTERVAL '1 second')"
    return (
        f"(strftime('%Y-%m-%d %H:%M:%S', {int(NOW.timestamp())} - ({seconds_ago}), 'unixepoch') || '.000000')"
    )


def numbers(dialect: str, low: int, high: int, step: int = 1) -> str:
    """Row numbers low, low+step, … below high, as a table `n(i)`."""
    if dialect == "postgresql":
        return f"(SELECT generate_series(CAST({low} AS BIGINT), {high - 1}, {step}) AS i) AS n"
    return (
        f"(WITH RECURSIVE s(i) AS (SELECT {low} UNION ALL SELECT i + {step} FROM s WHERE i + {step} < {high})"
        " SELECT i FROM s) AS n"
    )


def call_rows(dialect: str, low: int, high: int) -> str:
    way, outcome = hashed(1, 100), hashed(2, 100)
    direction = f"(CASE WHEN {way} < 80 THEN 'inbound' WHEN {way} < 95 THEN 'outbound' ELSE 'internal' END)"
    status = f"(CASE WHEN {outcome} < 75 THEN 'answered' WHEN {outcome} < 95 THEN 'missed' ELSE 'failed' END)"
    operator = f"({hashed(3, 30)} + 1)"
    pad = "lpad(CAST({} AS TEXT), {}, '0')" if dialect == "postgresql" else "printf('%0{1}d', {0})"
    applicant = f"('+7916' || {pad.format(hashed(4, 200_000), 7)})"
    began = hashed(5, YEAR_S)
    return f"""
        INSERT INTO call_records (id, direction, status, line_number, caller, called, case_type_id,
            group_id, operator_id, started_at, connected_at, ended_at, wait_s, talk_s, hold_s, wrap_up_s,
            sla_breached)
        SELECT 'c' || {pad.format("i", 8)}, {direction}, {status},
            CASE WHEN {direction} = 'inbound' THEN {pick(hashed(6, 3), LINES)} END,
            CASE WHEN {direction} <> 'outbound' THEN {applicant} ELSE '{LINES[0]}' END,
            CASE WHEN {direction} = 'outbound' THEN {applicant} ELSE '{LINES[0]}' END,
            {hashed(7, 6)} + 1, ({operator} - 1) / 10 + 1,
            CASE WHEN {status} = 'answered' OR {direction} <> 'inbound' THEN {operator} END,
            {at(dialect, began)},
            CASE WHEN {status} = 'answered' THEN {at(dialect, f"{began} - 20")} END,
            {at(dialect, f"{began} - 200")},
            20.0, CASE WHEN {status} = 'answered' THEN 180.0 ELSE 0.0 END, 0.0, 0.0, false
        FROM {numbers(dialect, low, high)}
    """


def case_rows(dialect: str, low: int, high: int, people: int) -> tuple[str, str]:
    """One call in ten has a case: its id is the call's number / 10 + 1."""
    pad = "lpad(CAST({} AS TEXT), {}, '0')" if dialect == "postgresql" else "printf('%0{1}d', {0})"
    began = hashed(5, YEAR_S)
    moscow_day = (
        f"CAST(({at(dialect, began)} AT TIME ZONE 'Europe/Moscow') AS DATE)"
        if dialect == "postgresql"
        else f"date({int(NOW.timestamp())} - ({began}) + 3 * 3600, 'unixepoch')"
    )
    call_id = f"'c' || {pad.format('i', 8)}"
    json_ids = f"'[\"' || {call_id} || '\"]'"
    if dialect == "postgresql":
        json_ids = f"CAST({json_ids} AS JSON)"
    first = low + (-low) % 10
    insert_cases = f"""
        INSERT INTO cases (id, version, name, day, key_type_id, number, type_id, source, status,
            applicant_id, group_id, call_ids, message_ids, applicant_text, created_at, updated_at)
        SELECT i / 10 + 1, 1, 'Случай ' || CAST(i / 10 + 1 AS TEXT), {moscow_day}, 1, i / 10 + 1, 1,
            {pick(hashed(8, 3), SOURCES)}, 'new', {hashed(9, people)} + 1, ({hashed(3, 30)}) / 10 + 1,
            {json_ids}, '[]', {search_text(f"({hashed(9, people)} + 1)")},
            {at(dialect, began)}, {at(dialect, began)}
        FROM {numbers(dialect, first, high, 10)}
    """
    # Each link with its call's and its case's copied columns (as the repositories write them).
    link = f"""
        INSERT INTO call_cases (call_id, case_id, call_started_at, {COPIED}, case_source)
        SELECT r.id, k.id, r.started_at, {", ".join(f"r.{name}" for name in CALL_COPIES)}, k.source
        FROM {numbers(dialect, first, high, 10)}
        JOIN call_records AS r ON r.id = {call_id} JOIN cases AS k ON k.id = i / 10 + 1
    """
    return insert_cases, link


def applicant_names(person: str, *, folded: bool = False) -> tuple[str, str, str]:
    """The last name, first name and patronymic of the applicant whose id is the SQL `person` (the
    case-folded forms with `folded`: SQLite's lower() leaves Cyrillic alone, so the constants are
    folded here)."""

    def spelt(words: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(w.casefold() for w in words) if folded else words

    female = f"({hashed(12, 2, person)} = 1)"
    surname = hashed(13, len(SURNAMES), person)
    first, father = hashed(14, len(FIRST_NAMES[0]), person), hashed(15, len(FATHERS), person)
    return (
        f"(CASE WHEN {female} THEN {pick(surname, spelt(tuple(s + 'а' for s in SURNAMES)))}"
        f" ELSE {pick(surname, spelt(SURNAMES))} END)",
        f"(CASE WHEN {female} THEN {pick(first, spelt(FIRST_NAMES[1]))}"
        f" ELSE {pick(first, spelt(FIRST_NAMES[0]))} END)",
        f"(CASE WHEN {female} THEN {pick(father, spelt(tuple(f + 'на' for f in FATHERS)))}"
        f" ELSE {pick(father, spelt(tuple(f + 'ич' for f in FATHERS)))} END)",
    )


def search_text(person: str) -> str:
    """The applicant's case-folded search line (what cases.applicant_text copies): the full name."""
    return " || ' ' || ".join(applicant_names(person, folded=True))


def applicant_rows(dialect: str, people: int) -> str:
    empty = "CAST('[]' AS JSON)" if dialect == "postgresql" else "'[]'"
    last, first, patronymic = applicant_names("(i + 1)")
    return f"""
        INSERT INTO applicants (id, version, last_name, first_name, patronymic, emergency_contacts,
            search_text, created_at, updated_at)
        SELECT i + 1, 1, {last}, {first}, {patronymic}, {empty},
            {search_text("(i + 1)")}, {at(dialect, "0")}, {at(dialect, "0")}
        FROM {numbers(dialect, 0, people)}
    """


def leg_rows(dialect: str, low: int, high: int) -> str:
    """The legs of the calls numbered low … high: the caller's (the number that called or was called),
    the operator's where the call has one, a consultant's on one answered call in seven (another of
    the 30 operators, as a consultation or a transfer leaves it), a senior listening in on one in twenty
    (not one of the call's own). Columns as call_rows makes them (the same hashes of the row number)."""
    way, outcome = hashed(1, 100), hashed(2, 100)
    answered = f"{outcome} < 75"
    operator = f"({hashed(3, 30)} + 1)"
    has_operator = f"({answered} OR {way} >= 80)"
    pad = "lpad(CAST({} AS TEXT), {}, '0')" if dialect == "postgresql" else "printf('%0{1}d', {0})"
    call_id = f"'c' || {pad.format('i', 8)}"
    applicant = f"('+7916' || {pad.format(hashed(4, 200_000), 7)})"
    began = at(dialect, hashed(5, YEAR_S))
    consultant = f"CAST((({operator} + {hashed(16, 29)}) % 30 + 1) AS TEXT)"
    legs = (
        ("0", "caller", "'trunk'", applicant, "1 = 1"),
        ("1", "operator", "'webrtc'", f"CAST({operator} AS TEXT)", has_operator),
        ("2", "consultant", "'sip'", consultant, f"{answered} AND {hashed(17, 7)} = 0"),
        (
            "3",
            "supervisor",
            "'webrtc'",
            f"CAST({hashed(18, 30)} + 1 AS TEXT)",
            f"{answered} AND {hashed(19, 20)} = 0",
        ),
    )
    return " UNION ALL ".join(
        f"""SELECT {call_id} AS call_id, {call_id} || '-{position}', {position}, {kind}, '{role}', {party},
            {began}, {began}
        FROM {numbers(dialect, low, high)} WHERE {condition}"""
        for position, role, kind, party, condition in legs
    )


def bulk_indexes() -> list[Index]:
    """The indexes a bulk load drops and builds again after (one build is much faster than a million
    inserts into each)."""
    return [*call_records.indexes, *cases.indexes, *call_cases.indexes, *call_legs.indexes]


async def seed(url: str, rows: int, *, progress: bool = False) -> float:
    """The organisation in rows, then calls, cases and their links generated by the database itself
    (INSERT … SELECT over generated row numbers), in chunks so progress shows."""
    started = time.perf_counter()
    engine = create_engine(url)
    dialect = engine.dialect.name
    people = max(1, rows // 20)
    async with engine.begin() as db:
        await db.execute(t.services.insert().values(id=1, name="Служба 122"))
        await db.execute(
            t.groups.insert(), [{"id": g, "service_id": 1, "name": f"Группа {g}"} for g in (1, 2, 3)]
        )
        await db.execute(
            t.case_types.insert(),
            [{"id": i, "code": f"t{i}", "name": f"Тип {i}", "icon": "info"} for i in range(1, 7)],
        )
        await db.execute(
            t.users.insert(),
            [
                {
                    "id": u,
                    "login": f"op{u}",
                    "full_name": f"Оператор {u}",
                    "role": "operator",
                    "password_hash": "x",
                }
                for u in range(1, 31)
            ],
        )
        await db.execute(
            t.user_groups.insert(), [{"user_id": u, "group_id": (u - 1) // 10 + 1} for u in range(1, 31)]
        )
        await db.exec_driver_sql(applicant_rows(dialect, people))
        for index in bulk_indexes():
            await db.run_sync(lambda sync, index=index: index.drop(sync))
    for low in range(0, rows, CHUNK):
        high = min(rows, low + CHUNK)
        insert_cases, link = case_rows(dialect, low, high, people)
        async with engine.begin() as db:
            for statement in (call_rows(dialect, low, high), insert_cases, link):
                await db.exec_driver_sql(statement)
            # The legs with their call's copied columns (as save writes them).
            await db.exec_driver_sql(
                "INSERT INTO call_legs (call_id, leg_id, position, kind, role, party, started_at,"
                f" call_started_at, {COPIED}) SELECT l.*, {', '.join(f'r.{name}' for name in CALL_COPIES)}"
                f" FROM ({leg_rows(dialect, low, high)}) AS l JOIN call_records AS r ON r.id = l.call_id"
            )
        if progress:
            print(f"  {high} calls in {time.perf_counter() - started:.0f} s", flush=True)
    async with engine.begin() as db:
        for index in bulk_indexes():
            await db.run_sync(lambda sync, index=index: index.create(sync))
    async with engine.connect() as db:
        # VACUUM on PostgreSQL also marks the pages all-visible: counts read the indexes alone.
        await db.execution_options(isolation_level="AUTOCOMMIT")
        await db.exec_driver_sql("VACUUM ANALYZE" if dialect == "postgresql" else "ANALYZE")
    await engine.dispose()
    return time.perf_counter() - started


def combinations() -> dict[str, CallFilter]:
    month = NOW - timedelta(days=30)
    single: dict[str, dict[str, Any]] = {
        "none": {},
        "period_month": {"since": month, "until": NOW},
        "group": {"group_id": 2},
        "operator": {"operator_id": 12},
        "applicant_phone": {"applicant_phone": phone(4242)},
        "applicant_name": {"applicant_name": "лебед"},
        "line": {"line_number": LINES[1]},
        "case_type": {"case_type_id": 3},
        "source": {"source": "web"},
        "direction": {"direction": "outbound"},
        "status": {"status": "missed"},
    }
    found = {name: CallFilter(**values) for name, values in single.items()}
    names = [n for n in single if n != "none"]
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            found[f"{first}+{second}"] = CallFilter(**single[first], **single[second])
    everything: dict[str, Any] = {}
    for name in ("period_month", "group", "line", "case_type", "direction", "status"):
        everything.update(single[name])
    found["period+group+line+type+direction+status"] = CallFilter(**{**everything, "direction": "inbound"})
    return found


async def add_second_cases(url: str) -> None:
    """Some calls in two cases (every third call with a case also joins another one)."""
    engine = create_engine(url)
    async with engine.begin() as db:
        c = call_records.c
        calls = (await db.execute(select(c.id).order_by(c.id))).scalars().all()
        links = (await db.execute(select(call_cases.c.call_id, call_cases.c.case_id))).all()
        linked = {call_id for call_id, _ in links}
        second = [
            {"call_id": call_id, "case_id": links[n % len(links)][1]}
            for n, call_id in enumerate(calls)
            if call_id in linked and n % 3 == 0
        ]
        known = {tuple(link) for link in links}
        await db.execute(insert(call_cases), [r for r in second if (r["call_id"], r["case_id"]) not in known])
    await engine.dispose()
