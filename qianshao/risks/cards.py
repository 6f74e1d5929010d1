"""The risk points a cell's grid card (明白卡) lists, with their colours: the hook of
``lib.panels.Panel.cell_card`` (registered by ``risks.panels``), read by the grid's card,
its cell page and public page and the field home page through ``lib.panels.card_risks``.

The card lists the cell's own points in force, the gravest first (at most ``CARD_LIMIT``:
a printed card holds a handful). The grid card is printed and posted in the village and
its public page shows what it shows, so an anonymous visitor sees the names and colours;
only a signed-in user gets a link to each point's page (when the points' pages exist)."""

from django.db.models import Case, IntegerField, Value, When
from django.urls import NoReverseMatch, reverse

from qianshao.lib.panels import CardRisk
from qianshao.risks.models import GRADE_ORDER, RiskPoint, RiskStatus

CARD_LIMIT = 20
POINT_PAGE = "risks-point"  # the points part's page of a point


def _link(user, point_id: int) -> str:
    if not getattr(user, "is_authenticated", False):
        return ""
    try:
        return reverse(POINT_PAGE, args=[point_id])
    except NoReverseMatch:
        return ""


def cell_card(user, cell) -> list[CardRisk]:
    """The card's risks of ``cell`` (its own points in force), the gravest first."""
    rank = Case(
        *[When(grade=g, then=Value(n)) for n, g in enumerate(GRADE_ORDER)],
        output_field=IntegerField(),
    )
    points = (
        RiskPoint.objects.filter(cell_path=cell.path, status=RiskStatus.ACTIVE)
        .annotate(rank=rank)
        .order_by("rank", "name", "id")
        .only("id", "name", "grade")[:CARD_LIMIT]
    )
    return [
        CardRisk(p.name, p.grade, str(p.get_grade_display()), _link(user, p.pk)) for p in points
    ]
