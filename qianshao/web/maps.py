"""The map's layers over HTTP: which layers a user may see (``GET /map/layers/``) and one
layer as GeoJSON for a cell's subtree (``GET /map/layers/<name>.geojson?cell=<code>``).
The layers are those the areas register in their panels (``lib.panels``); nothing of the
areas is imported here. Login is required (the site's middleware); a cell outside the
user's scope and an unknown layer are 404 alike, a malformed cell code a 400 naming
``cell``."""

from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from qianshao.grid import tree
from qianshao.grid.access import access_cell, scope_roots
from qianshao.grid.models import Cell
from qianshao.grid.posts import primary_post
from qianshao.lib import panels
from qianshao.lib.errors import ActionError

GEOJSON = "application/geo+json"


@require_GET
def layer_list(request):
    """The layers ``request.user`` may see, in order: name, label and the URL of each."""
    return JsonResponse(
        [
            {
                "name": layer.name,
                "label": str(layer.label),
                "url": reverse("map-layer", args=[layer.name]),
            }
            for layer in panels.layers_for(request.user)
        ],
        safe=False,
    )


@require_GET
def layer_geojson(request, name: str):
    """The layer ``name`` for ``?cell=`` (default: the user's own cell, as on the home
    page) as a FeatureCollection whose ``properties`` name the layer and the cell."""
    layer = panels.layer(name)
    if layer is None or not layer.shown(request.user):
        raise Http404(name)
    try:
        cell = _cell(request)
    except ActionError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    body = layer.collection(request.user, cell, {"cell": cell.code})
    return JsonResponse(body, content_type=GEOJSON)


def _cell(request) -> Cell:
    """The cell of ``?cell=`` in the user's scope (404 when missing or not theirs alike),
    or without one the home page's: the cell of their primary post, else the top of their
    scope. A code that no cell could have is an ActionError naming ``cell``."""
    code = request.GET.get("cell", "").strip().upper()
    if code:
        if not tree.is_valid_code(code):
            raise ActionError(_("编码只能包含数字、大写字母和下划线，最长 20 位"), "cell")
        return access_cell(request.user, code)
    post = primary_post(request.user)
    if post is not None:
        return post.cell
    roots = scope_roots(request.user)
    if not roots:
        raise Http404("no scope")
    return roots[0]
