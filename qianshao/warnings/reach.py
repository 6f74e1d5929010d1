"""How much of each county a warning's targets reach: the share of the county's villages and
communities (the cells that report and answer) that lie in a target's subtree or hold a
target below them. Counted in the database by path ranges, a fixed number of queries
however many targets (docs/adr/0018)."""

from dataclasses import dataclass

from django.db.models import F, Func, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Concat, Left, Length

from qianshao.grid import tree
from qianshao.grid.models import BASE_KINDS, Cell, CellKind

ABOVE_COUNTY = {CellKind.PROVINCE, CellKind.CITY}
# the end of a subtree's path range, written in SQL: the path with its last separator
# replaced by the character after it (grid.tree.subtree_bounds)
_AFTER = tree.subtree_bounds(tree.SEPARATOR)[1]


@dataclass(frozen=True)
class Share:
    """What a warning reaches of one county: ``reached`` of its ``total`` villages and
    communities; ``whole`` when the county itself (or a cell above it) is a target."""

    county: Cell
    reached: int
    total: int
    whole: bool

    def percent(self) -> int:
        """The share in whole percent, rounded down (100 for a whole county)."""
        if self.whole or not self.total:
            return 100 if self.whole else 0
        return self.reached * 100 // self.total

    def at_least(self, threshold: int) -> bool:
        """Does it reach ``threshold`` percent of the county (exactly, not rounded)?"""
        return self.whole or (self.total > 0 and self.reached * 100 >= threshold * self.total)


def _base_in_subtree():
    """The number of villages and communities in the subtree of the outer query's cell."""
    path = OuterRef("path")
    end = Concat(Left(path, Length(path) - 1), Value(_AFTER))
    counted = (
        Cell.objects.filter(kind__in=BASE_KINDS, path__gte=path, path__lt=end)
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def shares(targets: list[Cell]) -> list[Share]:
    """The share of each county that ``targets`` (cells, each with its subtree) reach,
    for every county they touch: three queries, however many targets."""
    paths = tree.outermost(t.path for t in targets)
    above = [t.path for t in targets if t.kind in ABOVE_COUNTY]
    counties = {
        c.path: c
        for c in Cell.objects.filter(kind=CellKind.COUNTY)
        .filter(_counties_q(paths, above))
        .annotate(base=_base_in_subtree())
    }
    inside = dict.fromkeys(counties, 0)  # county path -> its villages and communities reached
    below = {p: county for p in paths if (county := _county_of(p, counties))}
    for path, base in (
        Cell.objects.filter(path__in=below)
        .annotate(base=_base_in_subtree())
        .values_list("path", "base")
    ):
        inside[below[path]] += base
    for path in _holding(paths):  # a village or community holding a target below it
        if county := _county_of(path, counties):
            inside[county] += 1
    found = []
    for path, county in sorted(counties.items()):
        whole = any(tree.is_within(path, p) for p in paths)
        found.append(Share(county, county.base if whole else inside[path], county.base, whole))
    return found


def _counties_q(paths: list[str], above: list[str]) -> Q:
    """The counties holding a target, or inside a target above county level."""
    q = Q(path__in={a for p in paths for a in tree.lineage(p)})
    for path in above:
        q |= tree.subtree_q(path)
    return q


def _county_of(path: str, counties: dict) -> str | None:
    """The path of the county (of ``counties``, by path) strictly above ``path``."""
    return next((a for a in tree.ancestor_paths(path) if a in counties), None)


def _holding(paths: list[str]) -> list[str]:
    """The villages and communities that hold one of ``paths`` strictly below them (a
    group or an enterprise of a village), each once."""
    above = {a for p in paths for a in tree.ancestor_paths(p)}
    return list(
        Cell.objects.filter(path__in=above, kind__in=BASE_KINDS)
        .order_by()
        .values_list("path", flat=True)
    )
