"""The 四色图 page (``/risks/?cell=&kind=&industry=``): the cell's children coloured by the
highest grade each holds, the risk points in their grade's colour, the open hazards found at
them, the legend, and a table of the children's points per grade and kind with the weighted
index, each child a drill-down. The cell comes through scope (``?cell=``, or the user's own):
404 outside it; a kind that does not exist or an industry too long is a 400 naming it."""

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from qianshao.grid.access import cell_or_own, visible_ancestors
from qianshao.hazards.queries import open_hazards_near
from qianshao.lib.forms import Form
from qianshao.lib.geojson import collection
from qianshao.risks import fourcolour, layers
from qianshao.risks.models import Grade, RiskKind

NEAR_METRES = 100  # a hazard this close to a risk point is shown as found at it


class FilterForm(Form):
    kind = forms.ChoiceField(label=_("风险类型"), required=False)
    industry = forms.CharField(label=_("行业"), required=False, max_length=32)

    def __init__(self, data, kinds):
        super().__init__(data)
        self.fields["kind"].choices = [("", _("全部类型"))] + [(k.code, k.name) for k in kinds]


def legend() -> list[tuple[str, str, str]]:
    return [(g.value, str(g.label), fourcolour.COLOURS[g.value]) for g in Grade]


def fourcolour_page(request):
    cell = cell_or_own(request.user, request.GET.get("cell"))
    kinds = list(RiskKind.objects.all())
    form = FilterForm(request.GET, kinds)
    valid = form.is_valid()
    kind = (form.cleaned_data.get("kind") or None) if valid else None
    industry = (form.cleaned_data.get("industry") or "").strip() or None if valid else None
    board = fourcolour.board(request.user, cell, kind=kind, industry=industry)
    points = layers.point_features(request.user, cell, kind=kind, industry=industry)
    places = [(f["properties"]["lon"], f["properties"]["lat"]) for f in points]
    hazards = open_hazards_near(request.user, cell, places, NEAR_METRES)
    for item in hazards:
        item["properties"]["layer"] = "hazard"
    cells = layers.cell_features(request.user, cell, board)
    for item in cells:
        item["properties"]["layer"] = "cell"
    for item in points:
        item["properties"]["layer"] = "point"
    names = {k.code: k.name for k in kinds}
    shown_kinds = [(code, names.get(code, code)) for code in sorted(board.whole.by_kind)]
    context = {
        "cell": cell,
        "ancestors": [a for a in visible_ancestors(request.user, cell) if a.pk != cell.pk],
        "form": form,
        "board": board,
        "grade_labels": list(
            zip(fourcolour.GRADES, [_("重大"), _("较大"), _("一般"), _("低")], strict=True)
        ),
        "legend": legend(),
        "kinds": shown_kinds,
        "rows": [
            (child, figures, [(name, figures.by_kind.get(code, 0)) for code, name in shown_kinds])
            for child, figures in board.children
        ],
        "whole_kinds": [(name, board.whole.by_kind.get(code, 0)) for code, name in shown_kinds],
        "map_data": collection([*cells, *points, *hazards]),
        "points_truncated": points.truncated,
        "points_limit": points.limit,
        "hazard_count": len(hazards),
        "query": {"kind": kind or "", "industry": industry or ""},
    }
    return render(request, "risks/fourcolour.html", context, status=200 if valid else 400)
