"""Optimistic versions for concurrent edits: two operators editing one card never silently overwrite
each other. Values are flat, keyed by dot paths (`description`, `applicant.snils`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from c122.domain.errors import FieldProblem, InvalidFields

_UNSEEN = object()


class EditVerdict(StrEnum):
    CLEAN = "clean"
    """The client edited the stored version: store the changes."""
    MERGED = "merged"
    """Someone stored a newer version, but of other fields (or the same values): `merged` is safe to store."""
    CONFLICT = "conflict"
    """The same field was changed differently by both: show the clashes, offer reload or merge."""


@dataclass(frozen=True)
class FieldClash:
    path: str
    base: object
    """What the client saw when it started editing."""
    theirs: object
    """What is stored now."""
    mine: object
    """What the client wants."""


@dataclass(frozen=True)
class EditCheck:
    verdict: EditVerdict
    clashes: tuple[FieldClash, ...]
    merged: dict[str, object]
    """The stored values with the client's non-clashing changes applied."""

    @property
    def conflict(self) -> bool:
        return self.verdict is EditVerdict.CONFLICT


def check_edit(
    *,
    stored_version: int,
    stored: Mapping[str, object],
    base_version: int,
    base: Mapping[str, object],
    changes: Mapping[str, object],
) -> EditCheck:
    """Compares a client's edit with what is stored.

    `base` holds the values the client saw for the fields it changes (the desktop keeps them from the
    snapshot it loaded). A field clashes when it moved since then to something other than the client's
    new value, or when the client did not say what it saw. Raises InvalidFields when the base version
    is from the future or a changed field is unknown.
    """
    problems = [
        FieldProblem(path, "unknown_field", "неизвестное поле") for path in changes if path not in stored
    ]
    if base_version > stored_version or base_version < 1:
        problems.append(FieldProblem("version", "unknown_version", "такой версии карточки не было"))
    if problems:
        raise InvalidFields(problems)
    merged = {**stored}
    if base_version == stored_version:
        merged.update(changes)
        return EditCheck(EditVerdict.CLEAN, (), merged)
    clashes: list[FieldClash] = []
    for path, mine in changes.items():
        theirs = stored[path]
        # Without the value the client saw, a stale change cannot be proven harmless.
        seen = base.get(path, _UNSEEN)
        if theirs != seen and theirs != mine:
            clashes.append(
                FieldClash(path=path, base=None if seen is _UNSEEN else seen, theirs=theirs, mine=mine)
            )
        else:
            merged[path] = mine
    verdict = EditVerdict.CONFLICT if clashes else EditVerdict.MERGED
    return EditCheck(verdict, tuple(clashes), merged)
