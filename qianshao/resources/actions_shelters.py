"""The shelters part's actions: register and edit shelters, take their steps (开放, 启用, 停用,
关闭), record how many are in one while it is in use, change the per-person area, and keep
routes and transfer lists. Each: the permission first, the checks, the rows and the tallies
in one transaction, one audit record.

Tallies kept here (``tally``): ``shelters`` (count), ``capacity`` (people), ``shelter_area``
(m², whole), ``routes``, ``households``, ``listed_people`` (the households' members).
``actor`` is the user, or ``None`` for the system (imports, the demo).
"""

import re
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.grid import routing, tree
from qianshao.grid.models import Cell
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.lib.geojson import CHINA_LAT, CHINA_LON, checked_geometry, metres
from qianshao.lib.text import clean_text
from qianshao.notify.outbox import Notice
from qianshao.resources import permissions, permissions_shelters, rule_shelters, tally
from qianshao.resources.models import (
    SHELTER_FLOW,
    Household,
    Route,
    Shelter,
    ShelterCategory,
    ShelterRule,
    ShelterStatus,
    ShelterStep,
)

# the tallies this part keeps (moved with their cells by signals_shelters)
FIGURES = ("shelters", "capacity", "shelter_area", "routes", "households", "listed_people")
MAX_AREA = Decimal("100000000")  # 100 km² of effective area: beyond is a typing slip
MAX_OCCUPANCY = 1_000_000
MAX_MEMBERS = 99
PHONE = re.compile(r"^[0-9][0-9-]{5,19}$")
# A field its caller did not pass: an edit keeps the stored value (a page form without the
# field, an API body that left it out), a creation takes the default.
KEEP = object()


# --- checks -----------------------------------------------------------------------------


def _may_change(actor, path: str, field: str = "cell") -> None:
    if actor is None:
        return
    refused = permissions.change_refusal(actor, path)
    if refused:
        raise NotAllowed(refused, field)


def _phone(value: str, field: str) -> str:
    phone = (value or "").strip().replace(" ", "")
    if phone and not PHONE.match(phone):
        raise ActionError(_("电话号码格式不正确"), field)
    return phone


def _area(value) -> Decimal:
    try:
        area = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ActionError(_("有效面积须为数字"), "area_m2") from None
    if not area.is_finite() or area <= 0:
        raise ActionError(_("有效面积须大于 0"), "area_m2")
    if area > MAX_AREA:
        raise ActionError(_("有效面积超出合理范围"), "area_m2")
    return area


def _point(lon, lat) -> tuple[float | None, float | None]:
    if lon in (None, "") and lat in (None, ""):
        return None, None
    if lon in (None, "") or lat in (None, ""):
        raise ActionError(_("经度和纬度须同时填写"), "lon" if lon in (None, "") else "lat")
    try:
        lon = float(lon)
    except (TypeError, ValueError):
        raise ActionError(_("经度须为数字"), "lon") from None
    try:
        lat = float(lat)
    except (TypeError, ValueError):
        raise ActionError(_("纬度须为数字"), "lat") from None
    if not CHINA_LON[0] <= lon <= CHINA_LON[1]:
        raise ActionError(_("经度须在东经73–136°之间"), "lon")
    if not CHINA_LAT[0] <= lat <= CHINA_LAT[1]:
        raise ActionError(_("纬度须在北纬3–54°之间"), "lat")
    return lon, lat


def shelter_fields(
    *,
    name,
    category,
    area_m2,
    address="",
    lon=None,
    lat=None,
    outline=None,
    facilities=None,
    manager=KEEP,
    manager_name="",
    manager_phone="",
) -> dict:
    """The shelter's fields as stored, every problem raised at once, each naming its field."""
    found, errors = {}, []

    def check(fn):
        try:
            return fn()
        except ActionError as exc:
            errors.append(exc)
            return None

    found["name"] = check(lambda: clean_text(name, "name", limit=100))
    found["address"] = check(lambda: clean_text(address, "address", limit=200, required=False))
    if category not in ShelterCategory.values:
        errors.append(ActionError(_("请选择类别（Ⅰ、Ⅱ、Ⅲ类）"), "category"))
    found["category"] = category
    found["area_m2"] = check(lambda: _area(area_m2))
    point = check(lambda: _point(lon, lat)) or (None, None)
    found["lon"], found["lat"] = point
    found["outline"] = (
        check(lambda: checked_geometry(outline, "outline", ("Polygon",))) if outline else None
    )
    for f in Shelter.FACILITIES:
        found[f] = bool((facilities or {}).get(f))
    if manager is not KEEP:
        found["manager"] = manager
    found["manager_name"] = check(
        lambda: clean_text(manager_name, "manager_name", limit=32, required=False)
    )
    found["manager_phone"] = check(lambda: _phone(manager_phone, "manager_phone"))
    if errors:
        raise ActionError.every(errors)
    return found


# The fields an edit keeps when its caller leaves them out (the related person is kept by
# ``KEEP`` in the field checks; these are the plain values).
SHELTER_KEPT = (
    "name",
    "category",
    "area_m2",
    "address",
    "lon",
    "lat",
    "outline",
    "manager_name",
    "manager_phone",
)
HOUSEHOLD_KEPT = (
    "head",
    "phone",
    "members",
    "vulnerable",
    "vulnerable_n",
    "cadre_name",
    "cadre_phone",
    "shelter",
    "route",
)


def _kept(row, names: tuple[str, ...]) -> dict:
    """``row``'s stored values of ``names``, for an edit to fill in what it was not given."""
    found = {name: getattr(row, name) for name in names}
    if isinstance(row, Shelter):
        found["facilities"] = {f: getattr(row, f) for f in Shelter.FACILITIES}
    return found


def _moves(s: Shelter, sign: int = 1) -> list[tuple[str, str, str, int]]:
    """The tallies a shelter adds under its path (taken away with ``sign`` -1)."""
    return [
        (s.cell_path, "shelters", "", sign),
        (s.cell_path, "capacity", "", sign * s.capacity),
        (s.cell_path, "shelter_area", "", sign * int(s.area_m2)),
    ]


def _plain(s: Shelter) -> dict:
    return {
        "name": s.name,
        "category": s.category,
        "area_m2": str(s.area_m2),
        "capacity": s.capacity,
        "lon": s.lon,
        "lat": s.lat,
        "outline": bool(s.outline),
        "facilities": [f for f in Shelter.FACILITIES if getattr(s, f)],
        "manager": s.manager_id,
        "manager_name": s.manager_name,
        "manager_phone": s.manager_phone,
    }


# --- shelters ---------------------------------------------------------------------------


@transaction.atomic
def create_shelter(actor, *, cell: Cell, **fields) -> Shelter:
    """登记 a shelter in ``cell``: its capacity from the area and the rule. Side effects:
    the tallies of its path, one audit record."""
    _may_change(actor, cell.path)
    found = shelter_fields(**fields)
    now = timezone.now()
    s = Shelter(cell=cell, cell_path=cell.path, status_at=now, updated_at=now, **found)
    s.capacity = rule_shelters.capacity_of(s.area_m2)
    SHELTER_FLOW.begin(s, ShelterStep.CREATE)
    s.save(force_insert=True)
    tally.add_many(_moves(s))
    audit(
        actor=actor,
        action="resources.shelter.create",
        obj=s,
        cell_path=s.cell_path,
        after=_plain(s) | {"status": s.status},
    )
    return s


@transaction.atomic
def edit_shelter(actor, shelter: Shelter, **fields) -> Shelter:
    """Edit a shelter's particulars; a changed area recomputes its capacity. Side effects:
    the tallies moved by the difference, one audit record."""
    s = Shelter.objects.select_for_update().get(pk=shelter.pk)
    _may_change(actor, s.cell_path)
    kept = _kept(s, SHELTER_KEPT)
    facilities = kept["facilities"] | (fields.get("facilities") or {})
    found = shelter_fields(**(kept | fields | {"facilities": facilities}))
    before = _plain(s)
    moves = _moves(s, -1)
    for name, value in found.items():
        setattr(s, name, value)
    s.capacity = rule_shelters.capacity_of(s.area_m2)
    s.updated_at = timezone.now()
    s.save(update_fields=[*found, "capacity", "updated_at"])
    tally.add_many(moves + _moves(s))
    audit(
        actor=actor,
        action="resources.shelter.edit",
        obj=s,
        cell_path=s.cell_path,
        before=before,
        after=_plain(s),
    )
    return s


@transaction.atomic
def step_shelter(actor, shelter: Shelter, step: str, *, note: str = "") -> Shelter:
    """开放, 启用, 停用 or 关闭 a shelter through its flow; 停用 empties it (occupancy 0).
    Side effects: one audit record."""
    note = clean_text(note, "note", limit=500, required=False)
    if step not in ShelterStep.values or step == ShelterStep.CREATE:
        raise ActionError(_("未知的操作"), "step")
    s = SHELTER_FLOW.take(
        Shelter.objects.all(),
        shelter.pk,
        step,
        actor=actor,
        rule=permissions_shelters.shelter_refusal,
    )
    fields = ["status_at"]
    if step == ShelterStep.DEACTIVATE:
        s.occupancy = 0
        fields.append("occupancy")
    s.status_at = timezone.now()
    return SHELTER_FLOW.finish(actor, s, fields=fields, note=note, notices=[_told(s, step)])


def _told(s: Shelter, step: str) -> Notice | None:
    """启用 and 停用 are told to the township's (or the county's) dispatchers and heads and
    to the shelter's manager: they send people there, or stop sending them."""
    if step not in (ShelterStep.ACTIVATE, ShelterStep.DEACTIVATE):
        return None
    cell = Cell.objects.get(pk=s.cell_id)
    people = {p.pk: p for p in routing.triage_people(cell)}
    if s.manager_id:
        people.setdefault(s.manager_id, s.manager)
    if not people:
        return None
    subject = (
        _("【避难场所启用】%(s)s") if step == ShelterStep.ACTIVATE else _("【避难场所停用】%(s)s")
    ) % {"s": s.name}
    body = _("%(cell)s %(s)s，可容纳 %(n)s 人") % {"cell": cell.name, "s": s.name, "n": s.capacity}
    return Notice(
        f"resources.shelter.{step}",
        subject=subject,
        body=body,
        link=f"/resources/shelters/{s.pk}/",
        people=list(people.values()),
        payload={"shelter": s.pk, "status": s.status},
    )


@transaction.atomic
def set_occupancy(actor, shelter: Shelter, occupancy) -> Shelter:
    """How many people are in a shelter now: only while it is 使用中. Side effects: one
    audit record (the figure before and after)."""
    try:
        n = int(occupancy)
    except (TypeError, ValueError):
        raise ActionError(_("在场人数须为整数"), "occupancy") from None
    if n < 0 or n > MAX_OCCUPANCY:
        raise ActionError(_("在场人数超出合理范围"), "occupancy")
    s = Shelter.objects.select_for_update().get(pk=shelter.pk)
    _may_change(actor, s.cell_path, "occupancy")
    if s.status != ShelterStatus.IN_USE:
        raise Conflict(_("避难场所未启用，不能填报在场人数"), "occupancy")
    before = s.occupancy
    s.occupancy, s.updated_at = n, timezone.now()
    s.save(update_fields=["occupancy", "updated_at"])
    audit(
        actor=actor,
        action="resources.shelter.occupancy",
        obj=s,
        cell_path=s.cell_path,
        before={"occupancy": before},
        after={"occupancy": n, "capacity": s.capacity},
    )
    return s


@transaction.atomic
def change_rule(actor, per_person_m2) -> ShelterRule:
    """Change the per-person area (admin): every shelter's capacity is recomputed and the
    tallies rebuilt. Side effects: one audit record."""
    try:
        each = Decimal(str(per_person_m2)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ActionError(_("人均有效面积须为数字"), "per_person_m2") from None
    if not each.is_finite() or each < Decimal("0.1") or each > Decimal("1000"):
        raise ActionError(_("人均有效面积须在 0.1 至 1000 平方米之间"), "per_person_m2")
    rule = ShelterRule.objects.select_for_update().order_by("pk").first() or ShelterRule()
    before = str(rule.per_person_m2) if rule.pk else None
    rule.per_person_m2 = each
    rule.save()
    rule_shelters.forget()
    changed = []
    for s in Shelter.objects.select_for_update().only("pk", "area_m2", "capacity"):
        capacity = rule_shelters.capacity_of(s.area_m2, each)
        if capacity != s.capacity:
            s.capacity = capacity
            changed.append(s)
    Shelter.objects.bulk_update(changed, ["capacity"], batch_size=500)
    tally.rebuild()
    audit(
        actor=actor,
        action="resources.shelter.rule",
        obj=rule,
        before={"per_person_m2": before},
        after={"per_person_m2": str(each), "shelters_changed": len(changed)},
    )
    return rule


# --- routes -----------------------------------------------------------------------------


def _reaches(cell_path: str, shelter_path: str) -> bool:
    """May a route from ``cell_path`` lead to a shelter at ``shelter_path``: one in the cell,
    its neighbours (under the same parent) or at a cell above it."""
    parent = (tree.ancestor_paths(cell_path) or [cell_path])[-1]
    return tree.is_within(shelter_path, parent) or tree.is_within(cell_path, shelter_path)


def length_m(line: dict) -> int:
    """The length of a GeoJSON LineString in metres (haversine over each segment)."""
    total = 0.0
    points = line["coordinates"]
    for (lon1, lat1), (lon2, lat2) in zip(points, points[1:], strict=False):
        total += metres(lon1, lat1, lon2, lat2)
    return round(total)


def _route_fields(actor, cell_path: str, *, origin, shelter, line, note="") -> dict:
    errors, found = [], {}
    for name, fn in [
        ("origin", lambda: clean_text(origin, "origin", limit=100)),
        ("note", lambda: clean_text(note, "note", limit=200, required=False)),
        ("line", lambda: checked_geometry(line, "line", ("LineString",))),
    ]:
        try:
            found[name] = fn()
        except ActionError as exc:
            errors.append(exc)
    if shelter is None:
        errors.append(ActionError(_("请选择避难场所"), "shelter"))
    elif not _reaches(cell_path, shelter.cell_path):
        errors.append(ActionError(_("该避难场所不在本网格、相邻网格或上级网格"), "shelter"))
    if errors:
        raise ActionError.every(errors)
    found["shelter"] = shelter
    found["length_m"] = length_m(found["line"])
    return found


@transaction.atomic
def create_route(actor, *, cell: Cell, origin: str, shelter: Shelter, line, note="") -> Route:
    """A route from a place in ``cell`` to ``shelter`` (a GeoJSON LineString, its length
    computed). Side effects: the ``routes`` tally, one audit record."""
    _may_change(actor, cell.path)
    found = _route_fields(actor, cell.path, origin=origin, shelter=shelter, line=line, note=note)
    r = Route.objects.create(cell=cell, cell_path=cell.path, **found)
    tally.add(r.cell_path, "routes", 1)
    audit(
        actor=actor,
        action="resources.route.create",
        obj=r,
        cell_path=r.cell_path,
        after={"origin": r.origin, "shelter": shelter.pk, "length_m": r.length_m},
    )
    return r


@transaction.atomic
def edit_route(actor, route: Route, *, origin: str, shelter: Shelter, line, note="") -> Route:
    r = Route.objects.select_for_update().get(pk=route.pk)
    _may_change(actor, r.cell_path)
    found = _route_fields(actor, r.cell_path, origin=origin, shelter=shelter, line=line, note=note)
    before = {"origin": r.origin, "shelter": r.shelter_id, "length_m": r.length_m}
    for name, value in found.items():
        setattr(r, name, value)
    r.save(update_fields=list(found))
    moved = Household.objects.filter(route=r).exclude(shelter=shelter)
    # the households following the route go with it: each must be allowed the new shelter
    # (the household form's rule), else the change is refused whole
    far = [
        p for p in moved.values_list("cell_path", flat=True) if not _reaches(p, shelter.cell_path)
    ]
    if far:
        raise Conflict(
            _("有 %(n)s 户转移户所在网格不能使用该避难场所，请先修改清单") % {"n": len(far)},
            "shelter",
        )
    moved.update(shelter=shelter)
    audit(
        actor=actor,
        action="resources.route.edit",
        obj=r,
        cell_path=r.cell_path,
        before=before,
        after={"origin": r.origin, "shelter": shelter.pk, "length_m": r.length_m},
    )
    return r


@transaction.atomic
def delete_route(actor, route: Route) -> None:
    """Remove a route no household follows. Side effects: the tally, one audit record."""
    r = Route.objects.select_for_update().get(pk=route.pk)
    _may_change(actor, r.cell_path)
    if r.households.exists():
        raise Conflict(_("仍有转移户使用该路线，请先修改清单"), "route")
    audit(
        actor=actor,
        action="resources.route.delete",
        obj=r,
        cell_path=r.cell_path,
        before={"origin": r.origin, "shelter": r.shelter_id},
    )
    tally.add(r.cell_path, "routes", -1)
    r.delete()


# --- households -------------------------------------------------------------------------


def _household_fields(
    cell_path: str,
    *,
    head,
    members,
    phone="",
    vulnerable="",
    vulnerable_n=0,
    cadre=KEEP,
    cadre_name="",
    cadre_phone="",
    shelter=None,
    route=None,
) -> dict:
    errors, found = [], {}

    def check(name, fn):
        try:
            found[name] = fn()
        except ActionError as exc:
            errors.append(exc)

    check("head", lambda: clean_text(head, "head", limit=32))
    check("phone", lambda: _phone(phone, "phone"))
    check("members", lambda: _count(members, "members", 1, MAX_MEMBERS))
    check("vulnerable", lambda: clean_text(vulnerable, "vulnerable", limit=200, required=False))
    check("vulnerable_n", lambda: _count(vulnerable_n or 0, "vulnerable_n", 0, MAX_MEMBERS))
    check("cadre_name", lambda: clean_text(cadre_name, "cadre_name", limit=32, required=False))
    check("cadre_phone", lambda: _phone(cadre_phone, "cadre_phone"))
    if "members" in found and "vulnerable_n" in found and found["vulnerable_n"] > found["members"]:
        errors.append(ActionError(_("特殊人群人数不能多于家庭人数"), "vulnerable_n"))
    if route is not None:
        if not (
            tree.is_within(route.cell_path, cell_path) or tree.is_within(cell_path, route.cell_path)
        ):
            errors.append(ActionError(_("该路线不属于本网格"), "route"))
        if shelter is not None and shelter.pk != route.shelter_id:
            errors.append(ActionError(_("该路线不通往所选避难场所"), "route"))
        shelter = shelter or route.shelter
    if shelter is not None and not _reaches(cell_path, shelter.cell_path):
        errors.append(ActionError(_("该避难场所不在本网格、相邻网格或上级网格"), "shelter"))
    if errors:
        raise ActionError.every(errors)
    kept = {} if cadre is KEEP else {"cadre": cadre}
    return found | kept | {"shelter": shelter, "route": route}


def _count(value, field: str, low: int, high: int) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ActionError(_("须为整数"), field) from None
    if n < low or n > high:
        raise ActionError(_("须在 %(a)s 至 %(b)s 之间") % {"a": low, "b": high}, field)
    return n


def _household_plain(h: Household) -> dict:
    return {
        "head": h.head,
        "members": h.members,
        "vulnerable_n": h.vulnerable_n,
        "cadre": h.cadre_id,
        "cadre_name": h.cadre_name,
        "shelter": h.shelter_id,
        "route": h.route_id,
    }


@transaction.atomic
def create_household(actor, *, cell: Cell, **fields) -> Household:
    """A household on ``cell``'s transfer list. Side effects: the ``households`` and
    ``listed_people`` tallies, one audit record (no phone numbers in it)."""
    _may_change(actor, cell.path)
    found = _household_fields(cell.path, **fields)
    h = Household.objects.create(cell=cell, cell_path=cell.path, **found)
    tally.add_many(
        [(h.cell_path, "households", "", 1), (h.cell_path, "listed_people", "", h.members)]
    )
    audit(
        actor=actor,
        action="resources.household.create",
        obj=h,
        cell_path=h.cell_path,
        after=_household_plain(h),
    )
    return h


@transaction.atomic
def edit_household(actor, household: Household, **fields) -> Household:
    h = Household.objects.select_for_update().get(pk=household.pk)
    _may_change(actor, h.cell_path)
    found = _household_fields(h.cell_path, **(_kept(h, HOUSEHOLD_KEPT) | fields))
    before = _household_plain(h)
    moved = found["members"] - h.members
    for name, value in found.items():
        setattr(h, name, value)
    h.save(update_fields=list(found))
    tally.add(h.cell_path, "listed_people", moved)
    audit(
        actor=actor,
        action="resources.household.edit",
        obj=h,
        cell_path=h.cell_path,
        before=before,
        after=_household_plain(h),
    )
    return h


@transaction.atomic
def delete_household(actor, household: Household) -> None:
    """Take a household off the list (moved away, no longer at risk)."""
    h = Household.objects.select_for_update().get(pk=household.pk)
    _may_change(actor, h.cell_path)
    audit(
        actor=actor,
        action="resources.household.delete",
        obj=h,
        cell_path=h.cell_path,
        before=_household_plain(h),
    )
    tally.add_many(
        [(h.cell_path, "households", "", -1), (h.cell_path, "listed_people", "", -h.members)]
    )
    h.delete()


# --- tallies from the records -----------------------------------------------------------


@tally.recounts("shelters", "capacity", "shelter_area")
def _recount_shelters():
    for path, capacity, area in Shelter.objects.values_list("cell_path", "capacity", "area_m2"):
        yield "shelters", path, "", 1
        yield "capacity", path, "", capacity
        yield "shelter_area", path, "", int(area)


@tally.recounts("routes")
def _recount_routes():
    for path in Route.objects.values_list("cell_path", flat=True):
        yield "routes", path, "", 1


@tally.recounts("households", "listed_people")
def _recount_households():
    for path, members in Household.objects.values_list("cell_path", "members"):
        yield "households", path, "", 1
        yield "listed_people", path, "", members
