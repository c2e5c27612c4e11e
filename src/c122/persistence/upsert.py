"""INSERT ... ON CONFLICT DO UPDATE in the dialect of the database at hand (SQLite or PostgreSQL).

Each statement is built once per table, keys, columns and dialect and then reused: building one
makes the `excluded` alias, a copy of every column of the table that refers back to it, garbage that
only the cycle collector frees. Built at every save, at 100 calls/s it was most of the garbage a call
left (about 250 columns a call) and the collector's passes stopped the event loop for seconds.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import Dialect, Executable, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert


def dialect_insert(dialect_name: str, table: Table) -> PostgresInsert | SqliteInsert:
    """The INSERT of `table` that knows ON CONFLICT, in the dialect named."""
    return postgresql.insert(table) if dialect_name == "postgresql" else sqlite.insert(table)


def upsert(dialect: Dialect, table: Table, keys: tuple[str, ...], columns: tuple[str, ...]) -> Executable:
    """An INSERT into `table` that overwrites `columns` of the row with the same `keys`; with a list of
    rows it is one statement (executemany) whether each row is new or not."""
    return _upsert(dialect.name, table, keys, columns)


@cache
def _upsert(dialect_name: str, table: Table, keys: tuple[str, ...], columns: tuple[str, ...]) -> Executable:
    statement = dialect_insert(dialect_name, table)
    return statement.on_conflict_do_update(
        index_elements=[table.c[k] for k in keys], set_={c: statement.excluded[c] for c in columns}
    )
