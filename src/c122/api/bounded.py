"""Bounded integers for everything a request carries (path, query, body): a number the database
column cannot hold is refused with 422 at the door instead of failing deep inside (a 500).
`tests/integration/api/test_request_bounds.py` checks every route of the OpenAPI document."""

from __future__ import annotations

from typing import Annotated

from annotated_types import Interval

MAX_INT = 2**31 - 1
"""The largest value of an `integer` column (PostgreSQL int4; SQLite holds more)."""

Id = Annotated[int, Interval(ge=1, le=MAX_INT)]
"""A record's id."""
Count = Annotated[int, Interval(ge=0, le=MAX_INT)]
"""An offset, a version number, a count."""
Integer = Annotated[int, Interval(ge=-MAX_INT - 1, le=MAX_INT)]
"""Any integer a column holds, for values whose range the domain checks itself (with every other
problem of the request at once, in its own words)."""
