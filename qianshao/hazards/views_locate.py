"""Where a located point lies, for the report forms' 定位: the phone form asks for the cell
in the user's scope that holds the point (as the report would place it); the public form
for the name of the cell it would be placed in, and nothing else (no code, no people).

A missing or malformed ``lon``/``lat`` is a 400 naming the field; a point outside the
user's scope (or outside every township, for the public) is a 404. The public asks at most
``PUBLIC_PER_HOUR`` times an hour from one address, then gets a 429."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from qianshao.grid.access import scope_roots
from qianshao.hazards import locate
from qianshao.hazards import public as actions
from qianshao.hazards.views_public import client_address
from qianshao.lib import ratelimit
from qianshao.lib.errors import ActionError

PUBLIC_PER_HOUR = 60


@require_GET
def locate_point(request):
    try:
        lon, lat = locate.read_point(request.GET)
    except ActionError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    cell = locate.locate(lon, lat, scope_roots(request.user))
    if cell is None:
        return JsonResponse({"detail": _("坐标不在您的辖区内"), "field": "lon"}, status=404)
    return JsonResponse({"cell": cell.code, "name": cell.name, "label": locate.place_name(cell)})


@login_not_required
@require_GET
def public_locate(request):
    address = client_address(request)
    if ratelimit.spent("public-locate", address, PUBLIC_PER_HOUR):
        response = JsonResponse({"detail": _("定位过于频繁，请一小时后再试")}, status=429)
        response["Retry-After"] = "3600"
        return response
    ratelimit.count("public-locate", address)
    try:
        lon, lat = locate.read_point(request.GET)
    except ActionError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    try:
        cell = actions.place(None, lon, lat)
    except ActionError as error:  # in no township of the platform
        return JsonResponse(error.as_dict(), status=404)
    return JsonResponse({"label": locate.public_place_name(cell)})
