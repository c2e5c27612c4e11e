"""How the accounts feature reacts to other features' facts: a session closed anywhere in this process
(a senior's forced logout, an account an administrator disabled) or an account or group changed (a
role, its groups) — the sessions held in memory (signed_in.py) are forgotten, so the next request
reads them again."""

from __future__ import annotations

from c122.domain.organisation import EntityKind
from c122.services.accounts.events import SessionClosed
from c122.services.accounts.signed_in import SignedIn
from c122.services.internal_events import InternalEventBus
from c122.services.organisation.events import OrganisationChanged

# What an actor's rights are made of: the account (role, enabled) and its groups.
RIGHTS_KINDS = frozenset({EntityKind.USER, EntityKind.GROUP})


def subscribe(bus: InternalEventBus, signed_in: SignedIn) -> None:
    def session_closed(event: SessionClosed) -> None:
        signed_in.forget_user(event.user_id)

    def organisation_changed(event: OrganisationChanged) -> None:
        if event.kind in RIGHTS_KINDS:
            signed_in.forget_all()

    bus.subscribe(SessionClosed, session_closed)
    bus.subscribe(OrganisationChanged, organisation_changed)
