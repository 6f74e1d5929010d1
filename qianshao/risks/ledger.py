"""The risk and hazard ledger (风险隐患台账) of a township: what its two sheets hold
(``xlsx_ledger`` lays them out).

Bounded: a township or a cell below one (a county asks per township), so its points are
those of one township's subtree, read in the index's order (``risk_point_path``); the
patrols of this year and the hazards found on them are one grouped read of the patrols
(``patrol_path_due``); the hazards come from the hazards area (``hazards.queries``), those
found this year or still open, at most ``HAZARD_LIMIT``.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.grid import tree
from qianshao.grid.models import Cell, CellKind
from qianshao.hazards import queries as hazard_queries
from qianshao.lib.errors import ActionError
from qianshao.risks.access import visible_patrols, visible_points
from qianshao.risks.models import Measure, MeasureList, Outcome, RiskPoint, RiskStatus

# the kinds above a township: their ledgers are asked per township
TOO_WIDE = {CellKind.PROVINCE, CellKind.CITY, CellKind.COUNTY}
POINT_LIMIT = 5000
HAZARD_LIMIT = 5000


@dataclass
class PointRow:
    point: RiskPoint
    control: list[str]
    patrols: int
    hazards: int


@dataclass
class Ledger:
    cell: Cell
    year: int
    points: list[PointRow] = field(default_factory=list)
    points_cut: bool = False
    hazards: list[dict] = field(default_factory=list)
    hazards_cut: bool = False


def ledger_cell(cell: Cell) -> Cell:
    """``cell`` if its ledger is bounded (a township or below), else 400 naming ``cell``."""
    if cell.kind in TOO_WIDE:
        raise ActionError(_("台账按乡镇（街道）导出：请选择一个乡镇或其下级网格"), "cell")
    return cell


def build(user, cell: Cell) -> Ledger:
    """The ledger of ``cell``'s subtree as ``user`` sees it."""
    ledger_cell(cell)
    now = timezone.localtime()
    since = timezone.make_aware(datetime(now.year, 1, 1))
    ledger = Ledger(cell, now.year)
    found = list(
        visible_points(user)
        .filter(tree.subtree_q(cell.path, "cell_path"), status=RiskStatus.ACTIVE)
        .select_related("cell", "kind", "responsible", "patroller")
        .prefetch_related(
            Prefetch(
                "measures",
                queryset=Measure.objects.filter(list=MeasureList.CONTROL).order_by("order"),
                to_attr="control_lines",
            )
        )
        .order_by("cell_path", "id")[: POINT_LIMIT + 1]
    )
    ledger.points_cut = len(found) > POINT_LIMIT
    found = found[:POINT_LIMIT]
    counted = {
        point: (n, hazards)
        for point, n, hazards in visible_patrols(user)
        .filter(tree.subtree_q(cell.path, "cell_path"), due_at__gte=since)
        .exclude(outcome=Outcome.MISSED)
        .values("point")
        .annotate(n=Count("id"), hazards=Count("id", filter=Q(hazard__isnull=False)))
        .values_list("point", "n", "hazards")
        .order_by()
    }
    for p in found:
        control = [line for line in p.control_measures.splitlines() if line.strip()]
        control += [m.what for m in p.control_lines]
        n, hazards = counted.get(p.pk, (0, 0))
        ledger.points.append(PointRow(p, control, n, hazards))
    ledger.hazards, ledger.hazards_cut = hazard_queries.ledger_rows(user, cell, since, HAZARD_LIMIT)
    sources = dict(
        visible_patrols(user)
        .filter(hazard_id__in=[h["id"] for h in ledger.hazards])
        .values_list("hazard_id", "point__name")
        .order_by()
    )
    for h in ledger.hazards:
        h["point"] = sources.get(h["id"], "")
    return ledger
