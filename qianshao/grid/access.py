"""Getting grid objects for a user: only through scope, 404 for both missing and not yours."""

import copy

from django.http import Http404

from qianshao.grid.models import Cell, Department, Person, RoleAssignment
from qianshao.grid.posts import cell_posts
from qianshao.grid.scope import restrict, scope_of


def visible_cells(user):
    return restrict(Cell.objects.all(), user)


def visible_people(user):
    return restrict(Person.objects.all(), user)


def visible_assignments(user):
    return restrict(RoleAssignment.objects.select_related("person", "cell", "department"), user)


def visible_departments(user):
    return restrict(Department.objects.all(), user)


def access_cell(user, code: str) -> Cell:
    for post in cell_posts(user):  # a cell of one's own posts, read already with them
        if post.cell.code == code:
            return copy.copy(post.cell)  # the caller's to change, not the posts'
    cell = visible_cells(user).filter(code=code).first()
    if cell is None:
        raise Http404(code)
    return cell


def access_person(user, person_id: int) -> Person:
    person = visible_people(user).filter(pk=person_id).first()
    if person is None:
        raise Http404(person_id)
    return person


def access_assignment(user, assignment_id: int) -> RoleAssignment:
    assignment = visible_assignments(user).filter(pk=assignment_id).first()
    if assignment is None:
        raise Http404(assignment_id)
    return assignment


def scope_roots(user) -> list[Cell]:
    """The top cells the user sees: their assignment cells, or the tree's roots."""
    scope = scope_of(user)
    if scope.everything:
        return list(Cell.objects.filter(parent__isnull=True).order_by("code"))
    return list(Cell.objects.filter(path__in=scope.paths).order_by("path"))


def cell_or_own(user, code: str | None) -> Cell:
    """The cell of ``code`` in the user's scope (404 when missing or not theirs alike), or
    without a code the first of their own: what a page or report "of a cell" starts from."""
    code = (code or "").strip().upper()
    if code:
        return access_cell(user, code)
    roots = scope_roots(user)
    if not roots:
        raise Http404("no scope")
    return roots[0]


def visible_ancestors(user, cell: Cell) -> list[Cell]:
    """The cell's ancestors that lie within the user's scope, root first (breadcrumbs)."""
    scope = scope_of(user)
    return [a for a in cell.ancestors() if scope.covers(a.path)]
