"""The incidents' endpoints under /api/v1/incidents/: the incidents of a cell's subtree,
receiving one (idempotent on ``client_uuid``), one incident with its clock, reports, levels
passing it up, orders and the steps you may take, each step (the step table the pages use,
``steps.STEPS``), the command log in keyset pages, the teams you may send, and a level's
passing up. Everything through scope (``access``) and the actions.

Types and storable text are the schemas' (422 naming the field); what a value means — a
kind and its category, a grade, a response level, a figure within its range, the seriously
injured among the injured — is the actions' (400 naming the field, a figure as
``figures.dead``)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status as HttpStatus

from qianshao.grid import tree
from qianshao.grid.access import (
    access_cell,
    cell_or_own,
    visible_ancestors,
    visible_cells,
    visible_people,
)
from qianshao.incidents import actions, clock, permissions, rules, steps
from qianshao.incidents.access import access_incident, visible_incidents
from qianshao.incidents.api_orders import (
    IncidentNoteIn,
    IncidentOrderOut,
    order_steps,
    with_leader,
)
from qianshao.incidents.models import (
    INCIDENT_FLOW,
    Entry,
    Incident,
    IncidentStatus,
    LogEntry,
    Order,
    Relay,
)
from qianshao.intake.idempotent import submit
from qianshao.lib.apibody import inline_schema, read_body
from qianshao.lib.errors import ActionError, NotFound
from qianshao.lib.keyset import Pagination
from qianshao.lib.schemas import Error, Id, LocalDatetime, OutSchema, StrictSchema
from qianshao.resources import queries as resources

router = Router(tags=["incidents"])
ERRORS = {400: Error, 403: Error, 404: Error, 409: Error}
OPEN = (IncidentStatus.REPORTED, IncidentStatus.RESPONDING)
FIGURES = (*actions.FIGURES, "direct_loss")
# what the command log takes from people (报告, 调派 and 更正 are written by the steps)
LOG_KINDS = (Entry.DECISION, Entry.ORDER, Entry.FEEDBACK, Entry.NOTE)


# --- schemas: in ------------------------------------------------------------------------

RESEND = "a resend with it returns the first"


class IncidentFiguresIn(StrictSchema):
    """Casualties (0 to 1,000,000 people) and the direct loss (万元, at most two decimals);
    one not given is kept as it was (0 for a new incident)."""

    dead: int | None = None
    missing: int | None = None
    injured: int | None = None
    seriously_injured: int | None = Field(None, description="of the injured")
    trapped: int | None = None
    direct_loss: Decimal | None = Field(None, description="万元")


class IncidentIn(StrictSchema):
    client_uuid: UUID = Field(..., description="made by the client; a resend returns the first")
    title: str = Field(..., max_length=100)
    kind: str = Field(
        ...,
        max_length=16,
        description="natural 自然灾害, accident 事故灾难, health 公共卫生事件, social 社会安全事件",
    )
    category: str = Field(..., max_length=16, description="one of the kind's categories")
    cell: str = Field(..., min_length=1, max_length=20, description="the cell's code")
    occurred_at: LocalDatetime = Field(..., description="within the last year, not ahead")
    summary: str = Field(..., max_length=4000)
    place: str = Field("", max_length=200)
    lon: float | None = Field(None, description="with lat, or neither")
    lat: float | None = None
    unit: str = Field("", max_length=100, description="the unit involved (事发单位)")
    measures: str = Field("", max_length=4000, description="what was done already")
    figures: IncidentFiguresIn | None = None
    origin: str = Field(
        "", max_length=64, description="the record it came from: disasters.report:5 …"
    )


class IncidentReportIn(StrictSchema):
    client_uuid: UUID | None = Field(None, description=RESEND)
    text: str = Field(..., max_length=4000)
    figures: IncidentFiguresIn | None = None


class IncidentGradeIn(StrictSchema):
    client_uuid: UUID | None = Field(None, description=RESEND)
    grade: str = Field(
        "",
        max_length=16,
        description="1 特别重大, 2 重大, 3 较大, 4 一般; empty: the grade its figures give",
    )
    reason: str = Field("", max_length=500, description="required with a grade set by hand")


class IncidentResponseIn(StrictSchema):
    client_uuid: UUID | None = Field(None, description=RESEND)
    level: str = Field(..., max_length=16, description="1 Ⅰ级 (the highest) … 4 Ⅳ级")
    decided_by: str = Field(..., max_length=64, description="the leader who decided")
    note: str = Field("", max_length=500)


class IncidentEndIn(StrictSchema):
    client_uuid: UUID | None = Field(None, description=RESEND)
    text: str = Field(..., max_length=4000, description="the 终报")
    decided_by: str = Field(..., max_length=64)
    figures: IncidentFiguresIn | None = None


class IncidentCommanderIn(StrictSchema):
    client_uuid: UUID | None = Field(None, description=RESEND)
    person: Id | None = Field(None, description="a person's id (/api/v1/people); null: none")


class IncidentLogIn(StrictSchema):
    client_uuid: UUID | None = Field(None, description=RESEND)
    kind: str = Field(..., max_length=16, description="decision, order, feedback or note")
    text: str = Field(..., max_length=2000)
    corrects: Id | None = Field(None, description="the id of the entry this one corrects")


class IncidentDispatchIn(StrictSchema):
    client_uuid: UUID | None = Field(None, description=RESEND)
    team: Id = Field(..., description="a team's id (/candidates)")
    task: str = Field(..., max_length=500)


class SupplyLineIn(StrictSchema):
    item: Id = Field(..., description="an item's id (the point's stock)")
    quantity: str = Field(..., max_length=20, description="how much, in the item's unit")


class IncidentSuppliesIn(StrictSchema):
    client_uuid: UUID | None = Field(None, description=RESEND)
    point: Id = Field(..., description="a storage point's id you may issue from")
    lines: list[SupplyLineIn] = Field(..., min_length=1, max_length=50)
    note: str = Field("", max_length=200)


class IncidentEvacuateIn(StrictSchema):
    client_uuid: UUID | None = Field(None, description=RESEND)
    cell: str = Field(..., min_length=1, max_length=20, description="the cell moved out of")
    shelter: Id | None = Field(None, description="a shelter's id; null: 投亲靠友")
    people: int | None = Field(None, description="how many; the households' members if none")
    households: list[Id] = Field(default_factory=list, max_length=5000)
    note: str = Field("", max_length=200)


class IncidentCloseIn(StrictSchema):
    client_uuid: UUID | None = Field(None, description=RESEND)
    review: str = Field(..., max_length=8000, description="the review (总结评估)")


class IncidentFindingIn(StrictSchema):
    client_uuid: UUID | None = Field(None, description=RESEND)
    text: str = Field(..., max_length=500)
    owner: str = Field(..., max_length=100)
    due_on: date


class IncidentWarnIn(StrictSchema):
    client_uuid: UUID | None = Field(None, description=RESEND)
    type: Id = Field(..., description="a warning type's id")
    level: str = Field(..., max_length=8, description="red, orange, yellow or blue")
    headline: str = Field(..., max_length=200)
    text: str = Field(..., max_length=4000)


# each step's body: the steps of the table (``steps.STEPS``) the API takes; a step added to
# the table needs its body here (test_api checks), until then it is a 404 here
STEP_INPUTS: dict[str, type[StrictSchema]] = {
    "report": IncidentReportIn,
    "grade": IncidentGradeIn,
    "respond": IncidentResponseIn,
    "raise": IncidentResponseIn,
    "lower": IncidentResponseIn,
    "end": IncidentEndIn,
    "commander": IncidentCommanderIn,
    "log": IncidentLogIn,
    "dispatch": IncidentDispatchIn,
    "supplies": IncidentSuppliesIn,
    "evacuate": IncidentEvacuateIn,
    "close": IncidentCloseIn,
    "finding": IncidentFindingIn,
    "warn": IncidentWarnIn,
}


class IncidentFilter(Schema):
    cell: str | None = Field(None, max_length=20, description="its subtree; your scope if none")
    status: Literal["open", "all", "reported", "responding", "ended", "closed"] = Field(
        "open", description="open (已接报 or 响应中), all, or one status"
    )


# --- schemas: out -----------------------------------------------------------------------


class IncidentFiguresOut(OutSchema):
    dead: int
    missing: int
    injured: int
    seriously_injured: int
    trapped: int
    direct_loss: Decimal = Field(description="万元")


def _figures(record) -> dict:
    return {name: getattr(record, name) for name in FIGURES}


class IncidentOut(OutSchema):
    id: int
    number: str
    title: str
    kind: str
    kind_label: str
    category: str
    category_label: str
    cell: str = Field(..., alias="cell.code")
    cell_name: str = Field(..., alias="cell.name")
    place: str
    lon: float | None
    lat: float | None
    occurred_at: datetime
    reported_at: datetime
    status: str
    status_label: str
    level: str = Field(description="the response level, 1 (Ⅰ级) … 4; empty before 启动响应")
    level_label: str
    grade: str = Field(description="1 特别重大 … 4 一般")
    grade_label: str
    figures: IncidentFiguresOut

    @staticmethod
    def resolve_kind_label(i) -> str:
        return str(i.get_kind_display())

    @staticmethod
    def resolve_category_label(i) -> str:
        return str(i.get_category_display())

    @staticmethod
    def resolve_status_label(i) -> str:
        return str(i.get_status_display())

    @staticmethod
    def resolve_level_label(i) -> str:
        return str(i.get_level_display()) if i.level else ""

    @staticmethod
    def resolve_grade_label(i) -> str:
        return str(i.get_grade_display())

    @staticmethod
    def resolve_figures(i) -> dict:
        return _figures(i)


class IncidentPersonOut(OutSchema):
    id: int
    name: str


class IncidentReportOut(OutSchema):
    seq: int
    stage: str = Field(description="initial 初报, update 续报, final 终报, supplement 补报")
    stage_label: str
    text: str
    at: datetime
    due_at: datetime | None = Field(description="the deadline it answered")
    late: bool
    grade: str = Field(description="the grade its figures give")
    figures: IncidentFiguresOut

    @staticmethod
    def resolve_stage_label(r) -> str:
        return str(r.get_stage_display())

    @staticmethod
    def resolve_figures(r) -> dict:
        return _figures(r)


class IncidentRelayOut(OutSchema):
    id: int
    cell: str = Field(..., alias="cell.code", description="the level that received it")
    cell_name: str = Field(..., alias="cell.name")
    received_at: datetime
    due_at: datetime
    passed_at: datetime | None
    late: bool
    note: str
    may_pass: bool = Field(description="you may pass it up now")


class IncidentClockOut(OutSchema):
    label: str
    due: datetime
    over: bool


class IncidentDetailOut(IncidentOut):
    unit: str
    summary: str
    measures: str
    grade_computed: str = Field(description="the grade its figures give")
    grade_reason: str = Field(description="why the grade was set by hand")
    commander: IncidentPersonOut | None = Field(description="the on-scene commander")
    origin: str
    reports_n: int
    last_report_at: datetime
    ended_at: datetime | None
    clock: list[IncidentClockOut] = Field(
        ..., alias="timers", description="the timers running on it, soonest first"
    )
    reports: list[IncidentReportOut] = Field(..., alias="report_list", description="newest first")
    relays: list[IncidentRelayOut] = Field(..., alias="relay_list")
    orders: list[IncidentOrderOut] = Field(..., alias="order_list", description="newest first")
    steps: list[str] = Field(
        ..., alias="allowed_steps", description="the response's steps you may take now"
    )
    commands: bool = Field(..., alias="may_command", description="you command it")
    may_report: bool = Field(description="you may send its 续报 (补报 once ended)")
    may_log: bool = Field(description="you may write its command log")

    @staticmethod
    def resolve_commander(i) -> dict | None:
        return {"id": i.commander.pk, "name": i.commander.name} if i.commander_id else None


class IncidentLogOut(OutSchema):
    id: int
    kind: str
    kind_label: str
    text: str
    at: datetime
    author_name: str
    corrects: int | None = Field(None, alias="corrects_id")

    @staticmethod
    def resolve_kind_label(e) -> str:
        return str(e.get_kind_display())


class IncidentCandidateOut(OutSchema):
    id: int
    name: str
    kind: str
    kind_label: str
    cell_path: str
    cell_name: str
    members_n: int
    status: str
    status_label: str
    leader_name: str
    phone: str
    base_lon: float | None
    base_lat: float | None
    distance_km: float | None
    own: bool = Field(description="a team of the incident's own township")


# --- helpers ----------------------------------------------------------------------------


def _incident(user, incident_id: int) -> Incident:
    try:
        return access_incident(user, incident_id)
    except Http404:
        raise NotFound(_("找不到该事件"), "incident_id") from None


def _cell(user, code: str | None):
    try:
        return cell_or_own(user, code)
    except Http404:
        if code:
            raise NotFound(_("网格 %(c)s 不存在或不在您的辖区内") % {"c": code}, "cell") from None
        raise NotFound(_("您没有可查看的网格"), "cell") from None


def detail(user, incident_id: int) -> Incident:
    """The incident as ``user`` sees it now, with what IncidentDetailOut shows."""
    i = _incident(user, incident_id)
    relays = list(Relay.objects.filter(incident=i).select_related("cell"))
    for relay in relays:
        relay.may_pass = relay.passed_at is None and permissions.relay_refusal(user, relay) is None
    orders = list(with_leader(Order.objects.filter(incident=i)).order_by("-ordered_at", "-id"))
    for order in orders:
        order.incident = i
        order.allowed_steps = order_steps(user, order)
    i.timers = clock.timers(i, relays, rules.rule())
    i.relay_list = relays
    i.report_list = list(i.reports.order_by("-seq"))
    i.order_list = orders
    i.allowed_steps = INCIDENT_FLOW.allowed_steps(user, i, permissions.incident_rule)
    i.may_command = permissions.command_refusal(user, i.cell_path) is None
    i.may_report = permissions.report_refusal(user, i.cell_path) is None
    i.may_log = permissions.log_refusal(user, i) is None
    return i


@contextmanager
def _figures_named() -> Iterator[None]:
    """The actions name a figure by itself (``dead``); the body holds it in ``figures``."""
    try:
        yield
    except ActionError as exc:
        for error in {id(e): e for e in (exc, *exc.errors)}.values():
            if error.field in FIGURES:
                error.field = f"figures.{error.field}"
        raise


def _step_fields(user, step: str, payload: StrictSchema) -> dict:
    """The body as the step table takes it: the figures given (those not given are kept),
    a person's id turned into the person you see (404 naming ``person`` otherwise)."""
    fields = payload.model_dump(exclude={"client_uuid", "figures"})
    if "figures" in type(payload).model_fields:
        figures = payload.figures
        fields["figures"] = figures.model_dump(exclude_none=True) if figures else {}
    if step == "commander" and fields["person"] is not None:
        fields["person"] = visible_people(user).filter(pk=fields["person"]).first()
        if fields["person"] is None:
            raise NotFound(_("找不到该人员"), "person")
    if step == "log" and fields["kind"] not in LOG_KINDS:
        raise ActionError(_("请选择日志类型"), "kind")
    if step == "supplies":
        fields["lines"] = [(line.item, line.quantity) for line in payload.lines]
    if step in steps.CELL_STEPS:
        code = fields["cell"].strip().upper()
        fields["cell"] = visible_cells(user).filter(code=code).first()
        if fields["cell"] is None:
            raise NotFound(_("网格 %(c)s 不存在或不在您的辖区内") % {"c": code}, "cell")
    return fields


def _step_doc() -> dict:
    """The steps' bodies as the document shows them: one variant per body, each titled with
    the steps that take it."""
    variants = []
    for model in dict.fromkeys(STEP_INPUTS.values()):
        names = ", ".join(s for s, m in STEP_INPUTS.items() if m is model)
        variants.append(inline_schema(model) | {"title": f"{model.__name__} ({names})"})
    schema = {"anyOf": variants}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


# --- endpoints --------------------------------------------------------------------------


@router.get("", response={200: list[IncidentOut], 400: Error, 404: Error})
@paginate(Pagination)
def list_incidents(request, filters: Query[IncidentFilter]):
    """The incidents in your scope (of ``cell``'s subtree), the latest to happen first:
    ``status=open`` (the default) those received or responding, ``all`` every one."""
    user = request.user
    found = visible_incidents(user)
    if filters.cell:
        found = found.filter(tree.subtree_q(_cell(user, filters.cell).path, "cell_path"))
    if filters.status == "open":
        found = found.filter(status__in=OPEN)
    elif filters.status != "all":
        found = found.filter(status=filters.status)
    return found.select_related("cell").order_by("-occurred_at", "-id")


@router.post("", response={201: IncidentDetailOut, 200: IncidentDetailOut, **ERRORS})
def open_incident(request, payload: IncidentIn):
    """接报: an incident at a cell you see, its 初报 and the first level's passing up (its
    dispatchers told). 404 naming ``cell`` for a cell outside your scope, ``origin`` for a
    record you do not see; 400 naming the field for a category not of the kind, a time ahead
    or over a year back, a figure out of range (``figures.dead``) or more seriously injured
    than injured. Idempotent on ``client_uuid``: a resend returns the first with 200."""
    user = request.user
    code = payload.cell.strip().upper()
    try:
        cell = access_cell(user, code)
    except Http404:
        raise NotFound(_("网格 %(c)s 不存在或不在您的辖区内") % {"c": code}, "cell") from None
    figures = payload.figures.model_dump(exclude_none=True) if payload.figures else {}

    def write():
        with _figures_named():
            return actions.open_incident(
                user,
                title=payload.title,
                kind=payload.kind,
                category=payload.category,
                cell=cell,
                occurred_at=payload.occurred_at,
                summary=payload.summary,
                place=payload.place,
                lon=payload.lon,
                lat=payload.lat,
                unit=payload.unit,
                measures=payload.measures,
                figures=figures,
                origin=payload.origin,
            )

    incident, created = submit(payload.client_uuid, "incidents.open", user, write)
    return HttpStatus(201 if created else 200, detail(user, incident.pk))


@router.get("/{int:incident_id}", response={200: IncidentDetailOut, 404: Error})
def get_incident(request, incident_id: int):
    """An incident: what, where and when, its figures and grade, its clock, its reports
    (versions), the levels passing it up, its response and commander, the orders to teams,
    and what you may do with it now."""
    return detail(request.user, incident_id)


@router.post(
    "/{int:incident_id}/steps/{step}",
    response={200: IncidentDetailOut, **ERRORS},
    openapi_extra=_step_doc(),
)
def take_step(request, incident_id: int, step: str):
    """A step of the incident; the body holds that step's fields (see the schema's
    variants): report 续报 (补报 once ended), grade 定级 by hand, respond 启动响应, raise 提升,
    lower 降低, end 结束处置 (the 终报), commander 现场指挥官, log 指挥日志, dispatch 调派 a
    team, supplies 调拨物资 from a storage point, evacuate 转移 people (to a shelter), warn
    预警 the affected cells, close 完成总结 (the review), finding 总结评估问题. 403 when it is
    not yours to take, 409 when the incident's state does not allow it; an unknown step is a
    404 naming ``step``. ``client_uuid``: a resend answers as the first
    did."""
    user = request.user
    i = _incident(user, incident_id)
    if step not in STEP_INPUTS:  # the API's steps: those of the table it has a body for
        raise NotFound(_("未知的操作：%(s)s") % {"s": step}, "step")
    payload, _files = read_body(request, STEP_INPUTS[step])
    fields = _step_fields(user, step, payload)

    def act():
        with _figures_named():
            return steps.take(user, i, step, fields)

    if payload.client_uuid is None:
        act()
    else:
        submit(payload.client_uuid, f"incidents.{step}", user, act, on=i)
    return detail(user, incident_id)


@router.get("/{int:incident_id}/log", response={200: list[IncidentLogOut], 404: Error})
@paginate(Pagination)
def incident_log(request, incident_id: int):
    """The command log, newest first; follow ``next`` for the page after."""
    i = _incident(request.user, incident_id)
    return LogEntry.objects.filter(incident=i).order_by("-id")


@router.get("/{int:incident_id}/candidates", response={200: list[IncidentCandidateOut], 404: Error})
def candidates(request, incident_id: int):
    """The standing-by teams you may send to the incident, those of its own township first,
    then the nearest; none when you do not command it or it has ended."""
    user = request.user
    i = _incident(user, incident_id)
    if not i.open or permissions.command_refusal(user, i.cell_path) is not None:
        return []
    township = next((c for c in visible_ancestors(user, i.cell) if c.kind == "township"), None)
    return resources.candidates(
        user, lon=i.lon, lat=i.lat, own_path=township.path if township else i.cell_path
    )


@router.post("/relays/{int:relay_id}/pass", response={200: IncidentDetailOut, **ERRORS})
def pass_up(request, relay_id: int, payload: IncidentNoteIn):
    """上报: your level passes the incident to the level above (late after its deadline),
    which now has it with its own deadline; at the top of the grid ``note`` says to whom it
    went. 403 when it is not your level's, 409 when it was passed up already."""
    user = request.user
    relay = Relay.objects.filter(
        pk=relay_id, incident__in=visible_incidents(user).values("pk")
    ).first()
    if relay is None:
        raise NotFound(_("找不到该上报记录"), "relay_id")

    def act():
        return actions.pass_up(user, relay, note=payload.note)

    if payload.client_uuid is None:
        act()
    else:
        submit(payload.client_uuid, "incidents.pass", user, act, on=relay)
    return detail(user, relay.incident_id)
