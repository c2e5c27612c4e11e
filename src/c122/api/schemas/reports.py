"""User-defined reports on the wire (docs/contact-center/reports.md). The definition's fields are
checked by the domain (domain/reports.py), which names each bad one in its 422: a measure or dimension
that does not fit the dataset, a period longer than the limit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from annotated_types import Len
from pydantic import BaseModel, Field, StringConstraints

from c122.api.bounded import Id, Integer
from c122.api.schemas.common import Strict
from c122.domain.reports import FigureFilter, ReportDefinition, definition_to_json

Short = Annotated[str, StringConstraints(max_length=64)]
Selected = Annotated[Integer, Field()] | Short


class FigureFilterIn(Strict):
    measure: Short
    op: Literal["gt", "ge", "lt", "le", "eq", "ne"]
    value: Annotated[float, Field(ge=-1e12, le=1e12)]


class DefinitionIn(Strict):
    dataset: Short = Field(description="calls, cases, states, queue_log or segments")
    dimensions: Annotated[list[Short], Len(max_length=8)] = []
    measures: Annotated[list[Short], Len(max_length=40)]
    date_from: date
    date_to: date = Field(description="inclusive; at most 366 days after date_from")
    time_from: Short | None = Field(None, description="HH:MM, with time_to: a time-of-day window")
    time_to: Short | None = None
    weekdays: Annotated[list[Integer], Len(max_length=7)] = Field([], description="0 Monday … 6 Sunday")
    selections: Annotated[dict[Short, Annotated[list[Selected], Len(max_length=500)]], Len(max_length=20)] = (
        Field({}, description="a multi-select per dimension: ids, hours, weekdays or text values")
    )
    having: Annotated[list[FigureFilterIn], Len(max_length=20)] = Field(
        [], description="filters after aggregation, on the report's own measures"
    )
    service_level_s: Annotated[float, Field(ge=-1e6, le=1e6)] = Field(
        20.0, description="T of the service level"
    )
    short_abandon_s: Annotated[float, Field(ge=-1e6, le=1e6)] = Field(5.0, description="S: shorter abandons")

    def domain(self) -> ReportDefinition:
        return ReportDefinition(
            dataset=self.dataset,  # type: ignore[arg-type]  # the domain names a wrong one
            dimensions=tuple(self.dimensions),
            measures=tuple(self.measures),
            date_from=self.date_from,
            date_to=self.date_to,
            time_from=self.time_from,
            time_to=self.time_to,
            weekdays=tuple(self.weekdays),
            selections={k: tuple(v) for k, v in self.selections.items()},
            having=tuple(FigureFilter(h.measure, h.op, h.value) for h in self.having),
            service_level_s=self.service_level_s,
            short_abandon_s=self.short_abandon_s,
        )


class ExportIn(Strict):
    definition: DefinitionIn
    format: Literal["csv", "xlsx", "pdf"] = "xlsx"
    title: Annotated[str, StringConstraints(max_length=200)] = ""


class DrillIn(Strict):
    definition: DefinitionIn
    keys: Annotated[list[Selected | None], Len(max_length=8)] = Field(
        description="the cell's dimension values, as the result rows give them"
    )


class DimensionOut(BaseModel):
    key: str
    title: str
    datasets: list[str]
    values: Literal["time", "id", "text"]
    period: bool


class MeasureOut(BaseModel):
    key: str
    title: str
    datasets: list[str]
    unit: Literal["count", "seconds", "ratio"]
    definition: str


class DatasetOut(BaseModel):
    key: str
    title: str
    drill: Literal["calls", "cases"] | None = Field(
        description="what a cell's drill-down lists; none for states"
    )


class ModelOut(BaseModel):
    datasets: list[DatasetOut]
    dimensions: list[DimensionOut]
    measures: list[MeasureOut]
    max_range_days: int
    time_zone: str


class ReportRowOut(BaseModel):
    keys: list[int | str | None]
    labels: list[str]
    figures: list[float | None]


class ReportResultOut(BaseModel):
    dimensions: list[str]
    measures: list[str]
    rows: list[ReportRowOut]
    truncated: bool = Field(description="more cells than the limit: narrow the period or the filters")
    time_zone: str


class DrillRowOut(BaseModel):
    id: str
    at: datetime
    kind: Literal["calls", "cases"]
    title: str
    status: str
    operator: str
    group: str
    wait_s: float | None = None
    talk_s: float | None = None


class DrillOut(BaseModel):
    total: int
    rows: list[DrillRowOut]
    journal: dict[str, str] | None = Field(
        description="the call journal's query nearest to the cell (calls reports): its period and filters"
    )


ViewKind = Literal["table", "pivot", "bar", "line", "pie", "heatmap"]


class ViewIn(Strict):
    kind: ViewKind = "table"


class ScheduleIn(Strict):
    """Checked by the domain (domain/report_schedules.py), which names each bad field."""

    frequency: Short = Field(description="daily, weekly or monthly")
    time: Short = Field(description="HH:MM in the hotline's time zone")
    weekday: Integer = Field(0, description="weekly: 0 Monday … 6 Sunday")
    day_of_month: Integer = Field(1, description="monthly: 1 … 28")
    recipients: Annotated[list[Annotated[str, StringConstraints(max_length=254)]], Len(max_length=100)]
    formats: Annotated[list[Short], Len(max_length=3)] = Field(description="csv, xlsx, pdf")


class ScheduleStatusOut(BaseModel):
    state: Literal["pending", "sent", "retrying", "failed", "not_configured"]
    next_at: datetime | None = Field(description="the next send (a retry's while retrying)")
    last_attempt_at: datetime | None
    last_sent_at: datetime | None
    attempts: int = Field(description="refused sends of the current run")
    error: str | None = Field(description="why the last send failed, or why none can be sent")


class SavedReportIn(Strict):
    name: Annotated[str, StringConstraints(max_length=1000)]
    definition: DefinitionIn
    view: ViewIn = ViewIn()
    shared_roles: Annotated[list[Short], Len(max_length=10)] = Field(
        [], description="senior, admin: everyone of that role sees it"
    )
    shared_group_ids: Annotated[list[Id], Len(max_length=200)] = Field(
        [], description="members of these groups see it"
    )
    schedule: ScheduleIn | None = Field(None, description="e-mailed daily, weekly or monthly; null: not sent")


class SavedReportOut(BaseModel):
    id: int
    owner_id: int
    owner_name: str
    name: str
    definition: dict[str, Any]
    view: dict[str, Any]
    shared_roles: list[str]
    shared_group_ids: list[int]
    editable: bool
    created_at: datetime
    updated_at: datetime
    schedule: dict[str, Any] | None
    schedule_status: ScheduleStatusOut | None


def definition_json(body: DefinitionIn) -> dict[str, Any]:
    """The body as a saved report stores it (checked again by the service before it is stored)."""
    definition = body.domain()
    return definition_to_json(definition)
