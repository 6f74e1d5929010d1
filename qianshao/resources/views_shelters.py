"""The shelters' pages: a cell's shelters and their coverage, a shelter's page (its status
buttons and occupancy), the forms of shelters, routes and households, a cell's transfer list
(转移避险清单), a village's printable evacuation map (安全转移避险路线图) and the public page of
its open shelters that the map's QR code opens."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from qianshao.grid import tree
from qianshao.grid.access import access_cell, cell_or_own, visible_ancestors
from qianshao.grid.card import cell_rows, qr_svg
from qianshao.grid.maps import boundary_features
from qianshao.grid.models import BASE_KINDS, Cell
from qianshao.intake.pages import take
from qianshao.lib import keyset, ratelimit, xlsx
from qianshao.lib.errors import ActionError
from qianshao.lib.geojson import collection, feature, point
from qianshao.lib.tabular import ImportFailed
from qianshao.resources import actions_shelters as actions
from qianshao.resources import (
    importers_shelters,
    permissions,
    permissions_shelters,
    readiness_shelters,
    steps_shelters,
    xlsx_shelters,
)
from qianshao.resources.access_shelters import (
    access_household,
    access_route,
    access_shelter,
    visible_households,
    visible_routes,
    visible_shelters,
)
from qianshao.resources.forms_shelters import (
    HouseholdForm,
    ImportForm,
    OccupancyForm,
    RouteForm,
    ShelterForm,
    StepForm,
)
from qianshao.resources.models import SHELTER_FLOW, Route, Shelter, ShelterStatus
from qianshao.resources.sketch_shelters import sketch

PAGE_SIZE = 50
PUBLIC_PAGES_PER_HOUR = 30
OPEN = [ShelterStatus.OPEN, ShelterStatus.IN_USE]


def _cell(request) -> Cell:
    return cell_or_own(request.user, request.GET.get("cell"))


def _in(queryset, cell: Cell):
    return queryset.filter(tree.subtree_q(cell.path, "cell_path"))


def _serving(user, cell: Cell):
    """The shelters a cell's people may go to, as ``user`` sees them: in its subtree, its
    neighbours' (under the same parent) and at the cells above it."""
    parent = (tree.ancestor_paths(cell.path) or [cell.path])[-1]
    near = tree.subtree_q(parent, "cell_path") | Q(cell_path__in=tree.ancestor_paths(cell.path))
    return visible_shelters(user).filter(near).select_related("cell").order_by("cell_path", "name")


# --- shelters ---------------------------------------------------------------------------


@require_GET
def shelter_list(request):
    cell = _cell(request)
    found = _in(visible_shelters(request.user), cell).select_related("cell")
    page = keyset.page(request, found.order_by("cell_path", "name", "id"), PAGE_SIZE)
    context = {
        "cell": cell,
        "ancestors": visible_ancestors(request.user, cell),
        "page": page,
        "figures": readiness_shelters.figures([cell.path])[cell.path],
        "manages": permissions.manages(request.user, cell.path),
        "is_base": cell.kind in BASE_KINDS,
    }
    return render(request, "resources/shelters/list.html", context)


def shelter_new(request):
    cell = _cell(request)
    form = ShelterForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        s, refused = take(
            form,
            "resources.shelter",
            request.user,
            lambda: actions.create_shelter(request.user, cell=cell, **form.action_fields()),
        )
        if refused is None:
            messages.success(request, _("已登记避难场所"))
            return redirect("resources-shelter", shelter_id=s.pk)
        status = refused.status
    elif request.method == "POST":
        status = 400
    context = {"form": form, "cell": cell, "title": _("登记避难场所")}
    return render(request, "resources/shelters/form.html", context, status=status)


def shelter_edit(request, shelter_id):
    s = access_shelter(request.user, shelter_id)
    form = ShelterForm(request.POST or None, request.FILES or None, initial=ShelterForm.of(s))
    status = 200
    if request.method == "POST" and form.is_valid():
        done, refused = take(
            form,
            "resources.shelter.edit",
            request.user,
            lambda: actions.edit_shelter(request.user, s, **form.action_fields()),
            on=s,
        )
        if refused is None:
            messages.success(request, _("已保存"))
            return redirect("resources-shelter", shelter_id=s.pk)
        status = refused.status
    elif request.method == "POST":
        status = 400
    context = {"form": form, "cell": s.cell, "shelter": s, "title": _("编辑避难场所")}
    return render(request, "resources/shelters/form.html", context, status=status)


def _shelter_page(request, s: Shelter, *, occupancy_form=None, status=200):
    user = request.user
    steps = SHELTER_FLOW.allowed_steps(user, s, permissions_shelters.shelter_refusal)
    may = permissions.manages(user, s.cell_path)
    context = {
        "shelter": s,
        "ancestors": visible_ancestors(user, s.cell),
        "steps": [(step, SHELTER_FLOW.steps(step).label) for step in steps],
        "step_form": StepForm(),
        "occupancy_form": occupancy_form
        or (OccupancyForm(initial={"occupancy": s.occupancy}) if may else None),
        "in_use": s.status == ShelterStatus.IN_USE,
        "manages": may,
        "routes": visible_routes(user).filter(shelter=s).select_related("cell")[:PAGE_SIZE],
        "households": visible_households(user).filter(shelter=s).count(),
        "contact": s.contact(),
    }
    return render(request, "resources/shelters/detail.html", context, status=status)


@require_GET
def shelter_page(request, shelter_id):
    return _shelter_page(request, access_shelter(request.user, shelter_id))


@require_POST
def shelter_step(request, shelter_id, step):
    """A status step (开放, 启用, 停用, 关闭) or the occupancy figure, from the shelter's page."""
    s = access_shelter(request.user, shelter_id)
    if step not in steps_shelters.STEPS:
        raise Http404(step)
    is_occupancy = step == steps_shelters.OCCUPANCY
    form = (OccupancyForm if is_occupancy else StepForm)(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容"))
        return _shelter_page(request, s, occupancy_form=form if is_occupancy else None, status=400)
    done, refused = take(
        form,
        f"resources.shelter.{step}",
        request.user,
        lambda: steps_shelters.take(request.user, s, step, form.cleaned_data),
        on=s,
    )
    if refused is not None:
        messages.error(request, refused.message)
        s = access_shelter(request.user, shelter_id)
        return _shelter_page(
            request, s, occupancy_form=form if is_occupancy else None, status=refused.status
        )
    messages.success(request, _("已办理"))
    return redirect("resources-shelter", shelter_id=s.pk)


@require_GET
def ledger(request):
    """避难场所台账 of a cell's subtree as .xlsx."""
    cell = _cell(request)
    shelters = _in(visible_shelters(request.user), cell).select_related("cell", "manager")
    book = xlsx_shelters.ledger_workbook(cell, shelters.order_by("cell_path", "name", "id"))
    return xlsx.download(book, f"避难场所台账-{cell.name}.xlsx")


def shelter_import(request):
    """Shelters from a ledger file: every problem by row and column, or all of them made."""
    cell = _cell(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors, status = [], 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            made = importers_shelters.import_shelters(request.user, upload, upload.name)
        except ImportFailed as exc:
            errors, status = exc.errors, 400
        else:
            messages.success(request, _("已导入 %(n)s 处避难场所") % {"n": len(made)})
            return redirect(f"{reverse('resources-shelters')}?cell={cell.code}")
    elif request.method == "POST":
        status = 400
    context = {"form": form, "cell": cell, "errors": errors}
    return render(request, "resources/shelters/import.html", context, status=status)


@require_GET
def coverage(request):
    cell = _cell(request)
    whole, children = readiness_shelters.coverage(cell)
    context = {
        "cell": cell,
        "ancestors": visible_ancestors(request.user, cell),
        "whole": whole,
        "children": children,
        "short": sum(1 for c in children if c.short),
        "unknown": sum(1 for c in children if c.short is None),
        "per_person": readiness_shelters.per_person(),
    }
    return render(request, "resources/shelters/coverage.html", context)


# --- routes -----------------------------------------------------------------------------


def route_new(request):
    cell = _cell(request)
    shelters = list(_serving(request.user, cell)[:200])
    form = RouteForm(request.POST or None, request.FILES or None, shelters=shelters)
    status = 200
    if request.method == "POST" and form.is_valid():
        shelter = next((s for s in shelters if s.pk == form.cleaned_data["shelter"]), None)
        r, refused = take(
            form,
            "resources.route",
            request.user,
            lambda: actions.create_route(
                request.user,
                cell=cell,
                origin=form.cleaned_data["origin"],
                shelter=shelter,
                line=form.cleaned_data["line"],
                note=form.cleaned_data["note"],
            ),
        )
        if refused is None:
            messages.success(request, _("已添加转移路线"))
            return redirect("resources-route", route_id=r.pk)
        status = refused.status
    elif request.method == "POST":
        status = 400
    context = {"form": form, "cell": cell, "draw": _drawing(request.user, cell, shelters)}
    return render(request, "resources/shelters/route_form.html", context, status=status)


def _drawing(user, cell: Cell, shelters) -> dict:
    """What the route form's map shows under the line being drawn: the cell's boundary and
    the shelters it may lead to."""
    features = boundary_features(user, [(cell.pk, {"name": cell.name})])
    features += [
        feature(point(s.lon, s.lat), {"name": s.name}) for s in shelters if s.lon is not None
    ]
    return collection(features)


def route_edit(request, route_id):
    r = access_route(request.user, route_id)
    shelters = list(_serving(request.user, r.cell)[:200])
    if r.shelter_id not in {s.pk for s in shelters}:
        shelters.append(r.shelter)
    initial = {
        "origin": r.origin,
        "shelter": r.shelter_id,
        "line": json.dumps(r.line),
        "note": r.note,
    }
    form = RouteForm(
        request.POST or None, request.FILES or None, initial=initial, shelters=shelters
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        shelter = next((s for s in shelters if s.pk == form.cleaned_data["shelter"]), None)
        done, refused = take(
            form,
            "resources.route.edit",
            request.user,
            lambda: actions.edit_route(
                request.user,
                r,
                origin=form.cleaned_data["origin"],
                shelter=shelter,
                line=form.cleaned_data["line"],
                note=form.cleaned_data["note"],
            ),
            on=r,
        )
        if refused is None:
            messages.success(request, _("已保存"))
            return redirect("resources-route", route_id=r.pk)
        status = refused.status
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "cell": r.cell,
        "route": r,
        "draw": _drawing(request.user, r.cell, shelters),
    }
    return render(request, "resources/shelters/route_form.html", context, status=status)


@require_POST
def route_delete(request, route_id):
    """Remove a route no household follows (a second press finds it gone: 404)."""
    r = access_route(request.user, route_id)
    try:
        actions.delete_route(request.user, r)
    except ActionError as refused:
        messages.error(request, refused.message)
        return _route_page(request, r, status=refused.status)
    messages.success(request, _("已删除转移路线"))
    return redirect(f"{reverse('resources-shelters')}?cell={r.cell.code}")


@require_GET
def route_page(request, route_id):
    return _route_page(request, access_route(request.user, route_id))


def _route_page(request, r: Route, status: int = 200):
    context = {
        "route": r,
        "manages": permissions.manages(request.user, r.cell_path),
        "ancestors": visible_ancestors(request.user, r.cell),
        "sketch": sketch([r], [r.shelter]),
    }
    return render(request, "resources/shelters/route.html", context, status=status)


# --- households -------------------------------------------------------------------------


@require_GET
def household_list(request):
    """A cell's transfer list (转移避险清单), paginated along the (path, id) index."""
    cell = _cell(request)
    found = _in(visible_households(request.user), cell).select_related(
        "cell", "shelter", "route", "cadre"
    )
    page = keyset.page(request, found.order_by("cell_path", "id"), PAGE_SIZE)
    context = {
        "cell": cell,
        "ancestors": visible_ancestors(request.user, cell),
        "page": page,
        "figures": readiness_shelters.figures([cell.path])[cell.path],
        "manages": permissions.manages(request.user, cell.path),
    }
    return render(request, "resources/shelters/households.html", context)


def _household_form(request, cell, initial=None):
    shelters = list(_serving(request.user, cell)[:200])
    routes = list(
        visible_routes(request.user)
        .filter(Q(cell_path__in=tree.lineage(cell.path)) | tree.subtree_q(cell.path, "cell_path"))
        .select_related("shelter")[:200]
    )
    form = HouseholdForm(request.POST or None, initial=initial, shelters=shelters, routes=routes)
    return form, {s.pk: s for s in shelters}, {r.pk: r for r in routes}


def _household_fields(form, shelters, routes) -> dict:
    data = form.cleaned_data
    fields = {
        f: data[f]
        for f in (
            "head",
            "phone",
            "members",
            "vulnerable",
            "vulnerable_n",
            "cadre_name",
            "cadre_phone",
        )
    }
    fields["vulnerable_n"] = fields["vulnerable_n"] or 0
    fields["shelter"] = shelters.get(data["shelter"])
    fields["route"] = routes.get(data["route"])
    return fields


def household_new(request):
    cell = _cell(request)
    form, shelters, routes = _household_form(request, cell)
    status = 200
    if request.method == "POST" and form.is_valid():
        h, refused = take(
            form,
            "resources.household",
            request.user,
            lambda: actions.create_household(
                request.user, cell=cell, **_household_fields(form, shelters, routes)
            ),
        )
        if refused is None:
            messages.success(request, _("已加入转移避险清单"))
            return redirect(f"{reverse('resources-households')}?cell={cell.code}")
        status = refused.status
    elif request.method == "POST":
        status = 400
    context = {"form": form, "cell": cell, "title": _("加入转移避险清单")}
    return render(request, "resources/shelters/household_form.html", context, status=status)


def household_edit(request, household_id):
    h = access_household(request.user, household_id)
    initial = {
        f: getattr(h, f)
        for f in (
            "head",
            "phone",
            "members",
            "vulnerable",
            "vulnerable_n",
            "cadre_name",
            "cadre_phone",
        )
    } | {"shelter": h.shelter_id, "route": h.route_id}
    form, shelters, routes = _household_form(request, h.cell, initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        done, refused = take(
            form,
            "resources.household.edit",
            request.user,
            lambda: actions.edit_household(
                request.user, h, **_household_fields(form, shelters, routes)
            ),
            on=h,
        )
        if refused is None:
            messages.success(request, _("已保存"))
            return redirect(f"{reverse('resources-households')}?cell={h.cell.code}")
        status = refused.status
    elif request.method == "POST":
        status = 400
    context = {"form": form, "cell": h.cell, "title": _("编辑转移户")}
    return render(request, "resources/shelters/household_form.html", context, status=status)


@require_POST
def household_delete(request, household_id):
    """Take a household off its transfer list (a second press finds it gone: 404)."""
    h = access_household(request.user, household_id)
    back = f"{reverse('resources-households')}?cell={h.cell.code}"
    try:
        actions.delete_household(request.user, h)
    except ActionError as refused:
        return render(request, "403.html", {"exception": refused.message}, status=refused.status)
    messages.success(request, _("已移出清单"))
    return redirect(back)


# --- the evacuation map and the public page ---------------------------------------------


def _public_link(request, cell: Cell) -> str:
    path = reverse("resources-public-shelters", args=[cell.code])
    return f"{settings.BASE_URL}{path}" if settings.BASE_URL else request.build_absolute_uri(path)


def _village_routes(cell: Cell):
    return (
        Route.objects.filter(tree.subtree_q(cell.path, "cell_path"))
        .select_related("shelter", "shelter__cell", "shelter__manager")
        .order_by("id")[:100]
    )


@require_GET
def evacuation_map(request, code):
    """安全转移避险路线图 of a village (or any cell): its routes and the shelters they lead to
    on a sketch, the contacts, the transfer list's cadres, a QR to the public page."""
    cell = access_cell(request.user, code)
    routes = list(_village_routes(cell))
    shelters = {r.shelter_id: r.shelter for r in routes}
    for s in _in(Shelter.objects.all(), cell).select_related("cell", "manager")[:100]:
        shelters.setdefault(s.pk, s)
    cadres = {}
    for h in _in(visible_households(request.user), cell).select_related("cadre")[:1000]:
        name, phone = h.cadre_contact()
        if name:
            cadres.setdefault((name, phone), 0)
            cadres[(name, phone)] += h.members
    link = _public_link(request, cell)
    context = {
        "cell": cell,
        "ancestors": list(cell.ancestors()),
        "routes": routes,
        "shelters": list(shelters.values()),
        "sketch": sketch(routes, list(shelters.values())),
        "rows": cell_rows(cell),
        "cadres": sorted(cadres.items()),
        "figures": readiness_shelters.figures([cell.path])[cell.path],
        "qr": qr_svg(link),
        "link": link,
    }
    return render(request, "resources/shelters/evacuation.html", context)


@login_not_required
@require_GET
def public_shelters(request, code):
    """The public page of a village's open shelters (no login): the names of the places and
    cells down to the village, each shelter's capacity and facilities and its manager's duty
    contact, the routes' start and length. No household, no other phone."""
    address = request.META.get("REMOTE_ADDR", "")
    if ratelimit.spent("public-shelters", address, PUBLIC_PAGES_PER_HOUR):
        message = _("访问过于频繁，请一小时后再试")
        return render(request, "grid/public_too_many.html", {"message": message}, status=429)
    ratelimit.count("public-shelters", address)
    cell = Cell.objects.filter(code=code).first()
    if cell is None:
        raise Http404(code)
    routes = [r for r in _village_routes(cell) if r.shelter.status in OPEN]
    shelters = {r.shelter_id: r.shelter for r in routes}
    for s in _in(Shelter.objects.filter(status__in=OPEN), cell).select_related("cell", "manager")[
        :100
    ]:
        shelters.setdefault(s.pk, s)
    context = {
        "cell": cell,
        "ancestors": list(cell.ancestors()),
        "shelters": list(shelters.values()),
        "routes": routes,
        "sketch": sketch(routes, list(shelters.values())),
    }
    return render(request, "resources/shelters/public.html", context)
