"""The readiness view (应急资源一张表) of a cell, drilling down child by child; the cell comes
through scope (``?cell=``, or the user's own): 404 outside it."""

from django.shortcuts import render

from qianshao.grid.access import cell_or_own, visible_ancestors
from qianshao.resources import readiness


def readiness_page(request):
    cell = cell_or_own(request.user, request.GET.get("cell"))
    found = readiness.table(cell)
    classes = readiness.class_names()
    context = {
        "cell": cell,
        "table": found,
        "classes": classes,
        "class_totals": [
            (classes.get(code, code), n)
            for code, n in zip(readiness.CLASSES, found.total.by_class, strict=True)
        ],
        # each child with its batches by class, labelled for the phone's stacked rows
        "rows": [
            (r, [(code, n) for code, n in zip(readiness.CLASSES, r.by_class, strict=True)])
            for r in found.children
        ],
        "ancestors": [a for a in visible_ancestors(request.user, cell) if a.pk != cell.pk],
    }
    return render(request, "resources/readiness.html", context)
