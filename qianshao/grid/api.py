"""Grid endpoints: cells, people, role assignments. Every object comes through scope."""

from datetime import date
from uuid import UUID

from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Field, Router
from ninja.pagination import paginate
from ninja.responses import Status

from qianshao.grid import actions
from qianshao.grid.access import (
    access_assignment,
    access_cell,
    access_person,
    scope_roots,
    visible_ancestors,
    visible_assignments,
    visible_cells,
    visible_people,
)
from qianshao.grid.models import Department, Duty, Role
from qianshao.grid.stats import subtree_counts
from qianshao.intake.idempotent import submit
from qianshao.lib.errors import ActionError
from qianshao.lib.keyset import Pagination
from qianshao.lib.schemas import Error, LocalDate, OutSchema, StrictSchema

router = Router(tags=["grid"])
ERRORS = {400: Error, 403: Error, 404: Error, 409: Error}


class CellOut(OutSchema):
    code: str
    name: str
    kind: str
    kind_label: str
    level: int
    parent: str | None
    path: str
    centre_lon: float | None
    centre_lat: float | None
    population: int | None
    area_km2: float | None
    vintage: int | None
    risks: list[str]

    @staticmethod
    def resolve_kind_label(cell) -> str:
        return str(cell.get_kind_display())

    @staticmethod
    def resolve_parent(cell) -> str | None:
        return cell.parent.code if cell.parent_id else None

    @staticmethod
    def resolve_risks(cell) -> list[str]:
        return cell.risk_list()


class CellDetailOut(CellOut):
    boundary: dict | None
    ancestors: list[str]


class CountsOut(OutSchema):
    code: str
    cells: int
    by_kind: dict[str, int]
    people: int
    by_role: dict[str, int]


class AssignmentOut(OutSchema):
    id: int
    person: int = Field(..., alias="person_id")
    person_name: str = Field(..., alias="person.name")
    cell: str = Field(..., alias="cell.code")
    cell_name: str = Field(..., alias="cell.name")
    role: str
    role_label: str
    duties: list[str]
    department: str | None
    title: str
    start: date
    end: date | None
    active: bool

    @staticmethod
    def resolve_role_label(assignment) -> str:
        return str(assignment.get_role_display())

    @staticmethod
    def resolve_department(assignment) -> str | None:
        return assignment.department.code if assignment.department_id else None

    @staticmethod
    def resolve_active(assignment) -> bool:
        return assignment.is_active()


class PersonOut(OutSchema):
    id: int
    name: str
    phone: str
    has_login: bool

    @staticmethod
    def resolve_has_login(person) -> bool:
        return person.user_id is not None


class PersonDetailOut(PersonOut):
    assignments: list[AssignmentOut]

    @staticmethod
    def resolve_assignments(person) -> list:
        return person.visible_assignments


class NewPerson(StrictSchema):
    name: str = Field(..., min_length=1, max_length=32)
    phone: str


class AssignIn(StrictSchema):
    client_uuid: UUID
    cell: str
    role: Role
    person_id: int | None = None
    new_person: NewPerson | None = None
    duties: list[Duty] = []
    department: str | None = None
    title: str = Field("", max_length=64)
    start: LocalDate | None = None
    end: LocalDate | None = None


class EndTermIn(StrictSchema):
    end: LocalDate | None = None
    reason: str = Field("", max_length=500)


class MoveIn(StrictSchema):
    parent: str


@router.get("/cells", response={200: list[CellOut], 404: Error})
@paginate(Pagination)
def list_cells(request, parent: str | None = None, q: str | None = None):
    """Children of ``parent`` (or the top cells you see); ``q`` searches names and codes."""
    cells = visible_cells(request.user).select_related("parent")
    if q:
        cells = cells.filter(Q(name__contains=q.strip()) | Q(code__startswith=q.strip().upper()))
    elif parent:
        cells = cells.filter(parent=access_cell(request.user, parent))
    else:
        cells = cells.filter(pk__in=[c.pk for c in scope_roots(request.user)])
    return cells.order_by("path")


@router.get("/cells/{code}", response={200: CellDetailOut, 404: Error})
def get_cell(request, code: str):
    cell = access_cell(request.user, code)
    cell.ancestors = [a.code for a in visible_ancestors(request.user, cell)]
    return cell


@router.get("/cells/{code}/counts", response={200: CountsOut, 404: Error})
def cell_counts(request, code: str):
    """Counts over the cell's whole subtree: cells by kind, active people and roles."""
    cell = access_cell(request.user, code)
    return {"code": cell.code, **subtree_counts(cell)}


@router.post("/cells/{code}/move", response={200: CellOut, **ERRORS})
def move_cell(request, code: str, payload: MoveIn):
    cell = access_cell(request.user, code)
    new_parent = access_cell(request.user, payload.parent)
    return actions.move_cell(request.user, cell, new_parent)


@router.get("/people", response={200: list[PersonOut], 404: Error})
@paginate(Pagination)
def list_people(request, cell: str | None = None, q: str | None = None):
    """People with a role in your scope; ``cell`` narrows to one cell, ``q`` to a name or phone."""
    people = visible_people(request.user)
    if cell:
        people = people.filter(assignments__cell=access_cell(request.user, cell)).distinct()
    if q:
        people = people.filter(Q(name__contains=q.strip()) | Q(phone__startswith=q.strip()))
    return people.order_by("name", "id")


@router.get("/people/{int:person_id}", response={200: PersonDetailOut, 404: Error})
def get_person(request, person_id: int):
    person = access_person(request.user, person_id)
    person.visible_assignments = list(visible_assignments(request.user).filter(person=person))
    return person


@router.get("/assignments", response={200: list[AssignmentOut], 404: Error})
@paginate(Pagination)
def list_assignments(
    request, cell: str | None = None, role: Role | None = None, active: bool = True
):
    assignments = visible_assignments(request.user)
    if active:
        assignments = assignments.active()
    if cell:
        assignments = assignments.filter(cell=access_cell(request.user, cell))
    if role:
        assignments = assignments.filter(role=role)
    return assignments


@router.post("/assignments", response={201: AssignmentOut, 200: AssignmentOut, **ERRORS})
def create_assignment(request, payload: AssignIn):
    """Appoint a person (existing, or new with name and phone) to a role in a cell.

    Idempotent on ``client_uuid``: a repeat returns the first assignment with status 200.
    """
    cell = access_cell(request.user, payload.cell)
    department = None
    if payload.department:
        department = Department.objects.filter(cell=cell, code=payload.department).first()
        if department is None:
            raise ActionError(
                _("该网格没有编码为 %(c)s 的部门") % {"c": payload.department}, "department"
            )
    if (payload.person_id is None) == (payload.new_person is None):
        raise ActionError(_("请给出 person_id 或 new_person 其中之一"), "person_id")

    def appoint():
        if payload.person_id is not None:
            person = access_person(request.user, payload.person_id)
        else:
            person = actions.create_person(
                request.user,
                name=payload.new_person.name,
                phone=payload.new_person.phone,
                cell=cell,
            )
        return actions.assign_role(
            request.user,
            person=person,
            cell=cell,
            role=payload.role,
            duties=[d.value for d in payload.duties],
            department=department,
            title=payload.title,
            start=payload.start,
            end=payload.end,
        )

    assignment, created = submit(payload.client_uuid, "grid.assign_role", request.user, appoint)
    if not created:  # a repeat shows the first result only while it is still in scope
        assignment = access_assignment(request.user, assignment.pk)
    return Status(201 if created else 200, assignment)


@router.post("/assignments/{int:assignment_id}/end", response={200: AssignmentOut, **ERRORS})
def end_assignment(request, assignment_id: int, payload: EndTermIn):
    assignment = access_assignment(request.user, assignment_id)
    return actions.end_term(request.user, assignment, end=payload.end, reason=payload.reason)
