"""The public page of a cell (no login): what the QR code on its 明白卡 opens. It shows
what the printed card shows — the cell's and its parents' names, its people and their
phones, its risks, its duty phone — and a button to the public report form with the cell
filled in; nothing else of the platform. An unknown code is a plain 404."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from qianshao.grid.card import cell_rows
from qianshao.grid.models import Cell


@login_not_required
@require_GET
def public_cell(request, code):
    cell = Cell.objects.filter(code=code).first()
    if cell is None:
        raise Http404(code)
    context = {"cell": cell, "ancestors": list(cell.ancestors()), "rows": cell_rows(cell)}
    return render(request, "grid/public_cell.html", context)
