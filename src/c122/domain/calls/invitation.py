"""A conference's group invitation waiting in the group's queue (TEL-21) is its own entry in the ACD,
named after the conference's call and the party it will become. The ACD offers it like any call, but
the conference takes the offer at once and rings the colleague itself, so the offer is not announced
to their desk as a queue's call would be."""

from __future__ import annotations

INVITATION = ":invitation:"


def invitation_ticket(call_id: str, party_id: str) -> str:
    return f"{call_id}{INVITATION}{party_id}"


def invited_by(ticket: str) -> str | None:
    """The conference's call id of an invitation's entry; None for any other entry."""
    call_id, marker, party_id = ticket.partition(INVITATION)
    return call_id if marker and party_id else None
