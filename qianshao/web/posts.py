"""Which home page a user's primary post (``grid.posts.primary_post``) gives them."""

from qianshao.grid.models import FIELD_KINDS, RoleAssignment


def home_kind(assignment: RoleAssignment | None) -> str:
    if assignment is None:
        return "none"
    if assignment.department_id:
        return "department"
    if assignment.cell.kind in FIELD_KINDS:
        return "field"
    return "overview"
