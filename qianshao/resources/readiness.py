"""The readiness view (应急资源一张表) of any cell: for the cell and each child, the teams
against their norm, the members, the experts, the kits' completeness, the stock by class with
shortages and near-expiry batches, the shelters' capacity against the population.

Composed from each part's figures (``readiness_<part>.figures``, ``compliance_forces``): all
read from the tallies plus a few indexed reads, so a province's table costs what a village's
does (``qianshao bench resources`` measures it).
"""

from dataclasses import dataclass

from qianshao.grid.models import Cell
from qianshao.resources import (
    readiness_forces,
    readiness_kits,
    readiness_shelters,
    readiness_supplies,
)
from qianshao.resources.compliance_forces import Row, compliance
from qianshao.resources.models import Category

# the classes of GB/T 38565 the table splits stock by (the standard's top classes)
CLASSES = ("1", "2", "3")


@dataclass
class Line:
    """One cell's line of the table."""

    cell: Cell
    forces: Row  # teams, members, the norm and the shortfall (compliance_forces.Row)
    experts: dict  # experts, experts_overdue
    kits: dict  # kit_holders, kit_complete, kit_percent, kits by standard
    supplies: dict  # points, batches by class, near90/near30/expired, short, in_transit
    shelters: dict  # shelters, capacity, population, area_per_person, short

    @property
    def by_class(self) -> list[int]:
        """Batches in stock in each of ``CLASSES``, in order."""
        held = self.supplies["batches_by_class"]
        return [held.get(code, 0) for code in CLASSES]

    @property
    def near_expiry(self) -> int:
        return self.supplies["near90"] + self.supplies["near30"]

    def as_dict(self) -> dict:
        return {
            "cell": self.cell.code,
            "name": self.cell.name,
            "kind": self.cell.kind,
            "forces": self.forces.as_dict() | self.experts,
            "kits": self.kits,
            "supplies": self.supplies,
            "shelters": dict(self.shelters),
        }


@dataclass
class Readiness:
    total: Line
    children: list[Line]

    @property
    def shelters_short(self) -> int:
        """Children whose shelters hold fewer people than live there."""
        return sum(1 for line in self.children if line.shelters["short"])


def table(cell: Cell) -> Readiness:
    """The table for ``cell``: its own line (the totals) and one per child, in code order."""
    forces = compliance(cell)
    rows = [forces.total, *forces.children]
    paths = [row.cell.path for row in rows]
    experts = readiness_forces.figures(paths)
    kits = readiness_kits.figures(paths)
    supplies = readiness_supplies.figures(paths)
    shelters = readiness_shelters.figures(paths)
    lines = [
        Line(
            cell=row.cell,
            forces=row,
            experts={k: experts[row.cell.path][k] for k in ("experts", "experts_overdue")},
            kits=kits[row.cell.path],
            supplies=supplies[row.cell.path],
            shelters=shelters[row.cell.path],
        )
        for row in rows
    ]
    return Readiness(total=lines[0], children=lines[1:])


def class_names() -> dict[str, str]:
    """The names of the top classes the table splits stock by."""
    return dict(Category.objects.filter(code__in=CLASSES).values_list("code", "name"))
