"""Zero report and disaster endpoints: file the day's zero report from a phone, completeness
by cell and day or period, disaster reports (初报 with photos, 续报, 核报), their figures
rolled up the grid, and relief applications. Everything through scope (disasters.access,
grid.access) and the actions."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router
from ninja.pagination import paginate
from ninja.responses import Status as HttpStatus
from pydantic import BeforeValidator

from qianshao.disasters import actions, permissions, schedule, stats, steps
from qianshao.disasters import photos as disaster_photos
from qianshao.disasters.access import (
    access_disaster,
    access_photo,
    access_relief,
    access_zero_report,
    visible_disasters,
    visible_zero_reports,
)
from qianshao.disasters.models import (
    DisasterType,
    ReliefKind,
    ZeroKind,
)
from qianshao.grid import tree
from qianshao.grid.access import cell_or_own
from qianshao.intake.idempotent import submit
from qianshao.lib import photos
from qianshao.lib.apibody import body_doc, inline_schema, read_body
from qianshao.lib.body import BadBody, TooDeep, loads
from qianshao.lib.errors import ActionError, NotAllowed, NotFound
from qianshao.lib.keyset import Pagination
from qianshao.lib.photos import jpeg_response
from qianshao.lib.schemas import (
    JPEG_ANSWER,
    Error,
    LocalDate,
    LocalDatetime,
    OutSchema,
    PhotoIn,
    StrictSchema,
)

zero_router = Router(tags=["zero-reports"])
router = Router(tags=["disasters"])
ERRORS = {400: Error, 403: Error, 404: Error, 409: Error}
MAX_DAYS = 92
From = Annotated[LocalDate | None, Query(alias="from", description="first day")]
To = Annotated[LocalDate | None, Query(alias="to", description="last day")]


# --- schemas ----------------------------------------------------------------------------


class ZeroReportIn(StrictSchema):
    client_uuid: UUID = Field(..., description="made by the phone; a resend returns the first")
    cell: str = Field(..., min_length=1, max_length=20, description="the reporting cell's code")
    day: LocalDate | None = Field(None, description="the reporting day; today when omitted")
    kind: ZeroKind = ZeroKind.NONE
    disaster: str | None = Field(None, max_length=24, description="with kind disaster: its number")


class ZeroReportOut(OutSchema):
    id: int
    cell: str = Field(..., alias="cell.code")
    cell_name: str = Field(..., alias="cell.name")
    day: date
    kind: str
    disaster: str | None
    submitted_at: datetime
    on_time: bool
    reporter: str | None
    corrected_at: datetime | None

    @staticmethod
    def resolve_disaster(z) -> str | None:
        return z.disaster.number if z.disaster_id else None

    @staticmethod
    def resolve_reporter(z) -> str | None:
        return z.reporter.name if z.reporter_id else None


class CorrectIn(StrictSchema):
    kind: ZeroKind
    disaster: str | None = Field(None, max_length=24)
    reason: str = Field(..., max_length=500)


class CompletenessOut(OutSchema):
    expected: int
    received: int
    on_time: int
    late: int
    missing: int = Field(description="not in, the deadline passed (未报)")
    pending: int = Field(description="not in yet, today's deadline still to come (待报)")
    received_rate: float | None
    on_time_rate: float | None


class ChildCompletenessOut(CompletenessOut):
    code: str
    name: str


class CompletenessReportOut(OutSchema):
    cell: str
    first: date
    last: date
    total: CompletenessOut
    days: list[dict]
    children: list[ChildCompletenessOut]


class FiguresIn(StrictSchema):
    affected: int = Field(0, ge=0)
    dead: int = Field(0, ge=0)
    missing: int = Field(0, ge=0)
    relocated: int = Field(0, ge=0)
    need_relief: int = Field(0, ge=0)
    collapsed_households: int = Field(0, ge=0)
    collapsed_rooms: int = Field(0, ge=0)
    severely_damaged_rooms: int = Field(0, ge=0)
    damaged_rooms: int = Field(0, ge=0)
    crops_affected_ha: Decimal = Field(Decimal(0), ge=0, decimal_places=2)
    crops_damaged_ha: Decimal = Field(Decimal(0), ge=0, decimal_places=2)
    crops_lost_ha: Decimal = Field(Decimal(0), ge=0, decimal_places=2)
    economic_loss: Decimal = Field(Decimal(0), ge=0, decimal_places=2, description="万元")


def _json_part(value):
    """multipart/form-data carries an object field as one JSON part (OpenAPI's default
    encoding of an object property): decode it; anything else is validated as given."""
    if isinstance(value, str):
        try:
            return loads(value, "figures")
        except TooDeep:
            raise
        except BadBody:
            return value
    return value


# The figures of a report or a follow-up: a JSON object, or in multipart its JSON text.
FiguresPart = Annotated[FiguresIn, BeforeValidator(_json_part)]


class DisasterIn(StrictSchema):
    client_uuid: UUID = Field(..., description="made by the phone; a resend returns the first")
    type: DisasterType
    started_at: LocalDatetime
    cell: str = Field(..., min_length=1, max_length=20)
    place: str = Field("", max_length=200)
    figures: FiguresPart
    note: str = Field("", max_length=4000)
    photos: list[PhotoIn] = Field([], max_length=photos.MAX_PHOTOS)


class FollowUpIn(StrictSchema):
    client_uuid: UUID | None = None
    figures: FiguresPart
    note: str = Field("", max_length=4000)
    photos: list[PhotoIn] = Field([], max_length=photos.MAX_PHOTOS)


class VerifyIn(StrictSchema):
    figures: FiguresIn | None = Field(None, description="the verified figures; latest if none")
    note: str = Field("", max_length=4000)


class ReliefIn(StrictSchema):
    kind: ReliefKind
    households: int = Field(..., ge=0)
    people: int = Field(..., ge=0)
    amount: Decimal = Field(..., ge=0, decimal_places=2, description="万元")
    note: str = Field("", max_length=2000)


class DecisionIn(StrictSchema):
    approve: bool
    note: str = Field("", max_length=500)


class PhotoOut(OutSchema):
    token: str
    url: str
    width: int
    height: int

    @staticmethod
    def resolve_url(photo) -> str:
        return f"/api/v1/disasters/photos/{photo.token}"


class VersionOut(OutSchema):
    seq: int
    stage: str
    at: datetime
    note: str
    figures: dict
    photos: list[PhotoOut]

    @staticmethod
    def resolve_photos(v) -> list:
        written = getattr(v, "written_photos", None)  # a version just written (its answer)
        return list(v.photos.all()) if written is None else written

    @staticmethod
    def resolve_figures(v) -> dict:
        return {k: float(x) if isinstance(x, Decimal) else x for k, x in v.figures().items()}


class ReliefOut(OutSchema):
    id: int
    kind: str
    households: int
    people: int
    amount: Decimal
    status: str
    note: str
    decision_note: str


class DisasterOut(OutSchema):
    number: str
    type: str
    type_label: str
    started_at: datetime
    cell: str = Field(..., alias="cell.code")
    cell_name: str = Field(..., alias="cell.name")
    place: str
    status: str
    reported_at: datetime
    initial_on_time: bool
    verified_at: datetime | None
    figures: dict

    @staticmethod
    def resolve_type_label(d) -> str:
        return str(d.get_type_display())

    @staticmethod
    def resolve_figures(d) -> dict:
        return {k: float(x) if isinstance(x, Decimal) else x for k, x in d.figures().items()}


class DisasterDetailOut(DisasterOut):
    versions: list[VersionOut]
    relief: list[ReliefOut]

    @staticmethod
    def resolve_versions(d) -> list:
        written = getattr(d, "written_versions", None)  # a 初报 just written: its only one
        return list(d.versions.all()) if written is None else written

    @staticmethod
    def resolve_relief(d) -> list:
        if getattr(d, "written_versions", None) is not None:
            return []  # a 初报 just written has applied for nothing yet
        return list(d.relief.all())


class FiguresOut(OutSchema):
    cell: str
    first: date | None
    last: date | None
    total: dict
    children: list[dict]


# --- helpers ----------------------------------------------------------------------------


def _cell(user, code: str | None, field: str = "cell"):
    """The cell of ``code`` in the user's scope (404 naming ``field`` for a cell that is not
    there or not theirs alike), or by default the first of their own."""
    try:
        return cell_or_own(user, code)
    except Http404:
        if code:
            raise NotFound(_("网格 %(c)s 不存在或不在您的辖区内") % {"c": code}, field) from None
        raise NotFound(_("您没有可查看的网格"), field) from None


def _may_report(user, cell) -> None:
    """403 before a report's photos are read, for someone who may not report for ``cell``
    (the action checks again)."""
    refused = permissions.reporting_refusal(user, cell)
    if refused:
        raise NotAllowed(refused, "cell")


def _period(day, first, last) -> tuple[date, date]:
    """The days asked for, up to today: a day to come has no report to miss."""
    today = schedule.today()
    if day:
        return min(day, today), min(day, today)
    last = min(last or today, today)
    first = first or last
    if first > last:
        raise ActionError(_("开始日期不能晚于结束日期"), "from")
    if (last - first).days >= MAX_DAYS:
        raise ActionError(_("时间段不能超过 %(n)s 天") % {"n": MAX_DAYS}, "from")
    return first, last


def _disaster_of(user, number: str | None):
    if not number:
        return None
    found = visible_disasters(user).filter(number=number.strip().upper()).first()
    if found is None:
        raise NotFound(_("找不到编号为 %(n)s 的灾情报告") % {"n": number}, "disaster")
    return found


# --- zero reports -----------------------------------------------------------------------


@zero_router.post("", response={201: ZeroReportOut, 200: ZeroReportOut, **ERRORS})
def file_zero_report(request, payload: ZeroReportIn):
    """零报告 for a cell and day (today): no disaster, or see a disaster report. Idempotent
    on ``client_uuid``; a second report of the cell and day is a 409 naming the first."""
    user = request.user

    def file():
        return actions.file_zero(
            user,
            cell=_cell(user, payload.cell),
            day=payload.day,
            kind=payload.kind,
            disaster=_disaster_of(user, payload.disaster),
        )

    z, created = submit(payload.client_uuid, "disasters.zero", user, file)
    return HttpStatus(201 if created else 200, z)


@zero_router.get("", response={200: list[ZeroReportOut], 400: Error, 404: Error})
@paginate(Pagination)
def list_zero_reports(
    request,
    cell: str | None = None,
    day: LocalDate | None = None,
    first: From = None,
    last: To = None,
):
    """Zero reports in your scope (of ``cell``'s subtree), newest first."""
    found = visible_zero_reports(request.user).select_related("cell", "reporter", "disaster")
    if cell:
        found = found.filter(tree.subtree_q(_cell(request.user, cell).path, "cell_path"))
    if day or first or last:
        first, last = _period(day, first, last)
        found = found.filter(day__gte=first, day__lte=last)
    return found.order_by("-day", "cell_path")


@zero_router.post("/{int:report_id}/correct", response={200: ZeroReportOut, **ERRORS})
def correct_zero_report(request, report_id: int, payload: CorrectIn):
    """更正 a zero report's content (its time stands): by its reporter or the level above."""
    user = request.user
    return actions.correct_zero(
        user,
        access_zero_report(user, report_id),
        kind=payload.kind,
        disaster=_disaster_of(user, payload.disaster),
        reason=payload.reason,
    )


@zero_router.get("/completeness", response={200: CompletenessReportOut, 400: Error, 404: Error})
def completeness(
    request,
    cell: str | None = None,
    day: LocalDate | None = None,
    first: From = None,
    last: To = None,
):
    """Expected, received, on time, late and missing zero reports of a cell (your own by
    default) for a day or a period of up to 92 days, and of each of its child cells."""
    where = _cell(request.user, cell)
    first, last = _period(day, first, last)
    per_day = stats.completeness(where, first, last)
    return {
        "cell": where.code,
        "first": first,
        "last": last,
        "total": stats.total(per_day).as_dict(),
        "days": [{"day": d, **c.as_dict()} for d, c in per_day.items()],
        "children": [
            {"code": c.code, "name": c.name, **tally.as_dict()}
            for c, tally in stats.child_completeness(where, first, last)
        ],
    }


# --- disaster reports -------------------------------------------------------------------


@router.post(
    "",
    response={201: DisasterDetailOut, 200: DisasterDetailOut, **ERRORS, 413: Error},
    openapi_extra=body_doc(inline_schema(DisasterIn)),
)
def report_disaster(request):
    """初报: a disaster in a cell, with the indicators of the basic form and photos (JSON
    with base64 photos, or multipart/form-data). Idempotent on ``client_uuid``."""
    payload, photo_files = read_body(request, DisasterIn)
    user = request.user
    cell = _cell(user, payload.cell)  # the refusal before the photos are looked at
    _may_report(user, cell)
    cleaned = photos.clean_all(photo_files)

    def file():
        return actions.report(
            user,
            type=payload.type,
            started_at=payload.started_at,
            cell=cell,
            place=payload.place,
            figures=payload.figures.dict(),
            note=payload.note,
            photo_files=cleaned,
        )

    files = (cleaned, disaster_photos.FOLDER)
    d, created = submit(payload.client_uuid, "disasters.report", user, file, photos=files)
    # a new report answers from what it wrote (the cell and reporter are the request's);
    # a resend reads the first one back
    return HttpStatus(201, d) if created else HttpStatus(200, access_disaster(user, d.number))


@router.get("", response={200: list[DisasterOut], 400: Error, 404: Error})
@paginate(Pagination)
def list_disasters(
    request,
    cell: str | None = None,
    type: DisasterType | None = None,
    first: From = None,
    last: To = None,
):
    """Disaster reports in your scope (of ``cell``'s subtree), by start, newest first."""
    found = visible_disasters(request.user).select_related("cell")
    if cell:
        found = found.filter(tree.subtree_q(_cell(request.user, cell).path, "cell_path"))
    if type:
        found = found.filter(type=type)
    if first:
        found = found.filter(started_at__date__gte=first)
    if last:
        found = found.filter(started_at__date__lte=last)
    return found.order_by("-started_at", "-id")


@router.get("/figures", response={200: FiguresOut, 400: Error, 404: Error})
def disaster_figures(
    request,
    cell: str | None = None,
    first: From = None,
    last: To = None,
):
    """The latest figures summed over the disaster reports of a cell's subtree (started in
    the period, when given), and of each child cell."""
    where = _cell(request.user, cell)
    reports = visible_disasters(request.user)
    if first:
        reports = reports.filter(started_at__date__gte=first)
    if last:
        reports = reports.filter(started_at__date__lte=last)
    return {
        "cell": where.code,
        "first": first,
        "last": last,
        "total": _plain(stats.figures(where, reports)),
        "children": [
            {"code": c.code, "name": c.name, **_plain(f)}
            for c, f in stats.child_figures(where, reports)
        ],
    }


def _plain(figures: dict) -> dict:
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in figures.items()}


@router.get(
    "/photos/{token}",
    response={404: Error},
    openapi_extra=JPEG_ANSWER,
)
def disaster_photo(request, token: str):
    """A photo of a disaster report you see, as JPEG."""
    return jpeg_response(access_photo(request.user, token).image)


@router.get("/{number}", response={200: DisasterDetailOut, 404: Error})
def get_disaster(request, number: str):
    """A disaster report with every version and its relief applications."""
    return access_disaster(request.user, number)


@router.post(
    "/{number}/follow-up",
    response={200: DisasterDetailOut, **ERRORS, 413: Error},
    openapi_extra=body_doc(inline_schema(FollowUpIn)),
)
def follow_up_disaster(request, number: str):
    """续报: the figures as they stand now (JSON or multipart, with photos)."""
    d = access_disaster(request.user, number)
    _may_report(request.user, d.cell)  # the refusal before anything of the body is read
    payload, photo_files = read_body(request, FollowUpIn)
    cleaned = photos.clean_all(photo_files)
    user = request.user

    def act():
        fields = {"figures": payload.figures.dict(), "note": payload.note, "photos": cleaned}
        return steps.take(user, d, steps.FOLLOW_UP, fields)

    if payload.client_uuid is not None:
        files = (cleaned, disaster_photos.FOLDER)
        submit(payload.client_uuid, "disasters.follow_up", user, act, on=d, photos=files)
    else:
        act()
    return access_disaster(user, number)


@router.post("/{number}/verify", response={200: DisasterDetailOut, **ERRORS})
def verify_disaster(request, number: str, payload: VerifyIn):
    """核报 by the level above, not by whoever reported the figures."""
    d = access_disaster(request.user, number)
    figures = payload.figures.dict() if payload.figures else None
    steps.take(request.user, d, steps.VERIFY, {"figures": figures, "note": payload.note})
    return access_disaster(request.user, number)


@router.post("/{number}/relief", response={201: ReliefOut, **ERRORS})
def apply_relief(request, number: str, payload: ReliefIn):
    """救助申报 for the disaster."""
    d = access_disaster(request.user, number)
    made = steps.take(request.user, d, steps.RELIEF, payload.dict())
    return HttpStatus(201, made)


@router.post("/relief/{int:relief_id}/decide", response={200: ReliefOut, **ERRORS})
def decide_relief(request, relief_id: int, payload: DecisionIn):
    """批准 or 不批准 a relief application, by the level above."""
    relief = access_relief(request.user, relief_id)
    return actions.decide_relief(request.user, relief, approve=payload.approve, note=payload.note)
