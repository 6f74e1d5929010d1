"""The shelters' figures for the readiness view (应急资源一张表) and their coverage: for each
cell, the shelters' capacity against its population (``Cell.population``), the effective
area a person against the rule's per-person area. Read from the tallies and the cells'
populations: one query each, however many shelters lie beneath.

Keys of ``figures``:
- ``shelters``: how many shelters lie in the cell's subtree
- ``capacity``: how many people they hold (Σ ⌊area ÷ per-person area⌋)
- ``shelter_area``: their effective area, m²
- ``listed_people``, ``households``: the transfer lists' people and households
- ``population``: the cell's population (None: unknown)
- ``area_per_person``: shelter_area ÷ population, m² (None when the population is unknown)
- ``short``: True when capacity < population, False when not, None when the population is
  unknown (未知, never counted as short)
"""

from dataclasses import dataclass
from decimal import Decimal

from qianshao.grid.models import Cell
from qianshao.resources import rule_shelters, tally

FIGURES = ("shelters", "capacity", "shelter_area", "listed_people", "households")


def figures(paths: list[str]) -> dict[str, dict]:
    """For each cell path, the shelters' figures (see the module's docstring)."""
    counted = tally.read_many(paths, *FIGURES)
    populations = dict(Cell.objects.filter(path__in=paths).values_list("path", "population"))
    found = {}
    for path in paths:
        row = {f: counted[path].get(f, {}).get("", 0) for f in FIGURES}
        population = populations.get(path)
        row["population"] = population
        row["area_per_person"] = round(row["shelter_area"] / population, 2) if population else None
        row["short"] = None if population is None else row["capacity"] < population
        found[path] = row
    return found


@dataclass
class Coverage:
    """A cell's coverage: its figures, and whether its area per person reaches the rule."""

    cell: Cell
    shelters: int
    capacity: int
    shelter_area: int
    listed_people: int
    population: int | None
    area_per_person: float | None
    short: bool | None

    @property
    def verdict(self) -> str:
        return "unknown" if self.short is None else ("short" if self.short else "covered")


def coverage(cell: Cell) -> tuple[Coverage, list[Coverage]]:
    """``cell``'s coverage and that of each of its children (townships, villages …)."""
    children = list(Cell.objects.filter(parent=cell).defer("boundary").order_by("code"))
    read = figures([cell.path, *[c.path for c in children]])

    def of(c: Cell) -> Coverage:
        row = read[c.path]
        return Coverage(
            cell=c,
            shelters=row["shelters"],
            capacity=row["capacity"],
            shelter_area=row["shelter_area"],
            listed_people=row["listed_people"],
            population=row["population"],
            area_per_person=row["area_per_person"],
            short=row["short"],
        )

    return of(cell), [of(c) for c in children]


def per_person() -> Decimal:
    """The rule's per-person area the coverage is judged against."""
    return rule_shelters.per_person()
