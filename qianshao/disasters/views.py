"""Today's board of the zero report — a map and a tree of cells coloured by reported, late
and missing, refreshing itself — and a cell's calendar of its reports."""

import calendar
from datetime import date, timedelta

from django.db.models import Q
from django.shortcuts import render

from qianshao.disasters import reports, schedule, stats
from qianshao.disasters.access import visible_disasters, visible_zero_reports
from qianshao.disasters.forms import CorrectForm
from qianshao.disasters.models import ReportStatus
from qianshao.grid import tree
from qianshao.grid.access import cell_or_own, visible_ancestors
from qianshao.grid.maps import boundary_features
from qianshao.grid.models import Cell
from qianshao.lib.errors import ActionError
from qianshao.lib.geojson import collection
from qianshao.lib.periods import local_bounds, parse_month

REFRESH_SECONDS = 30
BOARD_DISASTERS = 20


def _day(text: str | None) -> date:
    """``?day=``: today when not given; ActionError naming it when malformed, before 2000
    or to come."""
    return reports.parse_date(text, "day") or schedule.today()


def _refused(request, error: ActionError):
    """A query parameter is wrong: the 400 page naming it."""
    return render(request, "400.html", {"error": error}, status=error.status)


def _cell(request) -> Cell:
    return cell_or_own(request.user, request.GET.get("cell"))


def board(request):
    """The day's zero reports under a cell: totals, each child's, and — for the reporting
    cells right below — who reported, late or not at all."""
    cell = _cell(request)
    try:
        day = _day(request.GET.get("day"))
    except ActionError as exc:
        return _refused(request, exc)
    per_day = stats.completeness(cell, day)[day]
    children = stats.child_completeness(cell, day)
    colour = stats.statuses([c for c, _t in children], day)
    leaves = [(c, colour[c.code]) for c, _t in children if c.code in colour]
    context = {
        "cell": cell,
        "day": day,
        "is_today": day == schedule.today(),
        "deadline": schedule.deadline_label(),
        "total": per_day,
        "children": [(c, t, colour.get(c.code)) for c, t in children],
        "leaves": leaves,
        "ancestors": [a for a in visible_ancestors(request.user, cell) if a.pk != cell.pk],
        "map_data": _map(request.user, cell, children, colour, schedule.before_deadline(day)),
        "disasters": _disasters(request.user, cell, day),
        "refresh": REFRESH_SECONDS if day == schedule.today() else None,
        "previous": day - timedelta(days=1),
        "next": day + timedelta(days=1) if day < schedule.today() else None,
    }
    partial = request.headers.get("HX-Request")
    return render(request, "disasters/_board.html" if partial else "disasters/board.html", context)


def _disasters(user, cell, day) -> list:
    """The disaster reports under ``cell`` that began on ``day`` or are not yet verified
    (初报 or 续报 in progress), newest first."""
    start, end = local_bounds(day, day)
    began = Q(started_at__gte=start, started_at__lt=end)
    open_ = Q(status__in=[ReportStatus.REPORTED, ReportStatus.FOLLOWING], started_at__lt=end)
    return list(
        visible_disasters(user)
        .filter(tree.subtree_q(cell.path, "cell_path"))
        .filter(began | open_)
        .select_related("cell")
        .order_by("-started_at", "-id")[:BOARD_DISASTERS]
    )


def _map(user, cell, children, colour, pending: bool) -> dict:
    """The children's boundaries: a reporting cell coloured by its own status, a larger
    one by the share of its cells that reported (``pending`` before the deadline)."""
    return collection(
        boundary_features(
            user,
            [
                (
                    c.pk,
                    {
                        "code": c.code,
                        "name": c.name,
                        "status": colour.get(c.code, ""),
                        "rate": tally.received_rate,
                        "missing": tally.missing,
                        "pending": pending,
                    },
                )
                for c, tally in children
            ],
        )
    )


def calendar_page(request, error: str = "", status: int = 200):
    """A cell's month of zero reports: for a reporting cell each day's report, for a larger
    cell each day's received against expected."""
    cell = _cell(request)
    try:
        first = parse_month(request.GET.get("month"))
    except ActionError as exc:
        return _refused(request, exc)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    reporting = cell.kind in schedule.rule().kinds
    reports = {}
    if reporting:
        found = visible_zero_reports(request.user).filter(cell=cell, day__gte=first, day__lte=last)
        reports = {z.day: z for z in found.select_related("reporter", "disaster")}
    per_day = (
        stats.completeness(cell, first, min(last, schedule.today()))
        if first <= schedule.today()
        else {}
    )
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        weeks.append(
            [
                (d, reports.get(d), per_day.get(d))
                if d.month == first.month
                else (None, None, None)
                for d in week
            ]
        )
    context = {
        "cell": cell,
        "first": first,
        "weeks": weeks,
        "reporting": reporting,
        "today": schedule.today(),
        "pending": schedule.before_deadline(schedule.today()),
        "total": stats.total(per_day) if per_day else None,
        "previous": (first - timedelta(days=1)).strftime("%Y-%m"),
        "next": (last + timedelta(days=1)).strftime("%Y-%m") if last < schedule.today() else None,
        "ancestors": [a for a in visible_ancestors(request.user, cell) if a.pk != cell.pk],
        "error": error,
        "corrections": [
            (z, CorrectForm(initial={"kind": z.kind}, auto_id=f"correct-{z.pk}-%s"))
            for _d, z in sorted(reports.items())
        ],
    }
    return render(request, "disasters/calendar.html", context, status=status)
