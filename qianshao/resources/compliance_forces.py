"""Team compliance (队伍建设达标) for any cell: each child's teams and members, the norm that
applies to it, whether it meets it and by how many members it falls short; and, rolled up,
how many of the cells under each child (and under the cell) that a norm applies to meet it.

Read from the tallies (``teams``, ``members``, ``met``), plus two indexed reads whatever the
years of rows behind them: the largest counted team at each child itself (teams on the
children's paths, index (cell_path, kind)) and the expected cells (cells of a kind some norm
applies to) in each child's subtree, one grouped count over the cell's subtree as the zero
report's completeness counts its expected cells (docs/adr/0014).
"""

from dataclasses import dataclass, field

from django.db.models import Count, Max

from qianshao.grid.models import Cell
from qianshao.grid.stats import child_code
from qianshao.resources import counts_forces as counts
from qianshao.resources import tally
from qianshao.resources.models import Team, TeamStatus


@dataclass
class Row:
    """One cell's line of the table."""

    cell: Cell
    teams: int = 0  # counted teams in its subtree
    members: int = 0  # memberships of those teams
    minimum: int | None = None  # its own norm (None: no norm for its kind)
    kinds: tuple[str, ...] = ()
    largest: int = 0  # the most members of a counted team at the cell itself
    met_below: int = 0  # cells in its subtree (itself included) meeting their norm
    expected: int = 0  # cells in its subtree (itself included) a norm applies to
    by_kind: dict = field(default_factory=dict)  # teams by kind in its subtree

    @property
    def meets(self) -> bool | None:
        return None if self.minimum is None else self.largest >= self.minimum

    @property
    def shortfall(self) -> int | None:
        """Members the cell's largest counted team lacks (0 when it meets the norm)."""
        return None if self.minimum is None else max(self.minimum - self.largest, 0)

    @property
    def rate(self) -> float | None:
        """Percentage of the expected cells in the subtree that meet their norm."""
        return round(100 * self.met_below / self.expected, 1) if self.expected else None

    def as_dict(self) -> dict:
        return {
            "cell": self.cell.code,
            "name": self.cell.name,
            "kind": self.cell.kind,
            "teams": self.teams,
            "members": self.members,
            "minimum": self.minimum,
            "largest": self.largest,
            "meets": self.meets,
            "shortfall": self.shortfall,
            "met": self.met_below,
            "expected": self.expected,
            "rate": self.rate,
        }


@dataclass
class Compliance:
    total: Row
    children: list[Row]


def compliance(cell: Cell) -> Compliance:
    """The table for ``cell``: its own row (the totals) and one per child, in code order."""
    norms = counts.all_norms()
    children = list(Cell.objects.filter(parent=cell).defer("boundary").order_by("code"))
    rows = {c.path: Row(cell=c) for c in [cell, *children]}
    figures = tally.read_many(list(rows), counts.TEAMS, counts.MEMBERS, counts.MET)
    for path, row in rows.items():
        found = figures[path]
        row.by_kind = dict(found.get(counts.TEAMS, {}))
        row.teams = sum(row.by_kind.values())
        row.members = sum(found.get(counts.MEMBERS, {}).values())
        row.met_below = sum(found.get(counts.MET, {}).values())
        rule = counts.rule_for(row.cell.kind, path, norms)
        if rule is not None:
            row.minimum, row.kinds = rule.minimum, rule.kinds
    _largest_teams(rows)
    _expected(cell, rows, counts.norm_kinds(norms))
    return Compliance(total=rows.pop(cell.path), children=list(rows.values()))


def _largest_teams(rows: dict[str, Row]) -> None:
    """The largest counted team at each cell itself: teams on those paths only."""
    largest = (
        Team.objects.filter(cell_path__in=list(rows))
        .exclude(status=TeamStatus.REVOKED)
        .values_list("cell_path", "kind")
        .annotate(most=Max("members_n"))
        .order_by()
    )
    for path, kind, most in largest:
        row = rows[path]
        if kind in row.kinds and most > row.largest:
            row.largest = most


def _expected(cell: Cell, rows: dict[str, Row], kinds: set[str]) -> None:
    """How many cells of a kind some norm applies to lie in each child's subtree (and the
    cell's): one grouped, indexed count over the cell's subtree."""
    if not kinds:
        return
    by_code = {row.cell.code: row for path, row in rows.items() if path != cell.path}
    below = (
        Cell.objects.subtree(cell.path)
        .exclude(pk=cell.pk)
        .filter(kind__in=kinds)
        .annotate(child=child_code("path", cell.path))
        .values_list("child")
        .annotate(n=Count("id"))
        .order_by()
    )
    total = rows[cell.path]
    total.expected = 1 if cell.kind in kinds else 0
    for code, n in below:
        total.expected += n
        if code in by_code:
            by_code[code].expected = n
