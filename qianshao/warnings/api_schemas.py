"""The warning endpoints' input and output schemas (see warnings.api)."""

from datetime import datetime
from uuid import UUID

from ninja import Field

from qianshao.lib.schemas import LocalDatetime, OutSchema, StrictSchema
from qianshao.warnings.models import Answer, Level

# --- input ------------------------------------------------------------------------------


class WarningIn(StrictSchema):
    client_uuid: UUID = Field(..., description="made by the client; a resend returns the first")
    type: str = Field(..., max_length=32, description="warning type code, e.g. rainstorm")
    level: Level
    headline: str = Field(..., max_length=200)
    text: str = Field(..., max_length=4000)
    instruction: str = Field("", max_length=4000, description="what to do (防御指引)")
    targets: list[str] = Field(..., max_length=500, description="cell codes; each its subtree")
    valid_from: LocalDatetime | None = None
    valid_until: LocalDatetime
    sender_name: str = Field("", max_length=100)


class WarningReviseIn(StrictSchema):
    """A new version: only the fields given change."""

    level: Level | None = None
    headline: str | None = Field(None, max_length=200)
    text: str | None = Field(None, max_length=4000)
    instruction: str | None = Field(None, max_length=4000)
    targets: list[str] | None = Field(None, max_length=500)
    valid_until: LocalDatetime | None = None


class WarningEditIn(StrictSchema):
    """A draft's edit: only the fields given change; a field left out or null is kept, and
    "" clears ``instruction`` or ``sender_name`` (the sender then is the issuing cell)."""

    type: str | None = Field(None, max_length=32, description="warning type code")
    level: Level | None = None
    headline: str | None = Field(None, max_length=200)
    text: str | None = Field(None, max_length=4000)
    instruction: str | None = Field(None, max_length=4000)
    targets: list[str] | None = Field(None, max_length=500)
    valid_from: LocalDatetime | None = None
    valid_until: LocalDatetime | None = None
    sender_name: str | None = Field(None, max_length=100)


class SubmitIn(StrictSchema):
    issue_on_approval: bool = Field(
        False, description="approving it issues it (审核通过后立即发布)"
    )


class NoteIn(StrictSchema):
    note: str = Field("", max_length=1000)


class ReasonIn(StrictSchema):
    reason: str = Field(..., max_length=500)


class RelayIn(StrictSchema):
    client_uuid: UUID | None = Field(None, description="optional; a resend returns the relay")
    targets: list[str] = Field(..., max_length=500, description="cell codes within yours")
    instruction: str = Field(..., max_length=4000, description="the added instructions")


class AnswerIn(StrictSchema):
    client_uuid: UUID | None = Field(None, description="optional; a resend returns the answer")
    answer: Answer
    note: str = Field("", max_length=500)
    evacuated: int | None = Field(None, description="people evacuated (with acting or done)")


# --- output -----------------------------------------------------------------------------


class WarningOut(OutSchema):
    id: int
    number: str
    type: str = Field(..., alias="type.code")
    type_name: str = Field(..., alias="type.name")
    level: str
    level_label: str
    headline: str
    status: str
    status_label: str
    source: str
    sender_name: str
    cell: str = Field(..., alias="cell.code")
    valid_from: datetime
    valid_until: datetime
    issued_at: datetime | None
    ended_at: datetime | None
    recipients: int
    answer_due_at: datetime | None
    chase_level: int = Field(
        ..., description="催办: 0 not yet, 1 resent and own level told, 2 the level above"
    )

    @staticmethod
    def resolve_level_label(w) -> str:
        return f"{w.get_level_display()}（{w.roman}级）"

    @staticmethod
    def resolve_status_label(w) -> str:
        return str(w.get_status_display())


class UnreachableOut(OutSchema):
    name: str
    phone: str
    role: str
    cell: str
    cell_name: str


class ReachOut(OutSchema):
    """Who issuing the draft now would reach, by channel (in-app: a login; SMS: a gateway is
    configured and a phone), and the first 50 nobody can reach."""

    people: int
    reached: int
    inapp: int
    sms: int
    both: int
    none: int
    sms_on: bool
    unreachable: list[UnreachableOut]


class WarningDetailOut(WarningOut):
    text: str
    instruction: str
    end_reason: str
    targets: list[str]
    parent: int | None = Field(None, alias="parent_id")
    replaces: int | None = Field(None, alias="replaces_id")
    cap_identifier: str
    issue_on_approval: bool
    allowed_steps: list[str]
    may_relay: bool
    reach: ReachOut | None = None  # before issue: drafts, submitted and approved ones

    @staticmethod
    def resolve_targets(w) -> list[str]:
        return [t.cell.code for t in w.targets.select_related("cell")]


class TallyOut(OutSchema):
    sent: int
    delivered: int
    unreachable: int  # no login, and no SMS (none configured, or no phone)
    answered: int
    waiting: int
    overdue: int
    acting: int
    done: int
    evacuated: int
    rate: int | None


class ChildTallyOut(TallyOut):
    code: str
    name: str


class BoardOut(OutSchema):
    cell: str
    total: TallyOut
    own: TallyOut
    children: list[ChildTallyOut]


class DeliveryOut(OutSchema):
    id: int
    warning: int = Field(..., alias="warning_id")
    warning_number: str = Field(..., alias="warning.number")
    headline: str = Field(..., alias="warning.headline")
    level: str = Field(..., alias="warning.level")
    person: str = Field(..., alias="person.name")
    phone: str
    cell: str = Field(..., alias="cell.code")
    cell_name: str = Field(..., alias="cell.name")
    role: str
    due_at: datetime
    delivered_at: datetime | None
    answer: str
    answered_at: datetime | None
    answered_via: str
    note: str
    evacuated: int | None
