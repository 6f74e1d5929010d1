"""三清单 (docs/adr/0024): for a cell's subtree or one risk point, the 风险清单 (the points
and their grades), the 管控措施清单 (what, who, how often) and the 应急处置清单 (what to do,
whom to call, where to go). The points in force of the subtree, at most ``MAX_POINTS`` of
them in path order (the page says when there are more), their measures in one query."""

from dataclasses import dataclass, field

from qianshao.grid import tree
from qianshao.risks import grading
from qianshao.risks.models import Measure, MeasureList, RiskPoint, RiskStatus

MAX_POINTS = 1000


@dataclass
class Lists:
    points: list[RiskPoint]
    controls: list[dict] = field(default_factory=list)
    emergencies: list[dict] = field(default_factory=list)
    more: bool = False


def of_cell(visible, cell) -> Lists:
    """The three lists of ``cell``'s subtree, from the points ``visible`` (a user's scope)."""
    found = list(
        visible.filter(tree.subtree_q(cell.path, "cell_path"), status=RiskStatus.ACTIVE)
        .select_related("cell", "kind", "responsible")
        .order_by("cell_path", "id")[: MAX_POINTS + 1]
    )
    return _lists(found[:MAX_POINTS], more=len(found) > MAX_POINTS)


def of_point(p: RiskPoint) -> Lists:
    return _lists([p])


def _lists(points: list[RiskPoint], *, more: bool = False) -> Lists:
    lists = Lists(points=points, more=more)
    for p in points:
        p.explanation = grading.explain(p.method, p.inputs, p.score)
    measures: dict[int, list[Measure]] = {}
    for m in Measure.objects.filter(point__in=[p.pk for p in points]).order_by("order", "id"):
        measures.setdefault(m.point_id, []).append(m)
    for p in points:
        mine = measures.get(p.pk, [])
        controls = [m for m in mine if m.list == MeasureList.CONTROL]
        emergencies = [m for m in mine if m.list == MeasureList.EMERGENCY]
        responsible = p.responsible.name if p.responsible_id else ""
        if not controls and p.control_measures:
            lists.controls.append(_row(p, p.control_measures, who=responsible))
        for m in controls:
            lists.controls.append(_row(p, m.what, who=m.who, how_often=m.how_often))
        if not emergencies and p.emergency_measures:
            lists.emergencies.append(_row(p, p.emergency_measures))
        for m in emergencies:
            lists.emergencies.append(_row(p, m.what, call=m.call, where=m.where))
    return lists


def _row(p: RiskPoint, what: str, **more) -> dict:
    return {"point": p, "what": what, "who": "", "how_often": "", "call": "", "where": ""} | more
