"""Lookup plug-ins through the real server (its own database SQLite and PostgreSQL): an HTTP/JSON
registry started by the test (also a slow one and a dead port), a second PostgreSQL database created
by the test as an SQL registry, and the CSV plug-in installed as an entry point. Credentials never
come back; every query and every refusal is in the audit trail."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from c122.domain.audit import AuditFilter
from tests.support.databases import create_postgres_database, drop_postgres_database, postgres_available
from tests.support.fuzz import free_port
from tests.support.lookup_registry import TOKEN, http_registry
from tests.support.server import Desk, RunningServer


def _http_lookup(base: str, **over: Any) -> dict[str, Any]:
    return {
        "name": "Реестр застрахованных",
        "kind": "http",
        "key_kinds": ["phone"],
        "roles": ["operator", "senior"],
        "timeout_ms": 1000,
        "cache_s": 60,
        "url_template": base + "/people/{value}",
        "rows_path": "data.people",
        "mapping": {"ФИО": "fio", "Полис ОМС": "policy.number", "Жив": "alive"},
        "headers": {"Authorization": TOKEN},
        **over,
    }


async def _trail(server: RunningServer, action: str) -> list[Any]:
    async with server.application.uow_factory() as uow:
        page = await uow.audit_trail.search(AuditFilter(action=action, entity="lookup", limit=200))
    return page.items


async def _create(admin: Desk, body: dict[str, Any]) -> dict[str, Any]:
    response = await admin.write("POST", "/api/v1/lookups", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_http_lookup_maps_fields_caches_answers_and_never_returns_credentials(
    server: RunningServer,
) -> None:
    admin = await server.signed_in("admin")
    operator = await server.signed_in("operator1")
    async with http_registry() as registry:
        created = await _create(admin, _http_lookup(registry.url))
        assert created["header_names"] == ["Authorization"]
        listed = await admin.http.get("/api/v1/lookups")
        assert "s3cret" not in listed.text
        assert "s3cret" not in str(created)

        available = (await operator.http.get("/api/v1/lookups/available")).json()
        assert [a["name"] for a in available] == ["Реестр застрахованных"]

        ask = {"key": "phone", "value": "8 (900) 123-45-67", "case_id": None}
        first = (await operator.write("POST", f"/api/v1/lookups/{created['id']}/query", json=ask)).json()
        assert first["outcome"] == "found"
        assert not first["cached"]
        assert first["rows"] == [
            [
                {"label": "ФИО", "value": "Иванов Иван Иванович"},
                {"label": "Полис ОМС", "value": "7700000000000001"},
                {"label": "Жив", "value": "да"},
            ]
        ]
        second = (await operator.write("POST", f"/api/v1/lookups/{created['id']}/query", json=ask)).json()
        assert second["cached"]
        assert second["rows"] == first["rows"]
        assert registry.hits == ["+79001234567"]  # the key normalised; the second answer from the cache

        # An update without headers keeps the stored token (the registry still lets us in) and drops
        # the cache of the old settings.
        update = _http_lookup(registry.url, headers=None, cache_s=0)
        assert (await admin.write("PUT", f"/api/v1/lookups/{created['id']}", json=update)).status_code == 200
        third = (await operator.write("POST", f"/api/v1/lookups/{created['id']}/query", json=ask)).json()
        assert third["outcome"] == "found"
        assert not third["cached"]
        assert len(registry.hits) == 2

        missing = {"key": "phone", "value": "+7 900 000-00-00"}
        empty = (await operator.write("POST", f"/api/v1/lookups/{created['id']}/query", json=missing)).json()
        assert empty["outcome"] == "empty"
        assert empty["message"] == "ничего не найдено"

    queries = await _trail(server, "lookup_query")
    assert [q.detail["outcome"] for q in reversed(queries)] == ["found", "found", "found", "empty"]
    assert queries[-1].detail["value"] == "+79001234567"
    assert queries[-1].detail["key"] == "phone"
    changes = await _trail(server, "update")
    assert "s3cret" not in str([c.detail for c in changes])


async def test_slow_and_dead_registries_answer_the_card_at_once_and_open_the_breaker(
    server: RunningServer,
) -> None:
    admin = await server.signed_in("admin")
    operator = await server.signed_in("operator1")
    ask = {"key": "phone", "value": "+79001234567"}
    async with http_registry() as registry:
        slow = await _create(
            admin,
            _http_lookup(
                registry.url, name="Медленный", url_template=registry.url + "/slow/{value}", timeout_ms=300
            ),
        )
        answer = await asyncio.wait_for(
            operator.write("POST", f"/api/v1/lookups/{slow['id']}/query", json=ask), timeout=4
        )
        assert answer.json()["outcome"] == "timeout"
        assert answer.json()["message"] == "справочник не ответил вовремя"

    dead_port = free_port()  # nothing listens there
    dead = await _create(admin, _http_lookup(f"http://127.0.0.1:{dead_port}", name="Мёртвый", cache_s=0))
    outcomes = []
    for _ in range(4):
        result = await operator.write("POST", f"/api/v1/lookups/{dead['id']}/query", json=ask)
        outcomes.append(result.json()["outcome"])
    assert outcomes == ["unavailable", "unavailable", "unavailable", "circuit_open"]
    shown = {lk["name"]: lk["circuit"] for lk in (await admin.http.get("/api/v1/lookups")).json()}
    assert shown["Мёртвый"] == "open"

    server.clock.advance(31)  # the cool-down is over: one trial query goes to the registry again
    trial = await operator.write("POST", f"/api/v1/lookups/{dead['id']}/query", json=ask)
    assert trial.json()["outcome"] == "unavailable"
    again = await operator.write("POST", f"/api/v1/lookups/{dead['id']}/query", json=ask)
    assert again.json()["outcome"] == "circuit_open"
    audited = [q.detail["outcome"] for q in await _trail(server, "lookup_query")]
    assert audited.count("circuit_open") == 2
    assert audited.count("timeout") == 1


@pytest.fixture
async def registry_database() -> AsyncIterator[str]:
    """A second PostgreSQL database standing for an outside registry, with a table of people."""
    if await postgres_available() is not None:
        pytest.skip("PostgreSQL is not running")
    name, url = await create_postgres_database(template=None)
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(plain)
    try:
        await connection.execute("CREATE TABLE people (phone text, fio text, snils text, born date)")
        await connection.execute(
            "INSERT INTO people VALUES ('+79001234567', 'Петрова Анна', '11223344595', '1950-03-01'),"
            " ('+79007654321', 'Сидоров Пётр', '', NULL)"
        )
    finally:
        await connection.close()
    try:
        # A password the server (trust) ignores: it shows that the URL's password is never shown.
        yield plain.replace("://postgres@", "://postgres:registry-pass@")
    finally:
        await drop_postgres_database(name)


async def test_sql_lookup_reads_another_postgresql_database_and_refuses_writes(
    server: RunningServer, registry_database: str
) -> None:
    admin = await server.signed_in("admin")
    senior = await server.signed_in("senior1")
    body = {
        "name": "Регистр ПФР",
        "kind": "sql",
        "key_kinds": ["phone", "snils"],
        "roles": ["senior"],
        "timeout_ms": 3000,
        "cache_s": 0,
        "query": "SELECT fio, born FROM people WHERE (:key = 'phone' AND phone = :value)"
        " OR (:key = 'snils' AND snils = :value)",
        "mapping": {"ФИО": "fio", "Дата рождения": "born"},
        "url": registry_database,
    }
    created = await _create(admin, body)
    assert created["url_set"]
    assert "registry-pass" not in str(created)
    assert ":***@" in created["url_shown"]
    by_snils = {"key": "snils", "value": "112-233-445 95"}
    found = (await senior.write("POST", f"/api/v1/lookups/{created['id']}/query", json=by_snils)).json()
    assert found["outcome"] == "found"
    assert found["rows"] == [
        [{"label": "ФИО", "value": "Петрова Анна"}, {"label": "Дата рождения", "value": "1950-03-01"}]
    ]

    # Save time: anything that is not one SELECT with :value is refused with the reason.
    for query, code in [
        ("DELETE FROM people WHERE phone = :value", "not_select"),
        ("SELECT 1 WHERE :value = ''; DROP TABLE people", "several_statements"),
        ("SELECT fio FROM people", "no_parameter"),
    ]:
        refused = await admin.write("POST", "/api/v1/lookups", json={**body, "name": "x", "query": query})
        assert refused.status_code == 422, refused.text
        assert code in refused.text

    # Run time: a SELECT that writes through a data-modifying CTE hits the read-only transaction.
    writing = await _create(
        admin,
        {
            **body,
            "name": "Пишущий",
            "query": "WITH gone AS (DELETE FROM people WHERE phone = :value RETURNING fio)"
            " SELECT fio FROM gone",
        },
    )
    tried = await senior.write(
        "POST", f"/api/v1/lookups/{writing['id']}/query", json={"key": "phone", "value": "+79007654321"}
    )
    assert tried.json()["outcome"] == "refused_write"
    connection = await asyncpg.connect(registry_database)
    try:
        assert await connection.fetchval("SELECT count(*) FROM people") == 2
    finally:
        await connection.close()


async def test_role_rules_refuse_and_audit_and_only_administrators_configure(
    server: RunningServer, tmp_path: Path
) -> None:
    admin = await server.signed_in("admin")
    operator = await server.signed_in("operator1")
    senior = await server.signed_in("senior1")
    registry = tmp_path / "registry.csv"
    registry.write_text("ФИО;СНИЛС;Район\nПетрова Анна;112-233-445 95;Центральный\n", encoding="utf-8")
    plugins = (await admin.http.get("/api/v1/lookups/plugins")).json()
    assert "csv" in plugins["plugins"]
    created = await _create(
        admin,
        {
            "name": "Выгрузка соцзащиты",
            "kind": "plugin",
            "plugin": "csv",
            "options": {"path": str(registry), "snils": "СНИЛС"},
            "key_kinds": ["snils"],
            "roles": ["senior"],
            "mapping": {"ФИО": "ФИО", "Район": "Район"},
        },
    )
    ask = {"key": "snils", "value": "11223344595"}
    found = (await senior.write("POST", f"/api/v1/lookups/{created['id']}/query", json=ask)).json()
    assert found["rows"] == [
        [{"label": "ФИО", "value": "Петрова Анна"}, {"label": "Район", "value": "Центральный"}]
    ]

    refused = await operator.write("POST", f"/api/v1/lookups/{created['id']}/query", json=ask)
    assert refused.status_code == 403
    assert (await operator.http.get("/api/v1/lookups/available")).json() == []
    assert (await operator.http.get("/api/v1/lookups")).status_code == 403
    assert (await operator.write("POST", "/api/v1/lookups", json={"name": "x"})).status_code == 422
    taken = await operator.write(
        "POST",
        "/api/v1/lookups",
        json={"name": "x", "kind": "plugin", "plugin": "csv", "key_kinds": ["name"], "roles": ["operator"]},
    )
    assert taken.status_code == 403
    refusals = await _trail(server, "access_refused")
    assert [(r.entity_id, r.detail["wanted"], r.detail["code"]) for r in refusals] == [
        (str(created["id"]), "lookup_query", "forbidden")
    ]

    bad_key = await senior.write(
        "POST", f"/api/v1/lookups/{created['id']}/query", json={"key": "snils", "value": "11223344596"}
    )
    assert bad_key.status_code == 422
    assert "СНИЛС" in bad_key.text
    wrong_kind = await senior.write(
        "POST", f"/api/v1/lookups/{created['id']}/query", json={"key": "name", "value": "Анна"}
    )
    assert wrong_kind.status_code == 422


async def test_bad_settings_are_refused_with_every_reason(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    response = await admin.write(
        "POST",
        "/api/v1/lookups",
        json=_http_lookup("ftp://x", url_template="ftp://x/{who}", timeout_ms=50, key_kinds=[], roles=[]),
    )
    assert response.status_code == 422
    paths = (
        {p["path"] for p in response.json()["problems"]} if "problems" in response.json() else response.text
    )
    for field_name in ("url_template", "timeout_ms", "key_kinds", "roles"):
        assert field_name in str(paths)
    assert (await admin.http.get("/api/v1/lookups")).json() == []
    await _create(admin, _http_lookup("http://127.0.0.1:9"))
    duplicate = await admin.write("POST", "/api/v1/lookups", json=_http_lookup("http://127.0.0.1:9"))
    assert duplicate.status_code == 409
