from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from qianshao.grid.access import scope_roots, visible_assignments, visible_cells
from qianshao.grid.maps import cell_map
from qianshao.grid.posts import primary_post
from qianshao.grid.stats import child_counts, subtree_counts
from qianshao.lib import panels
from qianshao.ops import health
from qianshao.web.posts import home_kind


def home(request):
    assignment = primary_post(request.user)
    kind = home_kind(assignment)
    cell = assignment.cell if assignment else None
    if cell is None and request.user.is_superuser:
        roots = scope_roots(request.user)
        if roots:
            kind, cell = "overview", roots[0]
    context = {"assignment": assignment, "cell": cell, "home_kind": kind}
    if request.user.is_superuser:  # the platform's health on the administrator's home page
        context["ops_status"] = health.check()
    if cell is not None:
        context |= {
            "counts": subtree_counts(cell),
            "children": visible_cells(request.user).children_of(cell),
            "child_counts": child_counts(cell),
            "cell_map": cell_map(request.user, cell),
            "card_risks": panels.card_risks(request.user, cell),
            "on_duty": panels.on_duty(request.user, cell),
            "my_assignments": visible_assignments(request.user)
            .active()
            .filter(person__user=request.user),
        }
        for panel in panels.registered():  # each area's part (its panels.py)
            context |= panel.home(request.user, cell)
    if kind == "department":
        context["department"] = assignment.department
        context["members"] = (
            visible_assignments(request.user)
            .active()
            .filter(department=assignment.department)
            .by_rank()
        )
    if kind == "field":
        context["people"] = visible_assignments(request.user).active().filter(cell=cell).by_rank()
    return render(request, f"web/home_{kind}.html", context)


@login_not_required
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@require_GET
def favicon(request):
    """Browsers ask ``/favicon.ico`` whatever the page says: sent to the site's icon."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
