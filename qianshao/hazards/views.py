"""Hazard pages: the list with its per-child counts, and the photos served through scope.

The hazard's own page is in ``views_detail``, its steps in ``views_steps``, the supervision
board in ``views_supervision`` and the phone pages in ``views_phone``.
"""

from django.core.paginator import Paginator
from django.shortcuts import render

from qianshao.grid import tree
from qianshao.grid.access import access_cell, scope_roots, visible_ancestors, visible_cells
from qianshao.grid.scope import scope_of
from qianshao.hazards import tally
from qianshao.hazards.access import access_photo, visible_hazards
from qianshao.hazards.forms import OPEN_CHOICE, FilterForm
from qianshao.hazards.models import OPEN
from qianshao.hazards.reports import figures
from qianshao.lib.photos import jpeg_response

PAGE_SIZE = 30


def hazard_list(request):
    form = FilterForm(request.GET)
    valid = form.is_valid()
    data = form.cleaned_data if valid else {}
    cell = access_cell(request.user, data["cell"].strip().upper()) if data.get("cell") else None
    hazards = filtered(visible_hazards(request.user), data, cell)
    page = Paginator(hazards.select_related("category", "cell"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "cell": cell,
        "ancestors": visible_ancestors(request.user, cell) if cell else [],
        **child_summaries(request.user, cell),
    }
    return render(request, "hazards/list.html", context, status=200 if valid else 400)


def filtered(hazards, data: dict, cell):
    if cell is not None:
        hazards = hazards.filter(tree.subtree_q(cell.path, "cell_path"))
    status = data.get("status")
    if status == OPEN_CHOICE:
        hazards = hazards.filter(status__in=OPEN)
    elif status:
        hazards = hazards.filter(status=status)
    if data.get("overdue"):
        hazards = hazards.filter(overdue=data["overdue"] == "1")
    for field in ["grade", "category", "source"]:
        if data.get(field):
            hazards = hazards.filter(**{field: data[field]})
    return hazards


def child_summaries(user, cell) -> dict:
    """The counts of the selected cell (or the user's scope roots) and of its children,
    from the tally: two queries however many children or hazards there are."""
    if cell is None:
        roots = scope_roots(user)
        cell = roots[0] if len(roots) == 1 and not scope_of(user).everything else None
    rows = list(visible_cells(user).children_of(cell)) if cell else scope_roots(user)
    counted = tally.counts([c.path for c in rows] + ([cell.path] if cell else []))
    return {
        "summary_cell": cell,
        "summary": summarise(counted[cell.path]) if cell else None,
        "children": [(child, summarise(counted[child.path])) for child in rows],
    }


def summarise(counter: dict) -> dict:
    """发现, 未销号, 超时, 重大未销号 — by the statistics table's definitions (one place)."""
    f = figures(counter)
    return {
        "found": f.found,
        "open": f.pending + f.rectifying,
        "overdue": f.overdue,
        "major": f.major_open,
    }


def photo(request, photo_token):
    """A photo, only to those who see its hazard (never a public media URL)."""
    return jpeg_response(access_photo(request.user, photo_token).image)
