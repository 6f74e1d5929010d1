"""Report pages: 网格隐患统计表 and 隐患月报表, on screen and as .xlsx downloads.

The cell comes from ``?cell=CODE`` through ``access_cell`` (404 when missing or outside the
user's scope), or is the user's first scope root; hazards come through ``restrict``.
"""

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from qianshao.grid.access import cell_or_own, scope_roots, visible_ancestors, visible_cells
from qianshao.grid.scope import restrict
from qianshao.hazards import xlsx
from qianshao.hazards.models import Hazard
from qianshao.hazards.reports import monthly_report, stats_table
from qianshao.lib.errors import ActionError
from qianshao.lib.periods import parse_month
from qianshao.lib.xlsx import download

PAGE_ROWS = 500  # rows of a list shown on the page; the download holds them all


def report_cell(request):
    return cell_or_own(request.user, request.GET.get("cell"))


def _navigation(request, cell) -> dict:
    return {
        "cell": cell,
        "ancestors": visible_ancestors(request.user, cell),
        "children": list(visible_cells(request.user).children_of(cell)),
        "roots": scope_roots(request.user),
    }


@require_safe
def stats(request):
    cell = report_cell(request)
    context = _navigation(request, cell)
    context["table"] = stats_table(cell, context["children"])
    return render(request, "hazards/reports/stats.html", context)


@require_safe
def stats_download(request):
    cell = report_cell(request)
    table = stats_table(cell, list(visible_cells(request.user).children_of(cell)))
    name = _("网格隐患统计表-%(n)s-%(d)s.xlsx") % {
        "n": cell.name,
        "d": timezone.localdate(table.at).isoformat(),
    }
    return download(xlsx.stats_workbook(table), name)


def _month_or_error(request, cell):
    """The requested month, or the page again with a 400 naming the field."""
    try:
        return parse_month(request.GET.get("month")), None
    except ActionError as exc:
        context = _navigation(request, cell) | {"error": exc, "month": request.GET["month"]}
        return None, render(request, "hazards/reports/monthly.html", context, status=exc.status)


@require_safe
def monthly(request):
    cell = report_cell(request)
    first, refused = _month_or_error(request, cell)
    if refused:
        return refused
    report = monthly_report(restrict(Hazard.objects.all(), request.user), cell, first)
    context = _navigation(request, cell) | {
        "report": report,
        "month": f"{first:%Y-%m}",
        "page_rows": PAGE_ROWS,
        "reported": report.reported[:PAGE_ROWS],
        "open": report.open[:PAGE_ROWS],
    }
    return render(request, "hazards/reports/monthly.html", context)


@require_safe
def monthly_download(request):
    cell = report_cell(request)
    first, refused = _month_or_error(request, cell)
    if refused:
        return refused
    report = monthly_report(restrict(Hazard.objects.all(), request.user), cell, first)
    name = _("隐患月报表-%(n)s-%(m)s.xlsx") % {"n": cell.name, "m": f"{first:%Y-%m}"}
    return download(xlsx.monthly_workbook(report), name)
