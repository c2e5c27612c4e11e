"""Prints the OpenAPI document (`python -m c122.api.openapi_dump`); the web client is generated from it."""

from __future__ import annotations

import json
import sys

from c122.api.app import create_app


def openapi_document() -> dict[str, object]:
    return create_app(None).openapi()


if __name__ == "__main__":
    json.dump(openapi_document(), sys.stdout, ensure_ascii=False, indent=2, sort_keys=True)
    sys.stdout.write("\n")
