"""The risks' points endpoints under /api/v1/risks/: risk points (keyset pages along the
(cell_path, id) index), their grading, measures and retirement, the kinds. Everything
through scope (``access``) and the actions (``steps_points`` for the steps, as the pages)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status as HttpStatus

from qianshao.grid import tree
from qianshao.grid.access import cell_or_own, visible_cells, visible_people
from qianshao.grid.models import CellKind
from qianshao.intake.idempotent import submit
from qianshao.lib.errors import ActionError, NotFound
from qianshao.lib.keyset import Pagination
from qianshao.lib.schemas import Error, Id, LocalDate, OutSchema, StrictSchema
from qianshao.risks import actions_points as actions
from qianshao.risks import grading, steps_points
from qianshao.risks.access import access_point, visible_points
from qianshao.risks.models import Grade, GradeRecord, MeasureList, RiskKind, RiskStatus

router = Router(tags=["risks"])
ERRORS = {400: Error, 403: Error, 404: Error, 409: Error}
GRADE_HISTORY = 100


# --- schemas ----------------------------------------------------------------------------


class RiskMeasureIn(StrictSchema):
    list: MeasureList = Field(..., description="control (管控措施) or emergency (应急处置)")
    what: str = Field(..., max_length=200)
    who: str = Field("", max_length=64)
    how_often: str = Field("", max_length=32)
    call: str = Field("", max_length=64, description="whom to call (emergency)")
    where: str = Field("", max_length=100, description="where to go (emergency)")


class RiskMeasuresIn(StrictSchema):
    measures: list[RiskMeasureIn] = Field(..., max_length=100)


class RiskPointIn(StrictSchema):
    """A point's particulars; in an edit, the fields not sent are kept."""

    name: str = Field(..., max_length=100)
    kind: str = Field(..., max_length=32, description="a risk kind's code (GET /kinds)")
    geometry: dict[str, Any] = Field(..., description="a GeoJSON Point or Polygon")
    address: str = Field("", max_length=200)
    enterprise: str | None = Field(None, max_length=20, description="an enterprise cell's code")
    industry: str = Field("", max_length=32)
    hazards_text: str = Field("", max_length=2000)
    exposed_people: int = Field(0, ge=0, le=10**7)
    exposed_households: int = Field(0, ge=0, le=10**7)
    responsible: Id | None = Field(None, description="管控责任人, a grid person's id")
    responsible_unit: str = Field("", max_length=64)
    patroller: Id | None = Field(None, description="巡查人, a grid person's id")
    control_measures: str = Field("", max_length=4000)
    emergency_measures: str = Field("", max_length=4000)
    review_on: LocalDate | None = None
    published: bool = Field(False, description="on the county's public page (red only)")


class RiskPointEditIn(RiskPointIn):
    name: str = Field("", max_length=100)
    kind: str = Field("", max_length=32, description="of the same grading method")
    geometry: dict[str, Any] | None = Field(None, description="a GeoJSON Point or Polygon")


class RiskGradingIn(StrictSchema):
    inputs: dict[str, Any] = Field(
        ..., description="LEC: {L, E, C} from their tables; matrix: {likelihood, severity} 1–5"
    )
    grade: Grade | None = Field(None, description="set by hand (needs override_reason)")
    override_reason: str = Field("", max_length=200)


class RiskPointNewIn(RiskPointIn, RiskGradingIn):
    client_uuid: UUID = Field(..., description="made by the client; a resend returns the first")
    cell: str = Field(..., min_length=1, max_length=20)
    measures: list[RiskMeasureIn] = Field([], max_length=100)


class RiskRegradeIn(RiskGradingIn):
    note: str = Field("", max_length=500)


class RiskRetireIn(StrictSchema):
    note: str = Field(..., min_length=1, max_length=500)


class RiskMeasureOut(OutSchema):
    list: str
    what: str
    who: str
    how_often: str
    call: str
    where: str


class RiskPointOut(OutSchema):
    id: int
    cell: str = Field(..., alias="cell.code")
    cell_name: str = Field(..., alias="cell.name")
    name: str
    kind: str = Field(..., alias="kind.code")
    kind_name: str = Field(..., alias="kind.name")
    geometry: dict
    lon: float
    lat: float
    address: str
    enterprise: str | None = None
    industry: str
    hazards_text: str
    exposed_people: int
    exposed_households: int
    responsible: int | None = Field(None, alias="responsible_id")
    responsible_unit: str
    patroller: int | None = Field(None, alias="patroller_id")
    control_measures: str
    emergency_measures: str
    review_on: date | None
    method: str
    inputs: dict
    score: Decimal
    computed_grade: str
    grade: str
    override_reason: str
    explanation: str = ""
    status: str
    published: bool
    next_due_at: datetime | None
    last_patrol_at: datetime | None
    last_result: str

    @staticmethod
    def resolve_enterprise(p) -> str | None:
        return p.enterprise.code if p.enterprise_id else None

    @staticmethod
    def resolve_explanation(p) -> str:
        return grading.explain(p.method, p.inputs, p.score)


class RiskPointDetailOut(RiskPointOut):
    measures: list[RiskMeasureOut]

    @staticmethod
    def resolve_measures(p) -> list:
        return list(p.measures.order_by("list", "order", "id"))


class RiskPointFilter(Schema):
    cell: str | None = Field(None, max_length=20)
    grade: Grade | None = None
    kind: str | None = Field(None, max_length=32)
    status: RiskStatus = RiskStatus.ACTIVE


class RiskKindOut(OutSchema):
    code: str
    name: str
    group: str
    method: str
    flood_season: bool


class RiskGradeOut(OutSchema):
    at: datetime
    by: str = Field(..., alias="by_label")
    method: str
    inputs: dict
    score: Decimal
    computed_grade: str
    grade: str
    reason: str


# --- helpers ----------------------------------------------------------------------------


def _cell(user, code: str | None, field: str = "cell"):
    try:
        return cell_or_own(user, code)
    except Http404:
        if code:
            raise NotFound(_("网格 %(c)s 不存在或不在您的辖区内") % {"c": code}, field) from None
        raise NotFound(_("您没有可查看的网格"), field) from None


def _kind(code: str) -> RiskKind:
    found = RiskKind.objects.filter(code=code).first()
    if found is None:
        raise ActionError(_("风险类型不存在"), "kind")
    return found


def _person(user, pk: int | None, field: str):
    if pk is None:
        return None
    found = visible_people(user).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("找不到该人员"), field)
    return found


def _enterprise(user, code: str | None):
    if not code:
        return None
    found = visible_cells(user).filter(code=code.strip().upper()).first()
    if found is None:
        raise NotFound(_("网格 %(c)s 不存在或不在您的辖区内") % {"c": code}, "enterprise")
    if found.kind != CellKind.ENTERPRISE:
        raise ActionError(_("须为网格中的生产经营企业"), "enterprise")
    return found


PLAIN = (
    "name",
    "address",
    "industry",
    "hazards_text",
    "exposed_people",
    "exposed_households",
    "responsible_unit",
    "control_measures",
    "emergency_measures",
    "review_on",
    "published",
)


def _fields(user, payload: RiskPointIn, sent: set[str] | None = None) -> dict:
    """The action's fields from ``payload``; ``sent`` (an edit): only those the body carries."""
    data = payload.dict()
    names = set(PLAIN) if sent is None else set(PLAIN) & sent
    found = {name: data[name] for name in names}
    for name in ("responsible", "patroller"):
        if sent is None or name in sent:
            found[name] = _person(user, data[name], name)
    if sent is None or "enterprise" in sent:
        found["enterprise"] = _enterprise(user, data["enterprise"])
    if sent is None or ("geometry" in sent):
        if data["geometry"] is None:
            raise ActionError(_("不能为空"), "geometry")
        found["geometry"] = data["geometry"]
    if sent is not None and "kind" in sent:
        found["kind"] = _kind(data["kind"])
    return found


def _measures(items) -> list[dict]:
    return [m.dict() | {"list": str(m.list)} for m in items]


# --- points -----------------------------------------------------------------------------


@router.get("/points", response={200: list[RiskPointOut], 400: Error, 404: Error})
@paginate(Pagination)
def list_points(request, filters: Query[RiskPointFilter]):
    """Risk points in your scope (of ``cell``'s subtree), by grade and kind, in path order;
    follow ``next`` for the page after."""
    user = request.user
    found = visible_points(user).filter(status=filters.status)
    if filters.cell:
        found = found.filter(tree.subtree_q(_cell(user, filters.cell).path, "cell_path"))
    if filters.grade:
        found = found.filter(grade=filters.grade)
    if filters.kind:
        found = found.filter(kind=_kind(filters.kind))
    return found.select_related("cell", "kind", "enterprise").order_by("cell_path", "id")


@router.post("/points", response={201: RiskPointDetailOut, 200: RiskPointDetailOut, **ERRORS})
def create_point(request, payload: RiskPointNewIn):
    """登记 a risk point, graded by its kind's method from ``inputs`` (an input outside its
    table is a 400 naming it: ``inputs.L``). Idempotent on ``client_uuid``."""
    user = request.user
    cell = _cell(user, payload.cell)
    kind = _kind(payload.kind)
    fields = _fields(user, payload)

    def make():
        return actions.create_point(
            user,
            cell=cell,
            kind=kind,
            inputs=payload.inputs,
            grade=payload.grade,
            override_reason=payload.override_reason,
            measures=_measures(payload.measures),
            **fields,
        )

    p, created = submit(payload.client_uuid, "risks.point", user, make)
    return HttpStatus(201 if created else 200, access_point(user, p.pk))


@router.get("/points/{int:point_id}", response={200: RiskPointDetailOut, 404: Error})
def get_point(request, point_id: int):
    return access_point(request.user, point_id)


@router.patch("/points/{int:point_id}", response={200: RiskPointDetailOut, **ERRORS})
def edit_point(request, point_id: int, payload: RiskPointEditIn):
    """Edit a point's particulars (not its grade: ``regrade``); the fields not sent are
    kept. ``published`` only for a red point."""
    user = request.user
    p = access_point(user, point_id)
    actions.edit_point(user, p, **_fields(user, payload, payload.model_fields_set))
    return access_point(user, point_id)


@router.post("/points/{int:point_id}/regrade", response={200: RiskPointDetailOut, **ERRORS})
def regrade_point(request, point_id: int, payload: RiskRegradeIn):
    """重新评级: graded again from ``inputs`` (or set by hand with a reason); kept in the
    point's grade history."""
    user = request.user
    p = access_point(user, point_id)
    steps_points.take(user, p, steps_points.REGRADE, payload.dict())
    return access_point(user, point_id)


@router.post("/points/{int:point_id}/retire", response={200: RiskPointDetailOut, **ERRORS})
def retire_point(request, point_id: int, payload: RiskRetireIn):
    """销号: the risk is removed; the point leaves the counters and the patrols due."""
    user = request.user
    p = access_point(user, point_id)
    steps_points.take(user, p, steps_points.RETIRE, payload.dict())
    return access_point(user, point_id)


@router.put("/points/{int:point_id}/measures", response={200: RiskPointDetailOut, **ERRORS})
def put_measures(request, point_id: int, payload: RiskMeasuresIn):
    """Replace the point's 管控措施清单 and 应急处置清单 lines."""
    user = request.user
    p = access_point(user, point_id)
    fields = {"measures": _measures(payload.measures)}
    steps_points.take(user, p, steps_points.MEASURES, fields)
    return access_point(user, point_id)


@router.get("/points/{int:point_id}/grades", response={200: list[RiskGradeOut], 404: Error})
def point_grades(request, point_id: int):
    """The point's gradings, newest first (at most 100)."""
    p = access_point(request.user, point_id)
    return list(GradeRecord.objects.filter(point=p).order_by("-at", "-id")[:GRADE_HISTORY])


@router.get("/kinds", response={200: list[RiskKindOut]})
def list_kinds(request):
    """The kinds of risk points (configured in the admin) and their grading methods."""
    return list(RiskKind.objects.all())
