"""The 四色图's figures (docs/adr/0024 "Counters"): for a cell and each of its children, the
risk points in force by grade and kind, the highest grade held (the child's colour) and the
weighted risk index (8 · 红 + 4 · 橙 + 2 · 黄 + 1 · 蓝) ÷ points.

Without an industry filter every figure is one read of the ``points`` tally of the cell's
and its children's paths (a province is as cheap as a village). The tally has no industry
split: with one, the points of that industry are read from the records — the subtree's
range of the (cell path, id) index, the first ``ROW_LIMIT`` of them — and the result says
whether it was cut there (``truncated``).
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from qianshao.grid import tree
from qianshao.grid.access import visible_cells
from qianshao.lib.panels import first
from qianshao.risks import tally
from qianshao.risks.access import visible_points
from qianshao.risks.models import GRADE_ORDER, RiskStatus

GRADES = [g.value for g in GRADE_ORDER]  # highest first
WEIGHTS = {"red": 8, "orange": 4, "yellow": 2, "blue": 1}
COLOURS = {"red": "#d32f2f", "orange": "#f57c00", "yellow": "#fbc02d", "blue": "#1976d2"}
NONE_COLOUR = "#bdbdbd"  # a cell with no risk point in force
ROW_LIMIT = 20000  # the records an industry filter reads at most


@dataclass
class Figures:
    """One cell's figures: points per grade, per kind, per (grade, kind)."""

    by_grade: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GRADES, 0))
    by_kind: dict[str, int] = field(default_factory=dict)
    by_grade_kind: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, grade: str, kind: str, n: int) -> None:
        if not n or grade not in WEIGHTS:
            return
        self.by_grade[grade] += n
        self.by_kind[kind] = self.by_kind.get(kind, 0) + n
        self.by_grade_kind[(grade, kind)] = self.by_grade_kind.get((grade, kind), 0) + n

    @property
    def total(self) -> int:
        return sum(self.by_grade.values())

    @property
    def highest(self) -> str | None:
        """The highest grade held (the cell's colour), None with no point."""
        return next((g for g in GRADES if self.by_grade[g]), None)

    @property
    def index(self) -> Decimal | None:
        """(8 · 红 + 4 · 橙 + 2 · 黄 + 1 · 蓝) ÷ points, to two places; None with no point."""
        return risk_index(self.by_grade)

    @property
    def colour(self) -> str:
        return COLOURS.get(self.highest or "", NONE_COLOUR)

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "by_grade": dict(self.by_grade),
            "by_kind": dict(sorted(self.by_kind.items())),
            "highest": self.highest,
            "index": self.index,
        }


def risk_index(by_grade: dict[str, int]) -> Decimal | None:
    total = sum(by_grade.get(g, 0) for g in GRADES)
    if not total:
        return None
    weighted = sum(WEIGHTS[g] * by_grade.get(g, 0) for g in GRADES)
    return (Decimal(weighted) / Decimal(total)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def from_counter(keys: dict[str, int], kind: str | None = None) -> Figures:
    """Figures from a ``points`` counter ({"<grade>:<kind>": n}), of ``kind`` only if given."""
    found = Figures()
    for key, n in keys.items():
        grade, _sep, code = key.partition(":")
        if kind is None or code == kind:
            found.add(grade, code, n)
    return found


@dataclass
class Board:
    """The 四色图 of ``cell``: its own figures, its children's (cell, Figures) in code order,
    where they came from (``tally`` or ``records``) and whether the records were cut."""

    cell: object
    whole: Figures
    children: list[tuple[object, Figures]]
    source: str = "tally"
    truncated: bool = False


def board(user, cell, *, kind: str | None = None, industry: str | None = None) -> Board:
    """The figures of ``cell`` and of each child ``user`` sees, of ``kind`` and ``industry``
    when given."""
    children = list(visible_cells(user).children_of(cell).only("pk", "code", "name", "path"))
    paths = [c.path for c in children]
    if not industry:
        read = tally.read_many([cell.path, *paths], tally.POINTS)
        count = {p: from_counter(read[p].get(tally.POINTS, {}), kind) for p in read}
        return Board(cell, count[cell.path], [(c, count[c.path]) for c in children])
    whole = Figures()
    per_child = {p: Figures() for p in paths}
    depth = len(tree.codes_of(cell.path))
    points = (
        visible_points(user)
        .filter(tree.subtree_q(cell.path, "cell_path"), status=RiskStatus.ACTIVE)
        .filter(industry=industry)
    )
    if kind:
        points = points.filter(kind__code=kind)
    rows, truncated = first(
        points.order_by("cell_path", "id").values_list("cell_path", "grade", "kind__code"),
        ROW_LIMIT,
    )
    for path, grade, code in rows:
        whole.add(grade, code, 1)
        codes = tree.codes_of(path)
        if len(codes) > depth:
            child = per_child.get(tree.child_path(cell.path, codes[depth]))
            if child is not None:
                child.add(grade, code, 1)
    return Board(cell, whole, [(c, per_child[c.path]) for c in children], "records", truncated)
