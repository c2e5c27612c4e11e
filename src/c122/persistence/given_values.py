"""Lists of values given to a statement when it runs (`IN :name`), for statements built once.

A statement built with its values in an `IN` or `NOT IN` list (plain or of tuples) copies its bound
parameters, and the copies hold each other in reference cycles that only the cycle collector frees:
built at every call, about 450 objects a call, whose passes over the older generations stopped the
event loop at 100 calls/s (docs/contact-center/call-flow.md). The call path's statements with lists
are built once, each list a parameter from here, and given their values at execution.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BindParameter, bindparam


def values_given(name: str) -> BindParameter[Any]:
    """The list of values named `name`, given at execution (`execute(statement, {name: [...]})`)."""
    return bindparam(name, expanding=True)
