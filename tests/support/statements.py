"""The SQL statements an application sends to its database while a test acts."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@contextlib.contextmanager
def statements_sent(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement sent meanwhile, as written."""
    statements: list[str] = []

    def executed(_connection: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", executed)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", executed)
