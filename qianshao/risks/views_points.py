"""The risk points' pages: a cell's points (keyset pages along the (cell_path, id) index),
a point's page (its grade explained, its grade history, measures and last patrols, the
buttons its viewer may press), the forms, 三清单 of a cell (page and .xlsx), the printable
risk notice board (风险告知牌) and the public pages its QR code and the county publish."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from qianshao.grid import tree
from qianshao.grid.access import cell_or_own, visible_ancestors, visible_people
from qianshao.grid.card import qr_svg
from qianshao.grid.maps import boundary_features
from qianshao.grid.models import Cell, CellKind, RoleAssignment
from qianshao.intake.pages import take
from qianshao.lib import keyset, ratelimit, xlsx
from qianshao.lib.errors import ActionError
from qianshao.lib.geojson import collection
from qianshao.risks import actions_points as actions
from qianshao.risks import grading, lists, permissions, steps_points, xlsx_lists
from qianshao.risks.access import access_point, visible_points
from qianshao.risks.forms_points import MeasuresForm, PointForm, RegradeForm, StepForm
from qianshao.risks.models import (
    Grade,
    GradeRecord,
    Measure,
    MeasureList,
    Patrol,
    RiskKind,
    RiskPoint,
    RiskStatus,
)

PAGE_SIZE = 50
LAST_PATROLS = 10
GRADE_HISTORY = 50
PUBLIC_PAGES_PER_HOUR = 60
PUBLIC_POINTS = 500
CHOICES = 200
HOTLINES = [
    ("12350", gettext_lazy("安全生产举报")),
    ("119", gettext_lazy("火警")),
    ("110", gettext_lazy("报警")),
    ("120", gettext_lazy("急救")),
]
# the page's steps (those with a form of their own have their own page)
BUTTON_STEPS = (steps_points.RETIRE, steps_points.PUBLISH, steps_points.UNPUBLISH)


def _bad(request, message: str, field: str):
    error = ActionError(message, field)
    return render(request, "400.html", {"error": error}, status=error.status)


def _in(queryset, cell: Cell):
    return queryset.filter(tree.subtree_q(cell.path, "cell_path"))


# --- the list ---------------------------------------------------------------------------


@require_GET
def point_list(request):
    """A cell's points, filtered by grade and kind, 50 at a time along the (cell_path, id)
    index (keyset pages: ``cursor``)."""
    cell = cell_or_own(request.user, request.GET.get("cell"))
    found = _in(visible_points(request.user), cell)
    grade = request.GET.get("grade") or ""
    if grade:
        if grade not in Grade.values:
            return _bad(request, _("风险等级须为 red、orange、yellow、blue 之一"), "grade")
        found = found.filter(grade=grade)
    kinds = list(RiskKind.objects.all())
    kind = request.GET.get("kind") or ""
    if kind:
        chosen = next((k for k in kinds if k.code == kind), None)
        if chosen is None:
            return _bad(request, _("风险类型不存在"), "kind")
        found = found.filter(kind=chosen)
    retired = request.GET.get("status") == RiskStatus.RETIRED
    found = found.filter(status=RiskStatus.RETIRED if retired else RiskStatus.ACTIVE)
    points = found.select_related("cell", "kind", "responsible").order_by("cell_path", "id")
    context = {
        "cell": cell,
        "ancestors": visible_ancestors(request.user, cell),
        "page": keyset.page(request, points, PAGE_SIZE),
        "grades": Grade.choices,
        "kinds": kinds,
        "grade": grade,
        "kind": kind,
        "retired": retired,
        "manages": permissions.manages(request.user, cell.path),
    }
    return render(request, "risks/points.html", context)


# --- the forms --------------------------------------------------------------------------


def _choices(user, cell: Cell, keep=()):
    """The people (those holding a post at the cell or above, or in its subtree, in scope)
    and enterprises (of the cell's subtree) the point's form offers."""
    ids = (
        RoleAssignment.objects.active()
        .filter(Q(cell__path__in=tree.lineage(cell.path)) | tree.subtree_q(cell.path, "cell__path"))
        .values_list("person_id", flat=True)[:CHOICES]
    )
    people = list(
        visible_people(user)
        .filter(Q(pk__in=list(ids)) | Q(pk__in=[k for k in keep if k]))
        .distinct()
        .order_by("name", "id")
    )
    enterprises = list(
        Cell.objects.filter(tree.subtree_q(cell.path), kind=CellKind.ENTERPRISE).order_by("path")[
            :CHOICES
        ]
    )
    return {p.pk: p for p in people}, {c.pk: c for c in enterprises}


def _drawing(user, cell: Cell) -> dict:
    """What the form's map shows under the point being placed: the cell's boundary."""
    return collection(boundary_features(user, [(cell.pk, {"name": cell.name})]))


def _kinds():
    return list(RiskKind.objects.all())


def point_new(request):
    cell = cell_or_own(request.user, request.GET.get("cell"))
    people, enterprises = _choices(request.user, cell)
    kinds = _kinds()
    form = PointForm(
        request.POST or None,
        request.FILES or None,
        kinds=kinds,
        people=people.values(),
        enterprises=enterprises.values(),
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        kind = next(k for k in kinds if k.code == form.cleaned_data["kind"])
        fields = form.particulars(people, enterprises) | form.grading_fields(kind.method)
        p, refused = take(
            form,
            "risks.point",
            request.user,
            lambda: actions.create_point(request.user, cell=cell, kind=kind, **fields),
        )
        if refused is None:
            messages.success(request, _("已登记风险点"))
            return redirect("risks-point", point_id=p.pk)
        status = refused.status
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "cell": cell,
        "methods": {k.code: k.method for k in kinds},
        "title": _("登记风险点"),
        "draw": _drawing(request.user, cell),
    }
    return render(request, "risks/point_form.html", context, status=status)


def point_edit(request, point_id):
    p = access_point(request.user, point_id)
    people, enterprises = _choices(request.user, p.cell, keep=[p.responsible_id, p.patroller_id])
    if p.enterprise_id:
        enterprises.setdefault(p.enterprise_id, p.enterprise)
    form = PointForm(
        request.POST or None,
        request.FILES or None,
        initial=PointForm.of(p),
        kinds=[k for k in _kinds() if k.method == p.method],
        people=people.values(),
        enterprises=enterprises.values(),
        grading=False,
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        kind = RiskKind.objects.get(code=form.cleaned_data["kind"])
        fields = form.particulars(people, enterprises, partial_geometry=True) | {"kind": kind}
        done, refused = take(
            form,
            "risks.point.edit",
            request.user,
            lambda: actions.edit_point(request.user, p, **fields),
            on=p,
        )
        if refused is None:
            messages.success(request, _("已保存"))
            return redirect("risks-point", point_id=p.pk)
        status = refused.status
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "cell": p.cell,
        "point": p,
        "title": _("编辑风险点"),
        "draw": _drawing(request.user, p.cell),
    }
    return render(request, "risks/point_form.html", context, status=status)


def point_regrade(request, point_id):
    p = access_point(request.user, point_id)
    form = RegradeForm(request.POST or None, initial=RegradeForm.of(p), method=p.method)
    status = 200
    if request.method == "POST" and form.is_valid():
        fields = form.grading_fields(p.method) | {"note": form.cleaned_data["note"]}
        done, refused = take(
            form,
            "risks.point.regrade",
            request.user,
            lambda: steps_points.take(request.user, p, steps_points.REGRADE, fields),
            on=p,
        )
        if refused is None:
            messages.success(request, _("已重新评级"))
            return redirect("risks-point", point_id=p.pk)
        status = refused.status
    elif request.method == "POST":
        status = 400
    context = {"form": form, "point": p, "cell": p.cell, "title": _("重新评级")}
    return render(request, "risks/point_regrade.html", context, status=status)


def point_measures(request, point_id):
    """The point's 管控措施清单 and 应急处置清单, a line each."""
    p = access_point(request.user, point_id)
    form = MeasuresForm(request.POST or None, initial=MeasuresForm.of(list(p.measures.all())))
    status = 200
    if request.method == "POST" and form.is_valid():
        measures = form.measures()
        done, refused = take(
            form,
            "risks.point.measures",
            request.user,
            lambda: steps_points.take(
                request.user, p, steps_points.MEASURES, {"measures": measures}
            ),
            on=p,
        )
        if refused is None:
            messages.success(request, _("已保存"))
            return redirect("risks-point", point_id=p.pk)
        _name_lines(form, refused, measures)
        status = refused.status
    elif request.method == "POST":
        status = 400
    context = {"form": form, "point": p, "cell": p.cell, "title": _("编辑措施清单")}
    return render(request, "risks/point_measures.html", context, status=status)


def _name_lines(form, refused: ActionError, measures: list[dict]) -> None:
    """A measure's problem (``measures.3.what``) on its list's field, naming its line."""
    for error in refused.errors:
        parts = (error.field or "").split(".")
        if (
            len(parts) < 2
            or parts[0] != "measures"
            or not (parts[1].isascii() and parts[1].isdigit())
        ):
            continue
        n = int(parts[1])
        if n >= len(measures):
            continue
        name = measures[n]["list"]
        line = sum(1 for m in measures[: n + 1] if m["list"] == name)
        form.add_error(name, _("第 %(n)s 项：%(m)s") % {"n": line, "m": error.message})


@require_POST
def point_step(request, point_id, step):
    """销号, 向社会公告 or 撤回公告, from the point's page."""
    p = access_point(request.user, point_id)
    if step not in BUTTON_STEPS:
        raise Http404(step)
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容"))
        return _point_page(request, p, status=400)
    done, refused = take(
        form,
        f"risks.point.{step}",
        request.user,
        lambda: steps_points.take(request.user, p, step, form.cleaned_data),
        on=p,
    )
    if refused is not None:
        messages.error(request, refused.message)
        return _point_page(request, access_point(request.user, point_id), status=refused.status)
    messages.success(request, _("已办理"))
    return redirect("risks-point", point_id=p.pk)


# --- the point's page -------------------------------------------------------------------


def _point_page(request, p: RiskPoint, status: int = 200):
    user = request.user
    may = p.status == RiskStatus.ACTIVE and permissions.manages(user, p.cell_path)
    steps = []
    if may:
        if p.grade == Grade.RED:
            steps.append(steps_points.UNPUBLISH if p.published else steps_points.PUBLISH)
        steps.append(steps_points.RETIRE)
    labels = {
        steps_points.PUBLISH: _("向社会公告"),
        steps_points.UNPUBLISH: _("撤回公告"),
        steps_points.RETIRE: _("销号"),
    }
    context = {
        "point": p,
        "ancestors": visible_ancestors(user, p.cell),
        "explanation": grading.explain(p.method, p.inputs, p.score),
        "grades": GradeRecord.objects.filter(point=p).order_by("-at", "-id")[:GRADE_HISTORY],
        "lists": lists.of_point(p),
        "patrols": Patrol.objects.filter(point=p)
        .select_related("patroller")
        .order_by("-due_at")[:LAST_PATROLS],
        "manages": may,
        "steps": [(step, labels[step]) for step in steps],
        "step_form": StepForm(),
    }
    return render(request, "risks/point.html", context, status=status)


@require_GET
def point_page(request, point_id):
    return _point_page(request, access_point(request.user, point_id))


# --- 三清单 -----------------------------------------------------------------------------


@require_GET
def lists_page(request):
    cell = cell_or_own(request.user, request.GET.get("cell"))
    context = {
        "cell": cell,
        "ancestors": visible_ancestors(request.user, cell),
        "lists": lists.of_cell(visible_points(request.user), cell),
        "max": lists.MAX_POINTS,
    }
    return render(request, "risks/point_lists.html", context)


@require_GET
def lists_xlsx(request):
    cell = cell_or_own(request.user, request.GET.get("cell"))
    book = xlsx_lists.lists_workbook(cell, lists.of_cell(visible_points(request.user), cell))
    return xlsx.download(book, f"风险三清单-{cell.name}.xlsx")


# --- the notice board and the public pages ----------------------------------------------


def _county(path: str) -> Cell | None:
    codes = tree.codes_of(path)
    return Cell.objects.filter(kind=CellKind.COUNTY, code__in=codes).first()


def _public_link(request, p: RiskPoint) -> str:
    path = reverse("risks-public-point", args=[p.public_key])
    return f"{settings.BASE_URL}{path}" if settings.BASE_URL else request.build_absolute_uri(path)


@require_GET
def point_board(request, point_id):
    """风险告知牌: a printable A4 page — the grade's colour band, hazards, measures, the
    responsible person and phone, the emergency numbers (and the county's duty phone), and
    a QR code to the point's public page (it answers once the point is published)."""
    p = access_point(request.user, point_id)
    county = _county(p.cell_path)
    link = _public_link(request, p)
    context = {
        "point": p,
        "lists": lists.of_point(p),
        "hotlines": HOTLINES,
        "duty_phone": county.duty_phone if county else "",
        "county": county,
        "qr": qr_svg(link),
        "link": link,
    }
    return render(request, "risks/point_board.html", context)


def _too_many(request):
    address = request.META.get("REMOTE_ADDR", "")
    if ratelimit.spent("public-risks", address, PUBLIC_PAGES_PER_HOUR):
        message = _("访问过于频繁，请一小时后再试")
        return render(request, "grid/public_too_many.html", {"message": message}, status=429)
    ratelimit.count("public-risks", address)
    return None


def _checkin_link(pk: int, public_key) -> str:
    """The patroller's check-in at a point, as scanned from its board (``?qr=``)."""
    return f"{reverse('risks-checkin', args=[pk])}?qr={public_key}"


def _published():
    return RiskPoint.objects.filter(
        published=True, status=RiskStatus.ACTIVE, grade=Grade.RED
    ).select_related("cell", "kind")


def _public_measures(points: list[RiskPoint]) -> None:
    """Each point's measures for the public (what to do and where to go; no phone)."""
    found: dict[int, list[Measure]] = {}
    for m in Measure.objects.filter(point__in=[p.pk for p in points]).order_by("order", "id"):
        found.setdefault(m.point_id, []).append(m)
    for p in points:
        mine = found.get(p.pk, [])
        p.controls = [m.what for m in mine if m.list == MeasureList.CONTROL]
        p.emergencies = [m for m in mine if m.list == MeasureList.EMERGENCY]


@login_not_required
@require_GET
def public_point(request, public_key):
    """A published point's public page (its notice board's QR code): name, place, grade,
    measures, responsible unit, the emergency numbers. No person's name or phone."""
    limited = _too_many(request)
    if limited:
        return limited
    p = _published().filter(public_key=public_key).first()
    if p is None:
        # the QR code of a board whose point is not published: nothing of the point, only
        # the patroller's way to the check-in (which asks them to log in and checks scope)
        found = RiskPoint.objects.filter(public_key=public_key, status=RiskStatus.ACTIVE)
        pk = found.values_list("pk", flat=True).first()
        if pk is None:
            raise Http404(public_key)
        return render(
            request,
            "risks/public_qr.html",
            {"checkin": _checkin_link(pk, public_key), "hotlines": HOTLINES},
        )
    _public_measures([p])
    county = _county(p.cell_path)
    context = {
        "point": p,
        "ancestors": list(p.cell.ancestors()),
        "checkin": _checkin_link(p.pk, public_key),
        "hotlines": HOTLINES,
        "duty_phone": county.duty_phone if county else "",
    }
    return render(request, "risks/public_point.html", context)


@login_not_required
@require_GET
def public_county(request, code):
    """A county's published major (red) risks: name, place, grade, measures, responsible
    unit. No person's name or phone; no point that is not published."""
    limited = _too_many(request)
    if limited:
        return limited
    county = Cell.objects.filter(code=code, kind=CellKind.COUNTY).first()
    if county is None:
        raise Http404(code)
    points = list(_in(_published(), county).order_by("cell_path", "id")[:PUBLIC_POINTS])
    _public_measures(points)
    context = {
        "county": county,
        "points": points,
        "hotlines": HOTLINES,
        "duty_phone": county.duty_phone,
    }
    return render(request, "risks/public.html", context)
