"""The shelters part's endpoints under /api/v1/resources/: shelters (their steps and
occupancy), evacuation routes (a GeoJSON LineString), transfer lists' households and the
coverage of a cell's children. Everything through scope (``access_shelters``) and the
actions."""

from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router
from ninja.pagination import paginate
from ninja.responses import Status as HttpStatus

from qianshao.grid import tree
from qianshao.grid.access import cell_or_own, visible_people
from qianshao.intake.idempotent import submit
from qianshao.lib.errors import ActionError, NotFound
from qianshao.lib.keyset import Pagination
from qianshao.lib.schemas import Error, Id, OutSchema, StrictSchema
from qianshao.resources import actions_shelters as actions
from qianshao.resources import readiness_shelters, steps_shelters
from qianshao.resources.access_shelters import (
    access_household,
    access_route,
    access_shelter,
    visible_households,
    visible_routes,
    visible_shelters,
)
from qianshao.resources.models import ShelterCategory

router = Router(tags=["resources"])
ERRORS = {400: Error, 403: Error, 404: Error, 409: Error}
FACILITIES = ("water", "power", "toilets", "medical", "signage")


# --- schemas ----------------------------------------------------------------------------


class ShelterIn(StrictSchema):
    name: str = Field(..., max_length=100)
    category: ShelterCategory
    area_m2: Decimal = Field(..., gt=0, decimal_places=2, description="effective area, m²")
    address: str = Field("", max_length=200)
    lon: float | None = None
    lat: float | None = None
    outline: dict[str, Any] | None = Field(None, description="a GeoJSON Polygon")
    water: bool = False
    power: bool = False
    toilets: bool = False
    medical: bool = False
    signage: bool = False
    manager_person: Id | None = Field(None, description="a grid person's id, if one runs it")
    manager_name: str = Field("", max_length=32)
    manager_phone: str = Field("", max_length=20, description="the duty phone")


class ShelterNewIn(ShelterIn):
    client_uuid: UUID = Field(..., description="made by the client; a resend returns the first")
    cell: str = Field(..., min_length=1, max_length=20)


class ShelterStepIn(StrictSchema):
    note: str = Field("", max_length=500)


class OccupancyIn(StrictSchema):
    occupancy: int = Field(..., ge=0)


class ShelterOut(OutSchema):
    id: int
    cell: str = Field(..., alias="cell.code")
    cell_name: str = Field(..., alias="cell.name")
    name: str
    address: str
    lon: float | None
    lat: float | None
    outline: dict | None
    category: str
    area_m2: Decimal
    capacity: int
    water: bool
    power: bool
    toilets: bool
    medical: bool
    signage: bool
    manager_name: str
    manager_phone: str
    status: str
    occupancy: int


class RouteIn(StrictSchema):
    client_uuid: UUID = Field(..., description="made by the client; a resend returns the first")
    cell: str = Field(..., min_length=1, max_length=20, description="the cell it leaves from")
    origin: str = Field(..., max_length=100, description="where it starts (a group of houses…)")
    shelter: Id
    line: dict[str, Any] = Field(..., description="a GeoJSON LineString (or a Feature of one)")
    note: str = Field("", max_length=200)


class RouteOut(OutSchema):
    id: int
    cell: str = Field(..., alias="cell.code")
    origin: str
    shelter: int = Field(..., alias="shelter_id")
    line: dict
    length_m: int
    note: str


class HouseholdIn(StrictSchema):
    client_uuid: UUID = Field(..., description="made by the client; a resend returns the first")
    cell: str = Field(..., min_length=1, max_length=20)
    head: str = Field(..., max_length=32)
    phone: str = Field("", max_length=20)
    members: int = Field(..., ge=1)
    vulnerable: str = Field("", max_length=200, description="老人、儿童、病残、孕妇…")
    vulnerable_n: int = Field(0, ge=0)
    cadre_person: Id | None = Field(None, description="包户干部, a grid person's id")
    cadre_name: str = Field("", max_length=32)
    cadre_phone: str = Field("", max_length=20)
    shelter: Id | None = None
    route: Id | None = None


class HouseholdOut(OutSchema):
    id: int
    cell: str = Field(..., alias="cell.code")
    head: str
    phone: str
    members: int
    vulnerable: str
    vulnerable_n: int
    cadre_name: str
    cadre_phone: str
    shelter: int | None = Field(None, alias="shelter_id")
    route: int | None = Field(None, alias="route_id")

    @staticmethod
    def resolve_cadre_name(h) -> str:
        return h.cadre_contact()[0]

    @staticmethod
    def resolve_cadre_phone(h) -> str:
        return h.cadre_contact()[1]


class CoverageOut(OutSchema):
    code: str
    name: str
    shelters: int
    capacity: int
    shelter_area: int
    listed_people: int
    population: int | None
    area_per_person: float | None
    short: bool | None = Field(description="capacity below population; null: population unknown")


class CoverageReportOut(OutSchema):
    cell: CoverageOut
    per_person_m2: Decimal
    short: int = Field(description="how many children fall short")
    unknown: int = Field(description="how many children have no population")
    children: list[CoverageOut]


# --- helpers ----------------------------------------------------------------------------


def _cell(user, code: str | None, field: str = "cell"):
    try:
        return cell_or_own(user, code)
    except Http404:
        if code:
            raise NotFound(_("网格 %(c)s 不存在或不在您的辖区内") % {"c": code}, field) from None
        raise NotFound(_("您没有可查看的网格"), field) from None


def _person(user, pk: int | None, field: str):
    if pk is None:
        return None
    found = visible_people(user).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("找不到该人员"), field)
    return found


def _shelter(user, pk: int | None, field: str = "shelter"):
    if pk is None:
        return None
    found = visible_shelters(user).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("找不到该避难场所"), field)
    return found


def _route(user, pk: int | None):
    if pk is None:
        return None
    found = visible_routes(user).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("找不到该路线"), "route")
    return found


def _shelter_fields(user, payload: ShelterIn, *, sent_only: bool = False) -> dict:
    """The action's fields; ``sent_only`` (an edit): only those the body carries, the
    action keeping the others as they are."""
    data = payload.dict()
    found = {
        "name": data["name"],
        "category": data["category"],
        "area_m2": data["area_m2"],
        "address": data["address"],
        "lon": data["lon"],
        "lat": data["lat"],
        "outline": data["outline"],
        "facilities": {f: data[f] for f in FACILITIES},
        "manager": _person(user, data["manager_person"], "manager_person"),
        "manager_name": data["manager_name"],
        "manager_phone": data["manager_phone"],
    }
    if not sent_only:
        return found
    sent = payload.model_fields_set
    found = {k: v for k, v in found.items() if k in sent}
    if "manager_person" in sent:
        found["manager"] = _person(user, data["manager_person"], "manager_person")
    found["facilities"] = {f: data[f] for f in FACILITIES if f in sent}
    return found


def _in(found, user, cell: str | None):
    return found.filter(tree.subtree_q(_cell(user, cell).path, "cell_path")) if cell else found


# --- shelters ---------------------------------------------------------------------------


@router.get("/shelters", response={200: list[ShelterOut], 400: Error, 404: Error})
@paginate(Pagination)
def list_shelters(request, cell: str | None = None):
    """Shelters in your scope and those above it that your cells use (of ``cell``'s subtree)."""
    found = visible_shelters(request.user).select_related("cell")
    return _in(found, request.user, cell).order_by("cell_path", "name", "id")


@router.post("/shelters", response={201: ShelterOut, 200: ShelterOut, **ERRORS})
def create_shelter(request, payload: ShelterNewIn):
    """登记 a shelter; its capacity is the area ÷ the per-person area. Idempotent on
    ``client_uuid``."""
    user = request.user
    cell = _cell(user, payload.cell)

    def make():
        return actions.create_shelter(user, cell=cell, **_shelter_fields(user, payload))

    s, created = submit(payload.client_uuid, "resources.shelter", user, make)
    return HttpStatus(201 if created else 200, access_shelter(user, s.pk))


@router.get("/shelters/{int:shelter_id}", response={200: ShelterOut, 404: Error})
def get_shelter(request, shelter_id: int):
    return access_shelter(request.user, shelter_id)


@router.put("/shelters/{int:shelter_id}", response={200: ShelterOut, **ERRORS})
def edit_shelter(request, shelter_id: int, payload: ShelterIn):
    """Edit a shelter's particulars (a changed area recomputes its capacity)."""
    s = access_shelter(request.user, shelter_id)
    fields = _shelter_fields(request.user, payload, sent_only=True)
    actions.edit_shelter(request.user, s, **fields)
    return access_shelter(request.user, shelter_id)


@router.post("/shelters/{int:shelter_id}/steps/{step}", response={200: ShelterOut, **ERRORS})
def shelter_step(request, shelter_id: int, step: str, payload: ShelterStepIn):
    """开放 (open), 启用 (activate), 停用 (deactivate, occupancy back to 0), 关闭 (close)."""
    s = access_shelter(request.user, shelter_id)
    if step not in steps_shelters.STEPS or step == steps_shelters.OCCUPANCY:
        raise ActionError(_("未知的操作"), "step")
    steps_shelters.take(request.user, s, step, {"note": payload.note})
    return access_shelter(request.user, shelter_id)


@router.post("/shelters/{int:shelter_id}/occupancy", response={200: ShelterOut, **ERRORS})
def shelter_occupancy(request, shelter_id: int, payload: OccupancyIn):
    """How many people are in the shelter now (only while 使用中)."""
    s = access_shelter(request.user, shelter_id)
    steps_shelters.take(request.user, s, steps_shelters.OCCUPANCY, payload.dict())
    return access_shelter(request.user, shelter_id)


# --- routes -----------------------------------------------------------------------------


@router.get("/routes", response={200: list[RouteOut], 400: Error, 404: Error})
@paginate(Pagination)
def list_routes(request, cell: str | None = None):
    found = visible_routes(request.user).select_related("cell")
    return _in(found, request.user, cell).order_by("cell_path", "id")


@router.post("/routes", response={201: RouteOut, 200: RouteOut, **ERRORS})
def create_route(request, payload: RouteIn):
    """A route from a place in a cell to a shelter: a GeoJSON LineString that does not cross
    itself, inside China; its length is computed. Idempotent on ``client_uuid``."""
    user = request.user
    cell = _cell(user, payload.cell)
    shelter = _shelter(user, payload.shelter)

    def make():
        return actions.create_route(
            user,
            cell=cell,
            origin=payload.origin,
            shelter=shelter,
            line=payload.line,
            note=payload.note,
        )

    r, created = submit(payload.client_uuid, "resources.route", user, make)
    return HttpStatus(201 if created else 200, access_route(user, r.pk))


@router.get("/routes/{int:route_id}", response={200: RouteOut, 404: Error})
def get_route(request, route_id: int):
    return access_route(request.user, route_id)


# --- households -------------------------------------------------------------------------


@router.get("/households", response={200: list[HouseholdOut], 400: Error, 404: Error})
@paginate(Pagination)
def list_households(request, cell: str | None = None):
    """The transfer lists' households in your scope (of ``cell``'s subtree), paginated."""
    found = visible_households(request.user).select_related("cell", "cadre")
    return _in(found, request.user, cell).order_by("cell_path", "id")


@router.post("/households", response={201: HouseholdOut, 200: HouseholdOut, **ERRORS})
def create_household(request, payload: HouseholdIn):
    """A household on a cell's transfer list. Idempotent on ``client_uuid``."""
    user = request.user
    cell = _cell(user, payload.cell)
    fields = {
        "head": payload.head,
        "phone": payload.phone,
        "members": payload.members,
        "vulnerable": payload.vulnerable,
        "vulnerable_n": payload.vulnerable_n,
        "cadre": _person(user, payload.cadre_person, "cadre_person"),
        "cadre_name": payload.cadre_name,
        "cadre_phone": payload.cadre_phone,
        "shelter": _shelter(user, payload.shelter),
        "route": _route(user, payload.route),
    }

    def make():
        return actions.create_household(user, cell=cell, **fields)

    h, created = submit(payload.client_uuid, "resources.household", user, make)
    return HttpStatus(201 if created else 200, access_household(user, h.pk))


@router.get("/households/{int:household_id}", response={200: HouseholdOut, 404: Error})
def get_household(request, household_id: int):
    return access_household(request.user, household_id)


# --- coverage ---------------------------------------------------------------------------


def _coverage_row(c) -> dict:
    return {
        "code": c.cell.code,
        "name": c.cell.name,
        "shelters": c.shelters,
        "capacity": c.capacity,
        "shelter_area": c.shelter_area,
        "listed_people": c.listed_people,
        "population": c.population,
        "area_per_person": c.area_per_person,
        "short": c.short,
    }


@router.get("/coverage", response={200: CoverageReportOut, 400: Error, 404: Error})
def coverage(request, cell: str | None = None):
    """Shelter coverage of a cell (your own by default) and each child: capacity against
    population, area per person against the rule; population unknown is not short."""
    whole, children = readiness_shelters.coverage(_cell(request.user, cell))
    return {
        "cell": _coverage_row(whole),
        "per_person_m2": readiness_shelters.per_person(),
        "short": sum(1 for c in children if c.short),
        "unknown": sum(1 for c in children if c.short is None),
        "children": [_coverage_row(c) for c in children],
    }
