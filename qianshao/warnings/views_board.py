"""The 叫应 board of a warning: counts per child cell (drill down from county to village),
who has not answered with their phone numbers, and the map coloured by answer rate. The
page asks for its own fresh partial every few seconds (htmx), so it changes by itself."""

from django.http import Http404
from django.shortcuts import render

from qianshao.grid.access import access_cell, visible_ancestors
from qianshao.warnings import board
from qianshao.warnings.access import access_warning

LISTED = 300  # people listed as not yet answered; the API pages through all of them
REFRESH_SECONDS = 5


def board_page(request, warning_number):
    w = access_warning(request.user, warning_number)
    code = request.GET.get("cell", "").strip().upper()
    cell = access_cell(request.user, code) if code else board.root_for(request.user, w)
    if cell is None:
        raise Http404(warning_number)
    found = board.board(request.user, w, cell)
    waiting = board.unanswered(request.user, w, cell)
    context = {
        "warning": w,
        "cell": cell,
        "board": found,
        "ancestors": [a for a in visible_ancestors(request.user, cell) if a.pk != cell.pk],
        "waiting": waiting[:LISTED],
        "waiting_more": max(found.total.waiting - LISTED, 0),
        "answered": board.answered(request.user, w, cell)[:50],
        "map_data": board.geojson(request.user, found),
        "refresh": REFRESH_SECONDS if w.is_active else None,
    }
    template = (
        "warnings/_board.html" if request.headers.get("HX-Request") else "warnings/board.html"
    )
    return render(request, template, context)
