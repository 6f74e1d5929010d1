"""The risks' map endpoints under /api/v1/risks/: the 四色图's counts of a cell and each
child (per grade and kind, the highest grade, the weighted index), from the tally — or, with
an industry, from the records, bounded (``fourcolour``)."""

from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router

from qianshao.grid.access import cell_or_own
from qianshao.lib.errors import ActionError, NotFound
from qianshao.lib.schemas import Error, OutSchema
from qianshao.risks import fourcolour
from qianshao.risks.models import RiskKind

router = Router(tags=["risks"])


class FourColourCellOut(OutSchema):
    code: str
    name: str
    total: int = Field(description="risk points in force")
    by_grade: dict[str, int] = Field(description="red, orange, yellow, blue")
    by_kind: dict[str, int] = Field(description="by risk kind code")
    highest: str | None = Field(description="the highest grade held: the cell's colour")
    index: Decimal | None = Field(
        description="(8·red + 4·orange + 2·yellow + 1·blue) / points; null with no point"
    )


class FourColourOut(OutSchema):
    cell: FourColourCellOut
    children: list[FourColourCellOut]
    source: str = Field(description="tally, or records when filtered by industry")
    truncated: bool = Field(description="records: only the first of too many were counted")


def _row(cell, figures) -> dict:
    return {"code": cell.code, "name": cell.name, **figures.as_dict()}


@router.get("/fourcolour", response={200: FourColourOut, 400: Error, 404: Error})
def fourcolour_counts(
    request, cell: str | None = None, kind: str | None = None, industry: str | None = None
):
    """The 四色图 of a cell (your own by default) and each child: points in force per grade
    and kind, the highest grade, the weighted risk index; of one kind and industry if
    given."""
    try:
        found = cell_or_own(request.user, cell)
    except Http404:
        if cell:
            raise NotFound(_("网格 %(c)s 不存在或不在您的辖区内") % {"c": cell}, "cell") from None
        raise NotFound(_("您没有可查看的网格"), "cell") from None
    kind = (kind or "").strip() or None
    if kind and not RiskKind.objects.filter(code=kind).exists():
        raise ActionError(_("风险类型 %(k)s 不存在") % {"k": kind[:32]}, "kind")
    industry = (industry or "").strip() or None
    if industry and len(industry) > 32:
        raise ActionError(_("行业最多 32 个字"), "industry")
    board = fourcolour.board(request.user, found, kind=kind, industry=industry)
    return {
        "cell": _row(found, board.whole),
        "children": [_row(child, figures) for child, figures in board.children],
        "source": board.source,
        "truncated": board.truncated,
    }
