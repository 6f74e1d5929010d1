"""A user's post: the role assignment that decides their home page."""

from qianshao.grid.models import CellKind, RoleAssignment

FIELD_KINDS = {CellKind.VILLAGE, CellKind.COMMUNITY, CellKind.ENTERPRISE, CellKind.GROUP}
ROLE_WEIGHT = {"dispatcher": 0, "head": 1, "deputy": 2, "manager": 3, "member": 4, "informant": 5}


def primary_assignment(user) -> RoleAssignment | None:
    """The user's highest active assignment (top level first, dispatchers before others)."""
    assignments = list(
        RoleAssignment.objects.active()
        .filter(person__user=user)
        .select_related("cell", "department", "person")
    )
    if not assignments:
        return None
    return min(assignments, key=lambda a: (a.cell.level, ROLE_WEIGHT.get(a.role, 9), a.pk))


def home_kind(assignment: RoleAssignment | None) -> str:
    if assignment is None:
        return "none"
    if assignment.department_id:
        return "department"
    if assignment.cell.kind in FIELD_KINDS:
        return "field"
    return "overview"
