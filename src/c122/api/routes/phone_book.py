"""The phone book (OPS-21): speed-dial numbers, the organisation's list and its CSV import,
favourites, and the colleagues of the operator's groups."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from c122.api.bounded import Id
from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas import phone_book as s
from c122.api.schemas.supervision import AudioConnectionOut
from c122.api.security import Context, CurrentActor
from c122.domain.phone_book import ContactDraft
from c122.services.phone_book.ports import Contact

router = APIRouter(prefix="/api/v1/phone-book", tags=["phone book"], responses=ERROR_RESPONSES)

Search = Annotated[str, Query(max_length=200)]


def _out(contact: Contact) -> s.ContactOut:
    return s.ContactOut(
        id=contact.id,
        scope="organisation" if contact.owner_id is None else "personal",
        name=contact.name,
        number=contact.number,
        note=contact.note,
        favourite=contact.favourite,
    )


def _draft(body: s.ContactIn) -> ContactDraft:
    return ContactDraft(body.name, body.number, body.note)


@router.get("/contacts", response_model=list[s.ContactOut], operation_id="list_phone_book")
async def list_contacts(actor: CurrentActor, context: Context, q: Search = "") -> list[s.ContactOut]:
    """The organisation's numbers and the reader's own, favourites first; `q` searches names and numbers."""
    return [_out(c) for c in await context.phone_book.contacts(actor, q)]


@router.post("/contacts", status_code=201, response_model=s.ContactOut, operation_id="add_my_contact")
async def add_my_contact(body: s.ContactIn, actor: CurrentActor, context: Context) -> s.ContactOut:
    """A personal contact. 422 names a bad name or number; 409 `duplicate_contact` if the number is
    already in the reader's contacts or the organisation's list."""
    return _out(await context.phone_book.add(actor, _draft(body)))


@router.post(
    "/organisation", status_code=201, response_model=s.ContactOut, operation_id="add_organisation_contact"
)
async def add_organisation_contact(body: s.ContactIn, actor: CurrentActor, context: Context) -> s.ContactOut:
    """A number of the organisation's list, seen by everyone (administrators; 403 otherwise)."""
    return _out(await context.phone_book.add(actor, _draft(body), shared=True))


@router.post("/organisation/import", response_model=s.ImportReportOut, operation_id="import_phone_book")
async def import_phone_book(body: s.ImportIn, actor: CurrentActor, context: Context) -> s.ImportReportOut:
    """CSV lines `название;номер[;примечание]`: valid lines are added, each refused line is reported
    with its number and reason (a bad number, a duplicate in the file or in the list)."""
    report = await context.phone_book.import_csv(actor, body.text)
    return s.ImportReportOut(
        added=report.added,
        problems=[s.ImportProblemOut(line=p.line, code=p.code, message=p.message) for p in report.problems],
    )


@router.put("/contacts/{contact_id}", response_model=s.ContactOut, operation_id="update_contact")
async def update_contact(
    contact_id: Id, body: s.ContactIn, actor: CurrentActor, context: Context
) -> s.ContactOut:
    """The owner's own contact, or (administrators) one of the organisation's; 404 for anyone else's."""
    return _out(await context.phone_book.update(actor, contact_id, _draft(body)))


@router.delete("/contacts/{contact_id}", status_code=204, operation_id="delete_contact")
async def delete_contact(contact_id: Id, actor: CurrentActor, context: Context) -> Response:
    await context.phone_book.delete(actor, contact_id)
    return Response(status_code=204)


@router.put("/contacts/{contact_id}/favourite", response_model=s.ContactOut, operation_id="mark_favourite")
async def mark_favourite(
    contact_id: Id, body: s.FavouriteIn, actor: CurrentActor, context: Context
) -> s.ContactOut:
    return _out(await context.phone_book.set_favourite(actor, contact_id, body.favourite))


@router.get("/colleagues", response_model=s.ColleaguesOut, operation_id="list_colleagues")
async def list_colleagues(actor: CurrentActor, context: Context) -> s.ColleaguesOut:
    """The operators and seniors of the reader's groups with their live status and audio connection."""
    book = context.phone_book
    return s.ColleaguesOut(
        groups=[s.ColleagueGroupOut(id=g, name=n) for g, n in sorted(book.group_names(actor).items())],
        colleagues=[
            s.ColleagueOut(
                user_id=c.live.user_id,
                full_name=c.live.full_name,
                role=c.live.role,
                group_ids=sorted(c.live.group_ids),
                status=c.live.status,
                since=datetime.fromtimestamp(c.live.since, UTC),
                on_call=c.live.call is not None,
                audio=AudioConnectionOut(mode=c.audio_mode, registered=c.audio_registered),
            )
            for c in book.colleagues(actor)
        ],
    )
