"""Report pages of 灾情报送: 零报告报送情况统计表 (a day's or a period's) and 自然灾害情况统计表,
on screen and as .xlsx downloads, as the hazards' report pages.

The cell comes from ``?cell=CODE`` through ``access_cell`` (404 when missing or outside the
user's scope, before any date is read), or is the user's first scope root. Dates come from
``?day=`` or ``?from=&to=``; a bad one answers the page again with a 400 naming the field.
"""

from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from qianshao.disasters import reports, xlsx
from qianshao.grid.access import cell_or_own, scope_roots, visible_ancestors
from qianshao.lib.errors import ActionError
from qianshao.lib.xlsx import download

PAGE_ROWS = 500  # rows of a list shown on the page; the download holds them all
COMPLETENESS = "disasters/reports/completeness.html"
STATISTICS = "disasters/reports/statistics.html"


def report_cell(request):
    return cell_or_own(request.user, request.GET.get("cell"))


def _context(request, cell) -> dict:
    """The navigation, and the dates as typed (shown again in the form after an error)."""
    return {
        "cell": cell,
        "ancestors": visible_ancestors(request.user, cell),
        "roots": scope_roots(request.user),
        "typed": {key: request.GET.get(key, "") for key in ("day", "from", "to")},
    }


def _period_or_error(request, cell, parse, template):
    """The requested dates, or the page again with a 400 naming the field."""
    try:
        return parse(request.GET), None
    except ActionError as exc:
        context = _context(request, cell) | {"error": exc}
        return None, render(request, template, context, status=exc.status)


def _dates(first, last, single: bool) -> dict:
    """The dates as the form shows them and as a query string for links that keep them."""
    if single:
        typed = {"day": first.isoformat()}
    else:
        typed = {"from": first.isoformat(), "to": last.isoformat()}
    return {"typed": typed, "query": urlencode(typed)}


@require_safe
def completeness(request):
    cell = report_cell(request)
    period, refused = _period_or_error(request, cell, reports.completeness_period, COMPLETENESS)
    if refused:
        return refused
    table = reports.completeness_table(request.user, cell, *period)
    context = _context(request, cell) | _dates(table.first, table.last, table.single_day)
    context |= {"table": table, "unreported": table.unreported[:PAGE_ROWS]}
    return render(request, COMPLETENESS, context)


@require_safe
def completeness_download(request):
    cell = report_cell(request)
    period, refused = _period_or_error(request, cell, reports.completeness_period, COMPLETENESS)
    if refused:
        return refused
    table = reports.completeness_table(request.user, cell, *period)
    name = _("零报告报送情况统计表-%(n)s-%(p)s.xlsx") % {
        "n": cell.name,
        "p": reports.period_slug(*period),
    }
    return download(xlsx.completeness_workbook(table), name)


@require_safe
def statistics(request):
    cell = report_cell(request)
    period, refused = _period_or_error(request, cell, reports.statistics_period, STATISTICS)
    if refused:
        return refused
    table = reports.statistics_table(request.user, cell, *period)
    context = _context(request, cell) | _dates(table.first, table.last, False)
    context |= {"table": table, "head": reports.indicator_head()}
    context["entries"] = table.entries[:PAGE_ROWS]
    return render(request, STATISTICS, context)


@require_safe
def statistics_download(request):
    cell = report_cell(request)
    period, refused = _period_or_error(request, cell, reports.statistics_period, STATISTICS)
    if refused:
        return refused
    table = reports.statistics_table(request.user, cell, *period)
    name = _("自然灾害情况统计表-%(n)s-%(p)s.xlsx") % {
        "n": cell.name,
        "p": reports.period_slug(*period),
    }
    return download(xlsx.statistics_workbook(table), name)
