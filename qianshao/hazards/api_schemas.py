"""The hazard endpoints' input and output schemas (see hazards.api)."""

from datetime import datetime
from decimal import Decimal
from enum import Enum
from uuid import UUID

from django.utils import timezone
from ninja import Field

from qianshao.grid import routing
from qianshao.hazards.models import Grade, Step
from qianshao.hazards.models import Status as HazardStatus
from qianshao.hazards.photos import MAX_PHOTOS
from qianshao.lib.schemas import LocalDatetime, OutSchema, PhotoIn, StrictSchema

# --- input ------------------------------------------------------------------------------


class HazardReportIn(StrictSchema):
    client_uuid: UUID = Field(..., description="made by the phone; a resend returns the first")
    title: str = Field(..., max_length=100)
    description: str = Field(..., max_length=4000)
    category: str = Field(..., max_length=32, description="domain code, e.g. fire")
    grade: Grade = Grade.GENERAL
    cell: str | None = Field(None, max_length=20, description="code; else found from lon/lat")
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    address: str = Field("", max_length=200)
    found_at: LocalDatetime | None = None
    stopped_on_spot: bool = False
    photos: list[PhotoIn] = Field([], max_length=MAX_PHOTOS)
    origin: str | None = Field(
        None,
        max_length=64,
        description="the record of another area it was found from, e.g. risks.patrol:12 "
        "(a patrol that found it: the patrol is linked to the hazard)",
    )


class HazardStepIn(StrictSchema):
    client_uuid: UUID | None = Field(None, description="optional; a resend returns the hazard")


class HazardNoteIn(HazardStepIn):
    """accept, start, verify, close."""

    note: str = Field("", max_length=4000)


class HazardReasonIn(HazardStepIn):
    """return, reject."""

    reason: str = Field(..., max_length=2000)


class HazardResubmitIn(HazardNoteIn):
    """resubmit: every field optional; one not given (or blank) stays as first reported.
    A cell or a point moves the hazard (the point must lie in the cell when both are given;
    a point alone places it in the deepest cell of your scope holding it); photos are
    added to the report's."""

    title: str = Field("", max_length=100)
    description: str = Field("", max_length=4000)
    category: str | None = Field(None, max_length=32, description="domain code, e.g. fire")
    grade: Grade | None = None
    cell: str | None = Field(None, max_length=20, description="code, within your scope")
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    address: str = Field("", max_length=200)
    photos: list[PhotoIn] = Field([], max_length=MAX_PHOTOS)


class HazardMergeIn(HazardNoteIn):
    into: str = Field(..., max_length=24, description="the number of the hazard to merge into")


class HazardEscalateIn(HazardNoteIn):
    department: str | None = Field(None, max_length=20, description="code; default the owner")


class HazardAssignIn(HazardNoteIn):
    """交办 under 五落实: measures, responsible person, funds, deadline, contingency plan."""

    measures: str = Field(..., max_length=4000)
    responsible: int = Field(..., description="person id")
    deadline: LocalDatetime
    contingency: str = Field(..., max_length=4000)
    funds: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    assignee_cell: str | None = Field(None, max_length=20, description="code")
    assignee_department: str | None = Field(None, max_length=20, description="code")


class HazardProgressIn(HazardStepIn):
    note: str = Field(..., max_length=4000)
    photos: list[PhotoIn] = Field([], max_length=MAX_PHOTOS)


class HazardSubmitIn(HazardNoteIn):
    photos: list[PhotoIn] = Field([], max_length=MAX_PHOTOS)


class SupervisionAnswerIn(StrictSchema):
    answer: str = Field(..., max_length=2000)


STEP_INPUTS: dict[str, type[HazardStepIn]] = {
    Step.ACCEPT: HazardNoteIn,
    Step.RETURN: HazardReasonIn,
    Step.RESUBMIT: HazardResubmitIn,
    Step.MERGE: HazardMergeIn,
    Step.ESCALATE: HazardEscalateIn,
    Step.ASSIGN: HazardAssignIn,
    Step.START: HazardNoteIn,
    Step.PROGRESS: HazardProgressIn,
    Step.SUBMIT: HazardSubmitIn,
    Step.VERIFY: HazardNoteIn,
    Step.REJECT: HazardReasonIn,
    Step.CLOSE: HazardNoteIn,
}
StepName = Enum("StepName", {s.name: s.value for s in Step if s in STEP_INPUTS}, type=str)
StatusFilter = Enum(
    "StatusFilter", {"OPEN": "open", **{s.name: s.value for s in HazardStatus}}, type=str
)


# --- output -----------------------------------------------------------------------------


class HazardOut(OutSchema):
    number: str
    title: str
    category: str = Field(..., alias="category.code")
    category_name: str = Field(..., alias="category.name")
    grade: str
    grade_label: str
    status: str
    status_label: str
    source: str
    cell: str = Field(..., alias="cell.code")
    cell_name: str = Field(..., alias="cell.name")
    address: str
    lon: float | None
    lat: float | None
    found_at: datetime
    reported_at: datetime
    stopped_on_spot: bool
    due_at: datetime | None
    overdue: bool
    supervision_level: int
    deadline: datetime | None
    closed_at: datetime | None

    @staticmethod
    def resolve_grade_label(hazard) -> str:
        return str(hazard.get_grade_display())

    @staticmethod
    def resolve_status_label(hazard) -> str:
        return str(hazard.get_status_display())


class HazardPhotoOut(OutSchema):
    token: str
    stage: str
    url: str
    width: int
    height: int
    created_at: datetime

    @staticmethod
    def resolve_url(photo) -> str:
        return f"/api/v1/hazards/photos/{photo.token}"


class HazardNoteOut(OutSchema):
    step: str
    step_label: str
    text: str
    author: str | None
    created_at: datetime

    @staticmethod
    def resolve_step_label(note) -> str:
        return str(note.get_step_display())

    @staticmethod
    def resolve_author(note) -> str | None:
        return _person_name(note.author)


class HazardEventOut(OutSchema):
    """One record of the audit chain about the hazard (as on its page)."""

    at: datetime
    action: str = Field(..., description="the step, or supervise / answer_supervision")
    label: str
    actor: str
    status_label: str = Field(..., description="the status it led to, if any")
    note: str
    photos: int

    @staticmethod
    def resolve_label(entry) -> str:
        return str(entry.label)

    @staticmethod
    def resolve_status_label(entry) -> str:
        return str(entry.status)


class HazardDetailOut(HazardOut):
    description: str
    reporter: str | None
    owner: str | None
    assignee_cell: str | None
    assignee_department: str | None
    measures: str
    responsible: int | None = Field(..., alias="responsible_id")
    responsible_name: str | None
    funds: str | None
    contingency: str
    merged_into: str | None = Field(..., description="null when the target is out of your sight")
    escalated_by: str | None
    allowed_steps: list[str]
    photos: list[HazardPhotoOut]
    notes: list[HazardNoteOut]
    timeline: list[HazardEventOut]

    @staticmethod
    def resolve_reporter(hazard) -> str | None:
        return hazard.reporter.name if hazard.reporter_id else None

    @staticmethod
    def resolve_owner(hazard) -> str | None:
        return routing.department_code(hazard.owner_id)

    @staticmethod
    def resolve_assignee_cell(hazard) -> str | None:
        return hazard.assignee_cell.code if hazard.assignee_cell_id else None

    @staticmethod
    def resolve_assignee_department(hazard) -> str | None:
        return hazard.assignee_department.code if hazard.assignee_department_id else None

    @staticmethod
    def resolve_responsible_name(hazard) -> str | None:
        return hazard.responsible.name if hazard.responsible_id else None

    @staticmethod
    def resolve_funds(hazard) -> str | None:
        return None if hazard.funds is None else str(hazard.funds)

    @staticmethod
    def resolve_merged_into(hazard) -> str | None:
        target = hazard.merge_target  # set by hazards.api.detail: only a target in scope
        return target.number if target else None

    @staticmethod
    def resolve_escalated_by(hazard) -> str | None:
        return hazard.escalated_by.code if hazard.escalated_by_id else None

    @staticmethod
    def resolve_photos(hazard) -> list:
        return hazard.photo_list

    @staticmethod
    def resolve_notes(hazard) -> list:
        return hazard.note_list


class HazardCount(OutSchema):
    """发现 (all but merged duplicates), 未销号, 超时, 重大未销号."""

    found: int
    open: int
    overdue: int
    major: int


class ChildHazardCount(HazardCount):
    code: str
    name: str
    kind: str


class HazardCountsOut(OutSchema):
    cell: str | None
    total: HazardCount | None
    children: list[ChildHazardCount]


class SupervisionOut(OutSchema):
    id: int
    hazard: str = Field(..., alias="hazard.number")
    hazard_title: str = Field(..., alias="hazard.title")
    level: int
    level_label: str
    status: str
    status_label: str
    step_due_at: datetime
    target_cell: str | None
    target_department: str | None
    answer_by: datetime
    late: bool
    answered_at: datetime | None
    answer: str
    settled_at: datetime | None = Field(..., description="when the step it was raised for ended")
    created_at: datetime

    @staticmethod
    def resolve_level_label(s) -> str:
        return str(s.get_level_display())

    @staticmethod
    def resolve_status_label(s) -> str:
        return str(s.get_status_display())

    @staticmethod
    def resolve_target_cell(s) -> str | None:
        return s.target_cell.code if s.target_cell_id else None

    @staticmethod
    def resolve_target_department(s) -> str | None:
        return s.target_department.code if s.target_department_id else None

    @staticmethod
    def resolve_late(s) -> bool:
        """Unanswered past its answer time, while its step goes on."""
        return s.answered_at is None and s.settled_at is None and s.answer_by < timezone.now()


def _person_name(user) -> str | None:
    if user is None:
        return None
    person = getattr(user, "person", None)
    return person.name if person else user.get_username()
