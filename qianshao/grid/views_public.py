"""The public page of a cell (no login): what the QR code on its 明白卡 opens. It shows
what the printed card shows — the cell's and its parents' names, its people and their
phones, its risks, its duty phone — and a button to the public report form with the cell
filled in; nothing else of the platform. An unknown code is a plain 404.

The people's phones are on the printed card, but a page lets a program read a whole
county's at once: an address reads at most ``PAGES_PER_HOUR`` cells an hour (a passer-by
scans one card), then gets a 429."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from qianshao.grid.card import cell_rows
from qianshao.grid.models import Cell
from qianshao.lib import panels, ratelimit

PAGES_PER_HOUR = 30


@login_not_required
@require_GET
def public_cell(request, code):
    # never a header the client sets: the client's own behind a trusted proxy (lib/proxy.py)
    address = request.META.get("REMOTE_ADDR", "")
    if ratelimit.spent("public-cell", address, PAGES_PER_HOUR):
        message = _("访问过于频繁，请一小时后再试")
        return render(request, "grid/public_too_many.html", {"message": message}, status=429)
    ratelimit.count("public-cell", address)
    cell = Cell.objects.filter(code=code).first()
    if cell is None:
        raise Http404(code)
    context = {
        "cell": cell,
        "ancestors": list(cell.ancestors()),
        "rows": cell_rows(cell),
        "card_risks": panels.card_risks(request.user, cell),
    }
    return render(request, "grid/public_cell.html", context)
