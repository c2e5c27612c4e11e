"""The phone book on the wire (docs/contact-center/phone-book.md). Names, numbers and notes are
checked by the domain, which names each bad field in its 422."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints

from c122.api.schemas.common import Strict
from c122.api.schemas.contact_center import OperatorStatusName
from c122.api.schemas.supervision import AudioConnectionOut

Field = Annotated[str, StringConstraints(max_length=1000)]
CsvText = Annotated[str, StringConstraints(max_length=500_000)]


class ContactIn(Strict):
    name: Field
    number: Field
    note: Field = ""


class ContactOut(BaseModel):
    id: int
    scope: Literal["organisation", "personal"]
    name: str
    number: str
    note: str
    favourite: bool


class FavouriteIn(Strict):
    favourite: bool


class ImportIn(Strict):
    """The CSV file's text: `название;номер[;примечание]` per line, an optional header."""

    text: CsvText


class ImportProblemOut(BaseModel):
    line: int
    code: str
    message: str


class ImportReportOut(BaseModel):
    added: int
    problems: list[ImportProblemOut]


class ColleagueOut(BaseModel):
    user_id: int
    full_name: str
    role: str
    group_ids: list[int]
    status: OperatorStatusName
    since: datetime
    on_call: bool
    audio: AudioConnectionOut


class ColleagueGroupOut(BaseModel):
    id: int
    name: str


class ColleaguesOut(BaseModel):
    """A snapshot: `operator.state_changed` events keep the statuses live."""

    groups: list[ColleagueGroupOut]
    colleagues: list[ColleagueOut]
