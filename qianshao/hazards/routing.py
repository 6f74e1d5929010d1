"""Where a hazard goes: 属地 (the township or park it lies in), 谁主管 (the county
department owning its category), and who is told at each step."""

from qianshao.grid import tree
from qianshao.grid.models import Cell, CellKind, Department, Person, Role, RoleAssignment

TRIAGE_KINDS = {CellKind.TOWNSHIP, CellKind.PARK}
COUNTY_KINDS = {CellKind.COUNTY}
SUPERVISING_ROLES = [Role.HEAD, Role.DEPUTY, Role.DISPATCHER]


def ancestors_and_self(cell: Cell) -> list[Cell]:
    """``cell``'s ancestors and itself, root first: one query, kept on the cell object (like
    the scope on a user) so that one request's routing reads them once."""
    kept = getattr(cell, "_qianshao_ancestors", None)
    if kept is None or kept[0] != cell.path:
        paths = [*tree.ancestor_paths(cell.path), cell.path]
        found = Cell.objects.filter(path__in=paths).defer("boundary")
        kept = (cell.path, sorted(found, key=lambda c: c.level))
        cell._qianshao_ancestors = kept
    return list(kept[1])


def territory(cell: Cell, kinds: set[str]) -> Cell | None:
    """The nearest cell of one of ``kinds`` at or above ``cell``."""
    found = [c for c in ancestors_and_self(cell) if c.kind in kinds]
    return found[-1] if found else None


def township_of(cell: Cell) -> Cell | None:
    return territory(cell, TRIAGE_KINDS)


def county_of(cell: Cell) -> Cell | None:
    return territory(cell, COUNTY_KINDS)


def owner_department(cell: Cell, category) -> Department | None:
    """谁主管、谁负责: the county department whose domains include ``category``."""
    county = county_of(cell)
    if county is None:
        return None
    return Department.objects.filter(cell=county, domains=category).order_by("code").first()


def emergency_office(cell: Cell) -> Department | None:
    county = county_of(cell)
    if county is None:
        return None
    return Department.objects.filter(cell=county, is_emergency_office=True).first()


def people_of_cell(cell: Cell | None, roles=None) -> list[Person]:
    """People with an active non-department role in ``cell`` (of ``roles`` if given)."""
    if cell is None:
        return []
    wanted = {"cell": cell, "department__isnull": True} | ({"role__in": roles} if roles else {})
    return _people(RoleAssignment.objects.active().filter(**wanted))


def people_of_department(department: Department | None) -> list[Person]:
    if department is None:
        return []
    return _people(RoleAssignment.objects.active().filter(department=department))


def _people(assignments) -> list[Person]:
    """The assignments' people, each once, in id order (one query)."""
    found = {a.person_id: a.person for a in assignments.select_related("person").order_by()}
    return [found[pk] for pk in sorted(found)]
