"""The risks' patrols endpoints under /api/v1/risks/: check in at a point, the patrols of a
cell and month, one patrol, the statistics, and today's route. Everything through scope
(``access``) and the action (``steps_patrols``)."""

from datetime import datetime
from uuid import UUID

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router
from ninja.pagination import paginate
from ninja.responses import Status

from qianshao.grid import tree
from qianshao.grid.access import cell_or_own
from qianshao.grid.models import Cell
from qianshao.lib.apibody import body_doc, inline_schema, read_body
from qianshao.lib.errors import NotFound
from qianshao.lib.keyset import Pagination
from qianshao.lib.periods import month_bounds, parse_month
from qianshao.lib.photos import clean_all
from qianshao.lib.schemas import Error, LocalDatetime, OutSchema, PhotoIn, StrictSchema
from qianshao.risks import route_patrols, stats_patrols, steps_patrols
from qianshao.risks.access import access_patrol, access_point, visible_patrols
from qianshao.risks.models import Result

router = Router(tags=["risks"])
ERRORS = {400: Error, 403: Error, 404: Error, 409: Error}


# --- schemas ----------------------------------------------------------------------------


class CheckInIn(StrictSchema):
    client_uuid: UUID = Field(..., description="made by the phone; a resend returns the first")
    result: Result = Field(..., description="ok 正常, hazard 发现隐患, unreachable 无法到达")
    note: str = Field("", max_length=2000)
    lon: float | None = Field(None, ge=-180, le=180, description="where the phone was")
    lat: float | None = Field(None, ge=-90, le=90)
    qr: str | None = Field(
        None, max_length=64, description="the key of the point's QR code, when scanned"
    )
    at: LocalDatetime | None = Field(None, description="when it was made (a resend); now if absent")
    photos: list[PhotoIn] = Field([], description="JSON: base64; multipart: files named photos")


class PatrolOut(OutSchema):
    id: int
    point: int = Field(..., alias="point_id")
    point_name: str = Field(..., alias="point.name")
    cell_path: str
    patroller: int | None = Field(None, alias="patroller_id")
    due_at: datetime
    at: datetime | None
    outcome: str
    result: str
    note: str
    lon: float | None
    lat: float | None
    distance_m: float | None
    far: bool
    via_qr: bool
    hazard: int | None = Field(None, alias="hazard_id")


class PatrolFiguresOut(OutSchema):
    due: int
    on_time: int
    late: int
    missed: int
    rate: float | None = Field(description="% done (on time or late) of those due")
    on_time_rate: float | None


class CellFiguresOut(OutSchema):
    code: str
    name: str
    figures: PatrolFiguresOut


class PersonFiguresOut(OutSchema):
    person: int | None
    name: str
    figures: PatrolFiguresOut


class PatrolStatsOut(OutSchema):
    cell: CellFiguresOut
    month: str
    children: list[CellFiguresOut]
    people: list[PersonFiguresOut]
    # False above a county (a city, the province): people are not listed one by one there
    people_listed: bool


class RoutePointOut(OutSchema):
    id: int
    name: str
    cell: str = Field(description="the cell's code")
    kind: str = Field(description="the kind's name")
    grade: str
    lon: float
    lat: float
    next_due_at: datetime | None
    overdue: bool


# --- helpers ----------------------------------------------------------------------------


def _cell(user, code: str | None) -> Cell:
    try:
        return cell_or_own(user, code)
    except Http404:
        if code:
            raise NotFound(_("网格 %(c)s 不存在或不在您的辖区内") % {"c": code}, "cell") from None
        raise NotFound(_("您没有可查看的网格"), "cell") from None


def _point(user, point_id: int):
    try:
        return access_point(user, point_id)
    except Http404:
        raise NotFound(_("找不到该风险点"), "point_id") from None


def _figures(f: stats_patrols.Figures) -> dict:
    return f.plain()


# --- endpoints --------------------------------------------------------------------------


@router.post(
    "/points/{point_id}/checkins",
    response={201: PatrolOut, 200: PatrolOut, **ERRORS, 413: Error},
    openapi_extra=body_doc(inline_schema(CheckInIn)),
)
def check_in(request, point_id: int):
    """打卡: a patrol of the point (JSON with base64 photos, or multipart/form-data). A
    check-in far from the point is recorded and marked ``far``, not refused. Idempotent on
    ``client_uuid``: a resend returns the first patrol with 200."""
    user = request.user
    payload, photo_files = read_body(request, CheckInIn)  # a bad body is named first
    point = _point(user, point_id)
    cleaned = clean_all(photo_files)  # once the point is known to be the user's
    fields = payload.dict(exclude={"photos"})
    patrol = steps_patrols.check_in(user, point, fields, cleaned)
    return Status(200 if getattr(patrol, "resent", False) else 201, patrol)


@router.get("/patrols/stats", response={200: PatrolStatsOut, 400: Error, 404: Error})
def patrol_stats(request, cell: str | None = None, month: str | None = None):
    """A cell's patrols for a month (this month by default): due, on time, late, missed and
    the % done, for the cell and each child (from the counters) and, from a county down,
    each person of the cell's patrols (``people_listed``)."""
    user = request.user
    found = _cell(user, cell)
    first = parse_month(month)
    children = list(Cell.objects.filter(parent=found).order_by("code"))
    figures = stats_patrols.figures([found.path, *[c.path for c in children]], first)
    listed = stats_patrols.lists_people(found)
    people = stats_patrols.by_person(visible_patrols(user), found.path, first) if listed else []
    return {
        "cell": {"code": found.code, "name": found.name, "figures": _figures(figures[found.path])},
        "month": f"{first:%Y-%m}",
        "children": [
            {"code": c.code, "name": c.name, "figures": _figures(figures[c.path])} for c in children
        ],
        "people": [
            {"person": p.person_id, "name": p.name, "figures": _figures(p.figures)} for p in people
        ],
        "people_listed": listed,
    }


@router.get("/patrols/today", response={200: list[RoutePointOut]})
def patrols_today(request):
    """Your points due by the end of today (overdue ones too), in route order: the most
    overdue first, then each time the nearest one left."""
    now = timezone.now()
    return [
        {
            "id": p.pk,
            "name": p.name,
            "cell": p.cell.code,
            "kind": p.kind.name,
            "grade": p.grade,
            "lon": p.lon,
            "lat": p.lat,
            "next_due_at": p.next_due_at,
            "overdue": p.next_due_at <= now,
        }
        for p in route_patrols.today(request.user, now)
    ]


@router.get("/patrols", response={200: list[PatrolOut], 400: Error, 404: Error})
@paginate(Pagination)
def list_patrols(request, cell: str | None = None, month: str | None = None):
    """The patrols of ``cell``'s subtree (your first cell by default) due in ``month``
    (this month by default), the latest due first."""
    user = request.user
    found = _cell(user, cell)
    start, end = month_bounds(parse_month(month))
    return (
        visible_patrols(user)
        .filter(tree.subtree_q(found.path, "cell_path"), due_at__gte=start, due_at__lt=end)
        .select_related("point")
        .order_by("-due_at", "-id")
    )


@router.get("/patrols/{patrol_id}", response={200: PatrolOut, 404: Error})
def get_patrol(request, patrol_id: int):
    """One patrol."""
    try:
        return access_patrol(request.user, patrol_id)
    except Http404:
        raise NotFound(_("找不到该巡查记录"), "patrol_id") from None
