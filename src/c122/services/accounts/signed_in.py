"""The sessions this process has just checked, held for a moment: a desk sends request after request
(an operator answering chats sends dozens a minute), and reading the session and its account for each
would queue them on the database's connections.

An entry is forgotten at once when this process closes a session or changes an account or a group
(services/accounts/reactions.py), and trusted at most `max_age_s` otherwise: a change made by another
node or a `c122` command is seen within that. A read that began before a forgetting is not kept (the
generation), so a session closed while it was being read is not brought back."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from c122.services.accounts.service import Principal

MAX_KEPT: Final = 10_000
MAX_AGE_S: Final = 2.0


@dataclass(frozen=True, slots=True)
class KeptSession:
    principal: Principal
    last_seen_at: datetime  # as read (or touched): a lower bound of the stored one
    kept_at: float  # monotonic


class SignedIn:
    def __init__(self, max_age_s: float = MAX_AGE_S, max_kept: int = MAX_KEPT) -> None:
        self._kept: OrderedDict[str, KeptSession] = OrderedDict()  # token hash -> session
        self._max_age_s = max_age_s
        self._max_kept = max_kept
        self._generation = 0

    @property
    def generation(self) -> int:
        """Taken before a read; `keep` refuses a read that a forgetting overtook."""
        return self._generation

    def get(self, token_hash: str, now: float) -> KeptSession | None:
        kept = self._kept.get(token_hash)
        if kept is None or now - kept.kept_at > self._max_age_s:
            return None
        return kept

    def keep(self, token_hash: str, kept: KeptSession, generation: int) -> None:
        if generation != self._generation:
            return
        self._kept[token_hash] = kept
        self._kept.move_to_end(token_hash)
        while len(self._kept) > self._max_kept:
            self._kept.popitem(last=False)

    def forget_user(self, user_id: int) -> None:
        """The user's sessions or account changed."""
        self._generation += 1
        for token_hash in [h for h, k in self._kept.items() if k.principal.user.id == user_id]:
            del self._kept[token_hash]

    def forget_all(self) -> None:
        """Accounts or groups changed: who belongs where may differ for anyone."""
        self._generation += 1
        self._kept.clear()
