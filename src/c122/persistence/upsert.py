"""INSERT ... ON CONFLICT DO UPDATE in the dialect of the database at hand (SQLite or PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Dialect, Executable, Table
from sqlalchemy.dialects import postgresql, sqlite


def upsert(dialect: Dialect, table: Table, keys: tuple[str, ...], columns: tuple[str, ...]) -> Executable:
    """An INSERT into `table` that overwrites `columns` of the row with the same `keys`; with a list of
    rows it is one statement (executemany) whether each row is new or not."""
    dialect_insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    statement = dialect_insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c[k] for k in keys], set_={c: statement.excluded[c] for c in columns}
    )
