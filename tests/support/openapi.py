"""Walking the server's OpenAPI document: the operations, their parameters and body properties."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from c122.api.openapi_dump import openapi_document


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def parameters(self) -> list[dict[str, Any]]:
        return list(self.spec.get("parameters", []))

    def url(self, **values: object) -> str:
        """The path with every path parameter filled: `values` first, else 1 or "x" by type."""
        url = self.path
        for parameter in self.parameters:
            if parameter["in"] == "path":
                default = 1 if _types(parameter["schema"]) & {"integer"} else "x"
                url = url.replace("{" + parameter["name"] + "}", str(values.get(parameter["name"], default)))
        return url

    def body_properties(self, document: dict[str, Any]) -> dict[str, dict[str, Any]]:
        content = self.spec.get("requestBody", {}).get("content", {}).get("application/json")
        if content is None:
            return {}
        schema = resolve(document, content["schema"])
        return {name: resolve(document, s) for name, s in schema.get("properties", {}).items()}


def operations(document: dict[str, Any]) -> Iterator[Operation]:
    for path, methods in document["paths"].items():
        for method, spec in methods.items():
            yield Operation(method.upper(), path, spec)


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _types(schema: dict[str, Any]) -> set[str]:
    found = {schema["type"]} if "type" in schema else set()
    for key in ("anyOf", "oneOf", "allOf"):
        for alternative in schema.get(key, []):
            found |= _types(alternative)
    return found


def integer_schemas(
    document: dict[str, Any], schema: dict[str, Any], where: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every integer inside `schema` (through alternatives, arrays, objects), with its dot path."""
    schema = resolve(document, schema)
    if schema.get("type") == "integer":
        yield where, schema
    for key in ("anyOf", "oneOf", "allOf"):
        for alternative in schema.get(key, []):
            yield from integer_schemas(document, alternative, where)
    if isinstance(schema.get("items"), dict):
        yield from integer_schemas(document, schema["items"], where + "[]")
    for name, sub in schema.get("properties", {}).items():
        yield from integer_schemas(document, sub, f"{where}.{name}")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from integer_schemas(document, schema["additionalProperties"], where + "{}")


def takes_integer(schema: dict[str, Any]) -> bool:
    return "integer" in _types(schema)


def document() -> dict[str, Any]:
    return openapi_document()
