"""Out-of-range integers and explicit nulls, over every route of the OpenAPI document, on SQLite and
PostgreSQL: each is refused with a JSON 422 (never a 500), before anything is changed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.support.openapi import Operation, document, integer_schemas, operations, takes_integer
from tests.support.server import RunningServer

from c122.domain.users import CONSOLE

HUGE = 2**70
DOCUMENT = document()
OPERATIONS = [op for op in operations(DOCUMENT)]


def test_every_integer_a_request_carries_is_bounded_in_the_document() -> None:
    unbounded = []
    for op in OPERATIONS:
        schemas = [(f"{p['in']}:{p['name']}", p["schema"]) for p in op.parameters]
        body = op.spec.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            schemas.append(("body", body["schema"]))
        for where, schema in schemas:
            for path, integer in integer_schemas(DOCUMENT, schema, where):
                if "maximum" not in integer or "minimum" not in integer:
                    unbounded.append(f"{op.method} {op.path} {path}")
    assert unbounded == []


async def _tokens(server: RunningServer) -> dict[str, str]:
    tokens = {}
    for login in ("admin", "operator1"):
        async with server.application.uow_factory() as uow:
            user = await uow.users.find({"login": login})
        assert user is not None
        tokens[login], _ = await server.application.context.auth.create_api_token(CONSOLE, user.id, "probe")
    return tokens


async def _send(client: httpx.AsyncClient, op: Operation, url: str, **kwargs: Any) -> httpx.Response:
    return await client.request(op.method, url, **kwargs)


def _refused(response: httpx.Response, where: str) -> str | None:
    if response.status_code == 422 and response.json().get("code") == "validation_error":
        return None
    return f"{where}: {response.status_code} {response.text[:200]}"


async def test_huge_integers_anywhere_are_422(server: RunningServer) -> None:
    tokens = await _tokens(server)
    problems = []
    for login, token in tokens.items():
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=10) as client:
            for op in OPERATIONS:
                body = op.body_properties(DOCUMENT)
                for parameter in op.parameters:
                    if not takes_integer(parameter["schema"]):
                        continue
                    name = parameter["name"]
                    if parameter["in"] == "path":
                        response = await _send(client, op, op.url(**{name: HUGE}))
                    else:
                        response = await _send(client, op, op.url(), params={name: HUGE})
                    problems.append(_refused(response, f"{login} {op.method} {op.path} {name}"))
                for name, schema in body.items():
                    if takes_integer(schema):
                        response = await _send(client, op, op.url(), json={name: HUGE})
                        problems.append(_refused(response, f"{login} {op.method} {op.path} body.{name}"))
    assert [p for p in problems if p] == []


@pytest.mark.parametrize("login", ["admin", "operator1"])
async def test_an_explicit_null_in_any_body_field_is_never_a_server_error(
    server: RunningServer, login: str
) -> None:
    token = (await _tokens(server))[login]
    problems = []
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=10) as client:
        for op in OPERATIONS:
            for name in op.body_properties(DOCUMENT):
                response = await _send(client, op, op.url(), json={name: None})
                if response.status_code >= 500 or "application/json" not in response.headers.get(
                    "content-type", ""
                ):
                    problems.append(f"{op.method} {op.path} body.{name}: {response.status_code}")
    assert problems == []


async def test_a_check_refusal_names_its_limits_for_the_client_to_word(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    response = await admin.write(
        "POST", "/api/v1/admin/routing/lists", json={"name": "x" * 301, "kind": "sometimes", "numbers": []}
    )
    assert response.status_code == 422
    fields = {field["path"]: field for field in response.json()["fields"]}
    assert fields["name"]["code"] == "string_too_long"
    assert fields["name"]["params"] == {"max_length": 300}
    assert fields["kind"]["code"] == "literal_error"
    assert "'vip'" in fields["kind"]["params"]["expected"]

    operator = await server.signed_in("operator1")
    transfer = await operator.write(
        "POST", "/api/v1/operators/me/call/transfer", json={"user_id": 2, "number": "112"}
    )
    assert transfer.status_code == 422
    assert [(f["code"], f.get("params")) for f in transfer.json()["fields"]] == [("one_target", None)]
