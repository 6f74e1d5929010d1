"""Hazard pages: the list with its per-child counts, and the photos served through scope.

The hazard's own page is in ``views_detail``, its steps in ``views_steps``, the supervision
board in ``views_supervision`` and the phone pages in ``views_phone``.
"""

from django.shortcuts import render

from qianshao.grid.access import access_cell, visible_ancestors
from qianshao.hazards.access import access_photo, visible_hazards
from qianshao.hazards.forms import FilterForm
from qianshao.hazards.queries import child_summaries, filtered
from qianshao.lib import keyset
from qianshao.lib.photos import jpeg_response

PAGE_SIZE = 30


def hazard_list(request):
    form = FilterForm(request.GET)
    valid = form.is_valid()
    data = form.cleaned_data if valid else {}
    cell = access_cell(request.user, data["cell"].strip().upper()) if data.get("cell") else None
    hazards = filtered(visible_hazards(request.user), data, cell)
    page = keyset.page(request, hazards.select_related("category", "cell"), PAGE_SIZE, counted=True)
    context = {
        "form": form,
        "page": page,
        "cell": cell,
        "ancestors": visible_ancestors(request.user, cell) if cell else [],
        **child_summaries(request.user, cell),
    }
    return render(request, "hazards/list.html", context, status=200 if valid else 400)


def photo(request, photo_token):
    """A photo, only to those who see its hazard (never a public media URL)."""
    return jpeg_response(access_photo(request.user, photo_token).image)
