"""The journal's applicant-name filter: calls whose case's applicant's name contains what was typed.

`cases.applicant_text` holds the applicant's case-folded search line (names, phones, birth date).
PostgreSQL answers a `LIKE` on it from its pg_trgm GIN index. SQLite has no such index: there the text
is also held by an FTS5 table with the
trigram tokenizer (`cases_applicant_search`, migration 0054, kept in step with `cases` by triggers),
and a query of three characters or more is a phrase of trigrams — exactly the substrings `LIKE
'%…%'` matches, read from the index instead of every case. Shorter queries have no trigram: they
scan as before. `%`, `_` and `"` typed by the user are plain characters in both forms.

On PostgreSQL the journal's name filter reads a narrow table of the same name (the case's id and its
text, with its own trigram index; migration 0062, kept in step with `cases` by a trigger): the trigram
index's candidates must each be rechecked on their row, and the cases' rows are wide (33,000 cases of
the benchmark's name at 10,000,000 calls: ~20,000 pages of `cases` read for the recheck)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, column, select, table
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from c122.persistence.organisation import fold, like_pattern
from c122.persistence.tables.cases import cases

# Created by migration 0054 on SQLite only (a virtual table: not in the metadata).
SEARCH_TABLE = "cases_applicant_search"  # and its shadow tables, cases_applicant_search_*


def outside_metadata(name: str | None, kind: str, _parents: object = None) -> bool:
    """False for the search table and FTS5's shadow tables: autogenerate leaves them alone."""
    return not (kind == "table" and name is not None and name.startswith(SEARCH_TABLE))


_search = table(SEARCH_TABLE, column("rowid"), column("applicant_text"))
# PostgreSQL's narrow table of the cases' search texts (migration 0062: not in the metadata either).
_narrow = table(SEARCH_TABLE, column("case_id"), column("applicant_text"))
_TRIGRAM = 3


def plain_name_match(name: str, case_id: Any = cases.c.id) -> Any:
    """The portable form: a `LIKE` over the cases' applicant text (PostgreSQL's trigram index reads it;
    `case_id` is for the indexed form, this one reads the case itself)."""
    return cases.c.applicant_text.like(like_pattern(name), escape="\\")


def indexed_name_match(name: str, case_id: Any = cases.c.id) -> Any:
    """SQLite's form: the cases the FTS5 trigram index finds holding the folded name as a phrase, tested
    on `case_id` (the case's id, or a link's: then the case's row need not be read)."""
    phrase = '"' + fold(name).replace('"', '""') + '"'
    found = select(_search.c.rowid).where(_search.c.applicant_text.op("MATCH")(phrase))
    return case_id.in_(found)


class _ByDialect(ColumnElement[bool]):
    """One condition written two ways: the SQLite one where compiled for SQLite, else the portable one."""

    type = Boolean()
    _is_implicitly_boolean = True  # a condition already: no `= 1` added where booleans are integers
    # Both forms take part in the statement's cache key: the compiled statement is cached as usual.
    _traverse_internals = [
        ("portable", InternalTraversal.dp_clauseelement),
        ("sqlite", InternalTraversal.dp_clauseelement),
    ]
    inherit_cache = True

    def __init__(self, portable: Any, sqlite: Any) -> None:
        self.portable = portable
        self.sqlite = sqlite


@compiles(_ByDialect)
def _portable(element: _ByDialect, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.portable, **kw)


@compiles(_ByDialect, "sqlite")
def _on_sqlite(element: _ByDialect, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.sqlite, **kw)


def name_indexed(name: str) -> bool:
    """Whether the index finds `name` (three characters or more: a trigram); else every case is read."""
    return len(fold(name)) >= _TRIGRAM


def applicant_name_match(name: str, case_id: Any = cases.c.id) -> Any:
    """Cases whose applicant's name contains `name` (case-folded), by an index on either database;
    `case_id`: see indexed_name_match."""
    if not name_indexed(name):
        return plain_name_match(name)
    return _ByDialect(plain_name_match(name), indexed_name_match(name, case_id))


def named_cases(name: str) -> Any:
    """PostgreSQL: the ids of the cases whose applicant's name contains `name`, from the narrow table's
    trigram index (its recheck reads the narrow rows, not the cases')."""
    return select(_narrow.c.case_id).where(_narrow.c.applicant_text.like(like_pattern(name), escape="\\"))


def named_case_ids(name: str, case_id: Any) -> Any:
    """`case_id` (a link's) among the cases whose applicant's name contains `name`: the trigram index
    finds them (on PostgreSQL the narrow table's, whose rows are read for its recheck; SQLite's FTS5
    answers alone)."""
    return _ByDialect(case_id.in_(named_cases(name)), indexed_name_match(name, case_id))
