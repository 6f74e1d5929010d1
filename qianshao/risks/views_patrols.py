"""The patrols' pages (phone first): today's route on a map and as a list with 打卡 buttons,
the check-in form (reached from the route or the notice board's QR code), a patrol's page,
and the statistics of a cell and month."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from qianshao.grid import tree
from qianshao.grid.access import cell_or_own, visible_ancestors
from qianshao.grid.models import Cell
from qianshao.hazards.queries import hazard_links
from qianshao.intake.idempotent import IntakeConflict
from qianshao.lib import keyset
from qianshao.lib.errors import ActionError, Conflict
from qianshao.lib.geojson import collection, feature, point
from qianshao.lib.periods import parse_month
from qianshao.lib.photos import jpeg_response, read_photos
from qianshao.risks import origins, permissions, route_patrols, stats_patrols, steps_patrols
from qianshao.risks.access import access_patrol, access_point, visible_patrols, visible_points
from qianshao.risks.forms_patrols import CheckInForm
from qianshao.risks.models import PatrolPhoto, Result, RiskStatus

PAGE_SIZE = 50


@require_GET
def patrol_today(request):
    """巡查: the user's points due by the end of today, in route order."""
    now = timezone.now()
    route = route_patrols.today(request.user, now)
    features = [
        feature(
            point(p.lon, p.lat),
            {"name": f"{n}. {p.name}", "order": n, "grade": p.grade},
        )
        for n, p in enumerate(route, start=1)
    ]
    if len(route) > 1:
        line = {"type": "LineString", "coordinates": [[p.lon, p.lat] for p in route]}
        features.append(feature(line, {"route": True}))
    context = {
        "route": [(p, p.next_due_at <= now) for p in route],
        "map_data": collection(features) if route else None,
    }
    return render(request, "risks/patrols/today.html", context)


def checkin(request, point_id):
    """打卡 at a point: from the route, or from the notice board's QR code (``?qr=``)."""
    p = access_point(request.user, point_id)
    if p.status != RiskStatus.ACTIVE:
        raise Http404(point_id)
    qr = request.GET.get("qr") or request.POST.get("qr") or ""
    form = CheckInForm(request.POST or None, request.FILES or None, initial={"qr": qr})
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            patrol = steps_patrols.check_in(request.user, p, data, read_photos(data["photos"]))
        except IntakeConflict:
            refusal = Conflict(_("该表单已提交过，请刷新页面"))
        except ActionError as exc:
            refusal = exc
        else:
            if patrol.result == Result.HAZARD and patrol.hazard_id is None:
                messages.success(request, _("已打卡，请填写隐患报告单"))
                query = urlencode({"origin": origins.ref(p), "patrol": patrol.pk})
                return redirect(f"{reverse('hazard-report')}?{query}")
            messages.success(request, _("已打卡：%(p)s") % {"p": p.name})
            return redirect("risks-patrol-today")
        for error in refusal.errors:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        status = refusal.status
    elif request.method == "POST":
        status = 400
    context = {
        "point": p,
        "form": form,
        "scanned": steps_patrols.scanned(p, qr),
        "may": permissions.patrols(request.user, p.cell_path),
        "map_data": collection([feature(p.geometry, {"name": p.name})]),
    }
    return render(request, "risks/patrols/checkin.html", context, status=status)


@require_GET
def patrol_page(request, patrol_id):
    patrol = access_patrol(request.user, patrol_id)
    hazard = hazard_links(request.user, [patrol.hazard_id]).get(patrol.hazard_id)
    context = {
        "patrol": patrol,
        "hazard": hazard,
        "photos": list(patrol.photos.all()),
        "report_url": (
            f"{reverse('hazard-report')}?"
            + urlencode({"origin": origins.ref(patrol.point), "patrol": patrol.pk})
            if patrol.result == Result.HAZARD and patrol.hazard_id is None
            else ""
        ),
    }
    return render(request, "risks/patrols/detail.html", context)


@require_GET
def patrol_photo(request, patrol_id, photo_id):
    patrol = access_patrol(request.user, patrol_id)
    photo = PatrolPhoto.objects.filter(patrol=patrol, pk=photo_id).first()
    if photo is None:
        raise Http404(photo_id)
    return jpeg_response(photo.image)


@require_GET
def patrol_stats(request):
    """巡查统计: a cell's children and people for a month, and its points' last patrols."""
    cell = cell_or_own(request.user, request.GET.get("cell"))
    try:
        first = parse_month(request.GET.get("month"))
    except ActionError as exc:
        return render(request, "risks/patrols/stats.html", {"cell": cell, "error": exc}, status=400)
    children = list(Cell.objects.filter(parent=cell).order_by("code"))
    figures = stats_patrols.figures([cell.path, *[c.path for c in children]], first)
    listed = stats_patrols.lists_people(cell)
    people = (
        stats_patrols.by_person(visible_patrols(request.user), cell.path, first) if listed else []
    )
    points = (
        visible_points(request.user)
        .filter(tree.subtree_q(cell.path, "cell_path"), status=RiskStatus.ACTIVE)
        .select_related("cell", "kind", "patroller")
        .order_by("cell_path", "name", "id")
    )
    page = keyset.page(request, points, PAGE_SIZE)
    labels = dict(Result.choices)
    for p in page:
        p.last_result_label = labels.get(p.last_result, "")
    context = {
        "cell": cell,
        "ancestors": visible_ancestors(request.user, cell),
        "month": f"{first:%Y-%m}",
        "total": figures[cell.path],
        "children": [(c, figures[c.path]) for c in children],
        "people": people,
        "people_listed": listed,
        "page": page,
        "now": timezone.now(),
    }
    return render(request, "risks/patrols/stats.html", context)
