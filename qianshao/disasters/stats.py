"""Completeness and timeliness of the zero report, and disaster figures, rolled up the grid.

Expected reports are the reporting cells (villages and communities, by the rule) in a
subtree, one a day each; received and on-time come from the day counters the actions keep
for every ancestor path (``DayTally``), so a province's day is one row however many
villages it holds. Missing = expected − received, counting only days whose deadline has
passed: before it, what is not in yet is pending (待报), not missing. Late = received − on
time.

A disaster's figures are its latest version's; a cell's are the sum over the disaster
reports in its subtree (a township's its villages', the county's its townships').
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Sum

from qianshao.disasters import permissions, schedule
from qianshao.disasters.models import INDICATORS, DayTally, DisasterReport, ZeroReport
from qianshao.grid import tallies as grid_tallies
from qianshao.grid import tree
from qianshao.grid.models import Cell
from qianshao.grid.stats import child_code


@dataclass
class Completeness:
    expected: int = 0
    received: int = 0
    on_time: int = 0
    open_expected: int = 0  # of ``expected``: on a day whose deadline has not passed
    open_received: int = 0  # of ``received``: on such a day

    @property
    def late(self) -> int:
        return self.received - self.on_time

    @property
    def pending(self) -> int:
        """Not in yet, with the deadline still to come (待报)."""
        return max(self.open_expected - self.open_received, 0)

    @property
    def missing(self) -> int:
        """Not in, with the deadline passed (未报)."""
        closed = self.expected - self.open_expected
        return max(closed - (self.received - self.open_received), 0)

    def still_open(self) -> None:
        """Mark this figure as a day whose deadline has not passed."""
        self.open_expected, self.open_received = self.expected, self.received

    def rate(self, part: int) -> float | None:
        return round(100 * part / self.expected, 1) if self.expected else None

    @property
    def received_rate(self) -> float | None:
        return self.rate(self.received)

    @property
    def on_time_rate(self) -> float | None:
        return self.rate(self.on_time)

    def add(self, other: "Completeness") -> None:
        self.expected += other.expected
        self.received += other.received
        self.on_time += other.on_time
        self.open_expected += other.open_expected
        self.open_received += other.open_received

    def as_dict(self) -> dict:
        return {
            "expected": self.expected,
            "received": self.received,
            "on_time": self.on_time,
            "late": self.late,
            "missing": self.missing,
            "pending": self.pending,
            "received_rate": self.received_rate,
            "on_time_rate": self.on_time_rate,
        }


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def expected(cell: Cell) -> int:
    """Reporting cells in ``cell``'s subtree (itself included): one report each a day,
    from the grid's cell counts."""
    return _reporting(grid_tallies.cells_by_kind(cell.path))


def _reporting(by_kind: dict[str, int]) -> int:
    kinds = schedule.rule().kinds
    return sum(n for kind, n in by_kind.items() if kind in kinds)


def completeness(cell: Cell, first: date, last: date | None = None) -> dict[date, Completeness]:
    """For each day from ``first`` to ``last``: expected, received, on time."""
    last = last or first
    per_day = expected(cell)
    found = {d: Completeness(per_day) for d in days(first, last)}
    rows = DayTally.objects.filter(path=cell.path, day__gte=first, day__lte=last)
    for day, n, on_time in rows.values_list("day", "n", "on_time"):
        found[day].received, found[day].on_time = n, on_time
    for day, c in found.items():
        if schedule.before_deadline(day):
            c.still_open()
    return found


def total(per_day: dict[date, Completeness]) -> Completeness:
    summed = Completeness()
    for c in per_day.values():
        summed.add(c)
    return summed


def child_completeness(
    cell: Cell, first: date, last: date | None = None
) -> list[tuple[Cell, Completeness]]:
    """Per child of ``cell`` (that has reporting cells under it), over the days."""
    last = last or first
    n_days = len(days(first, last))
    children = {c.path: c for c in Cell.objects.filter(parent=cell).defer("boundary")}
    found = {path: Completeness() for path in children}
    for path, by_kind in grid_tallies.cells_by_kind_many(list(children)).items():
        found[path].expected = _reporting(by_kind) * n_days
    rows = (
        DayTally.objects.filter(path__in=list(children), day__gte=first, day__lte=last)
        .values_list("path")
        .annotate(n=Sum("n"), on_time=Sum("on_time"))
        .order_by()
    )
    for path, n, on_time in rows:
        found[path].received, found[path].on_time = n, on_time
    still_open = [d for d in days(first, last) if schedule.before_deadline(d)]  # the last ones
    if still_open:
        open_rows = (
            DayTally.objects.filter(path__in=list(children), day__gte=still_open[0], day__lte=last)
            .values_list("path")
            .annotate(n=Sum("n"))
            .order_by()
        )
        received = dict(open_rows)
        for path, c in found.items():
            c.open_expected = c.expected // n_days * len(still_open)
            c.open_received = received.get(path, 0)
    return [
        (children[path], found[path])
        for path in sorted(children)
        if found[path].expected or found[path].received
    ]


def statuses(cells: list[Cell], day: date) -> dict[str, str]:
    """For each reporting cell of ``cells`` on ``day``: on_time, late, missing — or pending,
    not reported while the deadline has not passed (by code): the board's colours."""
    reporting = [c for c in cells if c.kind in schedule.rule().kinds]
    unreported = "pending" if schedule.before_deadline(day) else "missing"
    found = {c.code: unreported for c in reporting}
    reports = ZeroReport.objects.filter(cell__in=reporting, day=day)
    for code, on_time in reports.values_list("cell__code", "on_time"):
        found[code] = "on_time" if on_time else "late"
    return found


# --- disaster figures -------------------------------------------------------------------


def figures(cell: Cell, reports=None) -> dict:
    """The sum of the latest figures of the disaster reports under ``cell``."""
    reports = reports if reports is not None else DisasterReport.objects.all()
    found = reports.filter(tree.subtree_q(cell.path, "cell_path")).aggregate(
        reports=Count("id"), **{name: Sum(name) for name in INDICATORS}
    )
    return {name: value or 0 for name, value in found.items()}


def child_figures(cell: Cell, reports=None) -> list[tuple[Cell, dict]]:
    """``figures`` of each child of ``cell`` that has disaster reports under it."""
    reports = reports if reports is not None else DisasterReport.objects.all()
    rows = (
        reports.filter(tree.subtree_q(cell.path, "cell_path"))
        .exclude(cell=cell)
        .annotate(child=child_code("cell_path", cell.path))
        .values("child")
        .annotate(reports=Count("id"), **{name: Sum(name) for name in INDICATORS})
        .order_by()
    )
    by_code = {}
    for row in rows:
        code = row.pop("child")
        by_code[code] = {k: v or 0 for k, v in row.items()}
    children = Cell.objects.filter(parent=cell, code__in=list(by_code)).defer("boundary")
    return [(c, by_code[c.code]) for c in children.order_by("code")]


def zero_today(cell: Cell) -> Completeness:
    """Today's zero reports under ``cell`` (the home page's card)."""
    day = schedule.today()
    return completeness(cell, day)[day]


def zero_waiting(user) -> int:
    """How many of the reporting cells ``user`` files for have not reported today."""
    cells = permissions.filing_cells(user)
    filed = ZeroReport.objects.filter(cell__in=cells, day=schedule.today()).count()
    return len(cells) - filed
