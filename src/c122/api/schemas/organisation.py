"""The organisation's records: services, groups, queues, lines, case types and accounts."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, Field, StrictBool, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from c122.api.bounded import Id
from c122.api.schemas.common import Code, Description, Name, Patch, Strict
from c122.domain.organisation import CaseTypeIcon
from c122.domain.users import Role


class ServiceIn(Strict):
    name: Name
    description: Description = ""


class ServicePatch(Patch):
    creates = ServiceIn

    name: Name | None = None
    description: Description | None = None


class ServiceOut(BaseModel):
    id: int
    name: str
    description: str


Seconds = Annotated[float, Field(ge=0, le=7 * 24 * 3600)]
ChatLimit = Annotated[int, Field(ge=1, le=20)]
RetentionDays = Annotated[int, Field(ge=1, le=36500)]  # a day to a hundred years
PositiveSeconds = Annotated[float, Field(gt=0, le=7 * 24 * 3600)]
ReasonCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9_\-]{1,64}$")]
Skill = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9_\-.]{1,64}$")]
Destination = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
StrategyName = Literal[
    "longest_idle", "round_robin", "fewest_calls", "least_talk_time", "random", "ring_all", "linear"
]
EmptyRuleName = Literal["never", "no_logged_in", "no_staffed"]
# The service-level formulas of `domain/acd/kpi.py` (ServiceLevelFormula), a queue's admin setting.
ServiceLevelFormulaName = Literal[
    "answered_of_offered", "short_abandons_ignored", "abandons_within_t_met", "answered_only"
]


def check_idle_bounds(low: float, high: float) -> None:
    if low > high:
        raise PydanticCustomError("idle_bounds", "idle_choice_min_s must not exceed idle_choice_max_s")


class GroupPolicyFields(Strict):
    """Operator policies of a group: idle to away, away to logout, break policy; null turns one off."""

    idle_to_away_s: PositiveSeconds | None = 600.0
    away_to_logout_s: PositiveSeconds | None = 1200.0
    continuous_work_s: PositiveSeconds | None = 7200.0
    break_allowance: dict[ReasonCode, PositiveSeconds] | None = Field(
        default=None, description="Allowed length of a break per reason code; null: the defaults."
    )
    long_call_s: PositiveSeconds | None = Field(
        default=600.0,
        description="The senior's board marks a call longer than this (seconds); null: never.",
    )
    chat_limit: ChatLimit = Field(
        default=3, description="Chats an operator of the group holds at once, besides one call (OPS-25)."
    )
    monitoring_shown: bool = Field(
        default=False,
        description="Operators see when a senior listens to, whispers to or barges into their call.",
    )
    idle_choice_allowed: bool = Field(
        default=False, description="Operators may choose their own idle interval within the bounds below."
    )
    idle_choice_min_s: PositiveSeconds = 60.0
    idle_choice_max_s: PositiveSeconds = 3600.0
    early_ready: bool = Field(default=True, description="«Готов» may end a timed wrap-up early.")
    recording_retention_days: RetentionDays | None = Field(
        default=None, description="Days the group's call recordings are kept; null: the configured default."
    )
    operator_camera: StrictBool = Field(
        default=False,
        description="Operators may send their own camera to a caller on a video call from the app (TEL-25).",
    )
    record_video: StrictBool = Field(
        default=False,
        description="The group's video calls from the app are recorded as WebM beside the audio recording.",
    )

    @model_validator(mode="after")
    def _bounds_in_order(self) -> Self:
        check_idle_bounds(self.idle_choice_min_s, self.idle_choice_max_s)
        return self


class GroupIn(GroupPolicyFields):
    service_id: Id
    name: Name
    description: Description = ""


class GroupPatch(Patch):
    creates = GroupIn

    service_id: Id | None = None
    name: Name | None = None
    description: Description | None = None
    idle_to_away_s: PositiveSeconds | None = None
    away_to_logout_s: PositiveSeconds | None = None
    continuous_work_s: PositiveSeconds | None = None
    break_allowance: dict[ReasonCode, PositiveSeconds] | None = None
    monitoring_shown: bool | None = None
    idle_choice_allowed: bool | None = None
    idle_choice_min_s: PositiveSeconds | None = None
    idle_choice_max_s: PositiveSeconds | None = None
    early_ready: bool | None = None
    long_call_s: PositiveSeconds | None = None
    chat_limit: ChatLimit | None = None
    recording_retention_days: RetentionDays | None = None
    operator_camera: StrictBool | None = None
    record_video: StrictBool | None = None

    @model_validator(mode="after")
    def _bounds_in_order(self) -> Self:
        if self.idle_choice_min_s is not None and self.idle_choice_max_s is not None:
            check_idle_bounds(self.idle_choice_min_s, self.idle_choice_max_s)
        return self


class GroupOut(BaseModel):
    id: int
    service_id: int
    name: str
    description: str
    idle_to_away_s: float | None
    away_to_logout_s: float | None
    continuous_work_s: float | None
    break_allowance: dict[str, float] | None
    monitoring_shown: bool
    idle_choice_allowed: bool
    idle_choice_min_s: float
    idle_choice_max_s: float
    early_ready: bool
    long_call_s: float | None
    chat_limit: int
    recording_retention_days: int | None
    operator_camera: bool
    record_video: bool


class QueueSettingsFields(Strict):
    """How a queue distributes its calls; see docs/contact-center/acd.md for each setting."""

    strategy: StrategyName = "longest_idle"
    weight: Annotated[int, Field(ge=-1000, le=1000)] = 0
    ring_timeout_s: Annotated[float, Field(ge=3, le=600)] = 20.0
    retry_s: Annotated[float, Field(ge=0, le=600)] = 5.0
    no_answer_limit: Annotated[int, Field(ge=1, le=100)] = 3
    wrap_up_s: Annotated[float, Field(ge=0, le=3600)] = 30.0
    manual_ready: bool = False
    max_wait_s: PositiveSeconds | None = None
    overflow_destination: Destination | None = None
    max_length: Annotated[int, Field(ge=1, le=100_000)] | None = None
    join_when_empty: EmptyRuleName = "never"
    leave_when_empty: EmptyRuleName = "never"
    escalation_step_s: PositiveSeconds | None = None
    required_skills: Annotated[list[Skill], Field(max_length=50)] = []
    short_abandon_s: Annotated[float, Field(ge=0, le=600)] = 5.0
    sla_wait_s: PositiveSeconds = 60.0
    service_level_s: Annotated[float, Field(ge=1, le=3600)] = 20.0
    service_level_formula: ServiceLevelFormulaName = "short_abandons_ignored"
    service_level_target_pct: Annotated[float, Field(ge=1, le=100)] = 80.0
    callbacks_enabled: bool = True
    repeat_call_window_s: Seconds = 1800.0
    removal_message: Annotated[str, StringConstraints(max_length=1000)] | None = None
    auto_answer: bool = False


class QueueIn(QueueSettingsFields):
    group_id: Id
    name: Name


class QueuePatch(Patch):
    creates = QueueIn

    group_id: Id | None = None
    name: Name | None = None
    strategy: StrategyName | None = None
    weight: Annotated[int, Field(ge=-1000, le=1000)] | None = None
    ring_timeout_s: Annotated[float, Field(ge=3, le=600)] | None = None
    retry_s: Annotated[float, Field(ge=0, le=600)] | None = None
    no_answer_limit: Annotated[int, Field(ge=1, le=100)] | None = None
    wrap_up_s: Annotated[float, Field(ge=0, le=3600)] | None = None
    manual_ready: bool | None = None
    max_wait_s: PositiveSeconds | None = None
    overflow_destination: Destination | None = None
    max_length: Annotated[int, Field(ge=1, le=100_000)] | None = None
    join_when_empty: EmptyRuleName | None = None
    leave_when_empty: EmptyRuleName | None = None
    escalation_step_s: PositiveSeconds | None = None
    required_skills: Annotated[list[Skill], Field(max_length=50)] | None = None
    short_abandon_s: Annotated[float, Field(ge=0, le=600)] | None = None
    sla_wait_s: PositiveSeconds | None = None
    service_level_s: Annotated[float, Field(ge=1, le=3600)] | None = None
    service_level_formula: ServiceLevelFormulaName | None = None
    service_level_target_pct: Annotated[float, Field(ge=1, le=100)] | None = None
    callbacks_enabled: bool | None = None
    repeat_call_window_s: Seconds | None = None
    removal_message: Annotated[str, StringConstraints(max_length=1000)] | None = None
    auto_answer: bool | None = None


class QueueOut(BaseModel):
    id: int
    group_id: int
    name: str
    strategy: StrategyName
    weight: int
    ring_timeout_s: float
    retry_s: float
    no_answer_limit: int
    wrap_up_s: float
    manual_ready: bool
    max_wait_s: float | None
    overflow_destination: str | None
    max_length: int | None
    join_when_empty: EmptyRuleName
    leave_when_empty: EmptyRuleName
    escalation_step_s: float | None
    required_skills: list[str]
    short_abandon_s: float
    sla_wait_s: float
    service_level_s: float
    service_level_formula: ServiceLevelFormulaName
    service_level_target_pct: float
    callbacks_enabled: bool
    repeat_call_window_s: float
    removal_message: str | None
    auto_answer: bool


class QueueMemberIn(Strict):
    user_id: Id
    level: Annotated[int, Field(ge=1, le=9)] = 1
    position: Annotated[int, Field(ge=0, le=10_000)] = 0


class QueueMembersIn(Strict):
    members: Annotated[list[QueueMemberIn], Field(max_length=5000)]


class QueueMemberOut(BaseModel):
    user_id: int
    level: int
    position: int


class QueueMembersOut(BaseModel):
    queue_id: int
    members: list[QueueMemberOut]


class SkillsIn(Strict):
    skills: Annotated[list[Skill], Field(max_length=100)]


class SkillsOut(BaseModel):
    user_id: int
    skills: list[str]


class LineIn(Strict):
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    name: Name
    service_id: Id
    entry_flow: Annotated[str, StringConstraints(max_length=200)] | None = None
    default_case_type_id: Id | None = None
    """The card type of a call without an IVR choice; without one such a call gets no card."""


class LinePatch(Patch):
    creates = LineIn

    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)] | None = (
        None
    )
    name: Name | None = None
    service_id: Id | None = None
    entry_flow: Annotated[str, StringConstraints(max_length=200)] | None = None
    default_case_type_id: Id | None = None


class LineOut(BaseModel):
    id: int
    number: str
    name: str
    service_id: int
    entry_flow: str | None
    default_case_type_id: int | None


class CaseTypeIn(Strict):
    code: Code
    name: Name
    icon: CaseTypeIcon = CaseTypeIcon.OTHER


class CaseTypePatch(Patch):
    creates = CaseTypeIn

    code: Code | None = None
    name: Name | None = None
    icon: CaseTypeIcon | None = None


class CaseTypeOut(BaseModel):
    id: int
    code: str
    name: str
    icon: CaseTypeIcon


Password = Annotated[str, StringConstraints(min_length=8, max_length=1024)]
Login = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9._\-]{2,64}$")]


class UserIn(Strict):
    login: Login
    full_name: Name
    role: Role
    password: Password
    enabled: bool = True
    group_ids: list[Id] = []


class UserPatch(Patch):
    creates = UserIn

    login: Login | None = None
    full_name: Name | None = None
    role: Role | None = None
    password: Password | None = None
    enabled: bool | None = None
    group_ids: list[Id] | None = None


class UserOut(BaseModel):
    id: int
    login: str
    full_name: str
    role: Role
    enabled: bool
    group_ids: list[int]


class ServicePage(BaseModel):
    items: list[ServiceOut]
    total: int


class GroupPage(BaseModel):
    items: list[GroupOut]
    total: int


class QueuePage(BaseModel):
    items: list[QueueOut]
    total: int


class LinePage(BaseModel):
    items: list[LineOut]
    total: int


class CaseTypePage(BaseModel):
    items: list[CaseTypeOut]
    total: int


class UserPage(BaseModel):
    items: list[UserOut]
    total: int


TimeOfDay = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^([01]\d|2[0-3]):[0-5]\d$"),
    Field(description="Local time in the hotline's time zone, HH:MM (24-hour clock).", examples=["08:00"]),
]


class ShiftIn(Strict):
    """A shift; an end not after the start runs over midnight (20:00–08:00)."""

    name: Name
    starts_at: TimeOfDay
    ends_at: TimeOfDay


class ShiftPatch(Strict):
    name: Name | None = None
    starts_at: TimeOfDay | None = None
    ends_at: TimeOfDay | None = None


class ShiftOut(BaseModel):
    id: int
    name: str
    starts_at: str
    ends_at: str


class ShiftPage(BaseModel):
    items: list[ShiftOut]
    total: int
