"""Who answers for a cell: 属地 (the township or park it lies in, or the cell above townships
that triages it), 谁主管 (the county department owning a domain), its county's emergency
office, and the people holding posts there. What happens in a cell — a hazard, a disaster —
is routed by these answers."""

from collections import defaultdict

from django.db import connection
from django.db.models import Q

from qianshao.grid import tree
from qianshao.grid.models import (
    ABOVE_TOWNSHIP_KINDS,
    TOWNSHIP_KINDS,
    Cell,
    CellKind,
    Department,
    Domain,
    Person,
    Role,
    RoleAssignment,
    active_on_sql,
)
from qianshao.grid.signals import cell_moved
from qianshao.lib.dbsql import Columns, own, read_joined
from qianshao.lib.settled import Settled

COUNTY_KINDS = {CellKind.COUNTY}
SUPERVISING_ROLES = [Role.HEAD, Role.DEPUTY, Role.DISPATCHER]


def ancestors_and_self(cell: Cell) -> list[Cell]:
    """``cell``'s ancestors and itself, root first: one query, kept on the cell object (like
    the scope on a user) so that one request's routing reads them once."""
    kept = getattr(cell, "_qianshao_ancestors", None)
    if kept is None or kept[0] != cell.path:
        paths = tree.lineage(cell.path)
        found = Cell.objects.filter(path__in=paths).defer("boundary")
        kept = (cell.path, sorted(found, key=lambda c: c.level))
        cell._qianshao_ancestors = kept
    return list(kept[1])


def prefetch_ancestors(cells) -> None:
    """Read the ancestors of all ``cells`` in one query and keep them on each cell, as
    ``ancestors_and_self`` would one query each (for work done in bulk: a sweep)."""
    cells = [c for c in cells if c is not None]
    paths = {p for c in cells for p in tree.lineage(c.path)}
    found = {c.path: c for c in Cell.objects.filter(path__in=paths).defer("boundary")}
    for cell in cells:
        lineage = [found[p] for p in tree.lineage(cell.path) if p in found]
        cell._qianshao_ancestors = (cell.path, sorted(lineage, key=lambda c: c.level))


def territory(cell: Cell, kinds: set[str]) -> Cell | None:
    """The nearest cell of one of ``kinds`` at or above ``cell``."""
    found = [c for c in ancestors_and_self(cell) if c.kind in kinds]
    return found[-1] if found else None


def township_of(cell: Cell) -> Cell | None:
    return territory(cell, TOWNSHIP_KINDS)


def triaging_cell(cell: Cell) -> Cell | None:
    """Whose managing posts triage what happens in ``cell``: the township or park it lies
    in; for a cell above townships (a hazard on the county itself, a point between
    township boundaries) the nearest cell at or above it that is above townships."""
    return township_of(cell) or territory(cell, ABOVE_TOWNSHIP_KINDS)


def county_of(cell: Cell) -> Cell | None:
    return territory(cell, COUNTY_KINDS)


def _county_departments() -> dict:
    """Per county path: the department owning each domain (the first by code), and the
    emergency office."""
    owners: dict[tuple[str, int], int] = {}
    offices: dict[str, int] = {}
    through = Department.domains.through.objects.filter(department__cell__kind=CellKind.COUNTY)
    for path, domain_id, department_id in through.order_by(
        "department__code", "department_id"
    ).values_list("department__cell__path", "domain_id", "department_id"):
        owners.setdefault((path, domain_id), department_id)
    for path, department_id in (
        Department.objects.filter(is_emergency_office=True, cell__kind=CellKind.COUNTY)
        .order_by("code", "pk")
        .values_list("cell__path", "pk")
    ):
        offices.setdefault(path, department_id)
    codes = dict(Department.objects.values_list("pk", "code"))
    return {"owners": owners, "offices": offices, "codes": codes}


_departments = Settled(_county_departments).forget_on(
    Department, Cell, through=[Department.domains.through]
)
cell_moved.connect(_departments.forget, weak=False)  # a move rewrites paths without saves


def owner_department(cell: Cell, domain: Domain) -> int | None:
    """谁主管、谁负责: the id of the department of ``cell``'s county whose domains include
    ``domain`` (a hazard's category; no query: the cell's path names its county)."""
    owners = _departments.get()["owners"]
    return next(
        (owners[(p, domain.pk)] for p in tree.lineage(cell.path) if (p, domain.pk) in owners),
        None,
    )


def department_code(department_id: int | None) -> str | None:
    """The code of the department of ``department_id`` (no query)."""
    if department_id is None:
        return None
    return _departments.get()["codes"].get(department_id)


def _domains_by_code() -> dict[str, Domain]:
    return {d.code: d for d in Domain.objects.all()}


_domains = Settled(_domains_by_code).forget_on(Domain)


def domain(code: str) -> Domain | None:
    """The domain (a hazard's category) of ``code``, active or not (no query)."""
    return _domains.get().get(code)


def emergency_office(cell: Cell) -> int | None:
    """The id of the emergency office (应急办) of ``cell``'s county."""
    offices = _departments.get()["offices"]
    return next((offices[p] for p in tree.lineage(cell.path) if p in offices), None)


def township_people(cell: Cell, roles=SUPERVISING_ROLES) -> list[Person]:
    """People with ``roles`` in the township or park that ``cell`` lies in (one query)."""
    return _posted_above(cell, TOWNSHIP_KINDS, roles)


def township_and_county_people(cell: Cell, roles=SUPERVISING_ROLES) -> list[Person]:
    """``triage_people`` and the county's people with ``roles``, each once (one query
    when the cell lies in a township)."""
    if cell.kind in ABOVE_TOWNSHIP_KINDS:
        people = {p.pk: p for p in triage_people(cell, roles)}
        people |= {p.pk: p for p in people_of_cell(county_of(cell), roles)}
        return [people[pk] for pk in sorted(people)]
    return _posted_above(cell, TOWNSHIP_KINDS | COUNTY_KINDS, roles)


def triage_people(cell: Cell, roles=SUPERVISING_ROLES) -> list[Person]:
    """``township_people``, or — for a cell above townships — the people with ``roles`` in
    its ``triaging_cell``, so that what happens there reaches someone. One query when the
    cell lies in a township."""
    if cell.kind not in ABOVE_TOWNSHIP_KINDS:
        return township_people(cell, roles)
    return people_of_cell(triaging_cell(cell), roles)


def people_of_cell(cell: Cell | None, roles=None) -> list[Person]:
    """People with an active non-department role in ``cell`` (of ``roles`` if given)."""
    if cell is None:
        return []
    wanted = {"cell": cell, "department__isnull": True} | ({"role__in": roles} if roles else {})
    return _people(RoleAssignment.objects.active().filter(**wanted))


def people_of_department(department_id: int | None) -> list[Person]:
    return people_of_departments([department_id])


def people_of_departments(department_ids) -> list[Person]:
    """The people of the departments of ``department_ids`` (None ignored), each once, in id
    order: one query."""
    wanted = {d for d in department_ids if d is not None}
    if not wanted:
        return []
    return _people(RoleAssignment.objects.active().filter(department_id__in=wanted))


class People:
    """The people of many cells and departments, read in one query and kept: the same
    answers as ``people_of_cell`` and ``people_of_department``, for work done in bulk."""

    def __init__(self, cells=(), departments=()):
        self._cells: dict[int, list] = defaultdict(list)
        self._departments: dict[int, list] = defaultdict(list)
        cell_ids = {c.pk for c in cells if c is not None}
        department_ids = {d for d in departments if d is not None}
        if not cell_ids and not department_ids:
            return
        wanted = Q(cell_id__in=cell_ids, department__isnull=True) | Q(
            department_id__in=department_ids
        )
        posts = RoleAssignment.objects.active().filter(wanted).select_related("person")
        for post in posts.order_by("person_id"):
            if post.department_id is None:
                self._cells[post.cell_id].append((post.role, post.person))
            else:
                self._departments[post.department_id].append(post.person)

    def of_cell(self, cell: Cell | None, roles=None) -> list[Person]:
        if cell is None:
            return []
        posts = self._cells.get(cell.pk, [])
        return _once([p for role, p in posts if roles is None or role in roles])

    def of_department(self, department_id: int | None) -> list[Person]:
        return _once(self._departments.get(department_id, []))


def _once(people: list[Person]) -> list[Person]:
    """Each person once, in id order."""
    found = {p.pk: p for p in people}
    return [found[pk] for pk in sorted(found)]


_PERSON = Columns(Person, "p")
# the columns ``notify.outbox.enqueue_query`` reads of each recipient
_RECIPIENT = (
    "DISTINCT p.id AS to_person, p.user_id AS to_user, p.phone AS to_phone, "
    "NULL AS sms_link, NULL AS ref"
)


def _posted_above(cell: Cell, kinds, roles) -> list[Person]:
    """The people holding a post of ``roles`` in their term today, not a department's, at
    the cells of ``kinds`` on ``cell``'s lineage (itself included), each once in id order.
    One hand-written statement: every report makes it, and the ORM took longer to compile
    it than the database to answer it (docs/adr/0034)."""
    db = own(connection)  # not the proxy: each of its attributes is a thread-local look-up
    posted = _posted(db, _PERSON.sql(db), tree.lineage(cell.path), kinds, roles)
    if posted is None:
        return []
    found = {p.pk: p for (p,) in read_joined(db, *posted, [_PERSON])}
    return [found[pk] for pk in sorted(found)]


def triage_recipients(cell: Cell, roles=SUPERVISING_ROLES) -> tuple[str, list] | None:
    """``triage_people`` as a statement (its SQL and parameters) of the columns that
    ``notify.outbox.enqueue_query`` reads, each person once in id order: a notice to them
    is then written by the database in one statement, their rows never read into Python
    (docs/adr/0037). None when no role is asked for."""
    if cell.kind in ABOVE_TOWNSHIP_KINDS:  # its triaging cell is itself (``triaging_cell``)
        paths, kinds = [cell.path], [cell.kind]
    else:
        paths, kinds = tree.lineage(cell.path), TOWNSHIP_KINDS
    db = own(connection)
    return _posted(db, _RECIPIENT, paths, kinds, roles, order="to_person")


def alert_recipients(cell: Cell, departments, roles=SUPERVISING_ROLES) -> tuple[str, list]:
    """``township_and_county_people`` and the people of ``departments`` (ids, None
    ignored) as one statement of the columns that ``notify.outbox.enqueue_query`` reads,
    each person once in id order: what a major hazard alerts at once, written by the
    database in one statement per channel (docs/adr/0039)."""
    # no kind comes twice on a lineage (the grid's shape): a cell above townships is its
    # own triaging cell, and beside it only its county (if any) is of these kinds
    own_kinds = {cell.kind} if cell.kind in ABOVE_TOWNSHIP_KINDS else TOWNSHIP_KINDS
    db = own(connection)
    sql, params = _posted(db, _RECIPIENT, tree.lineage(cell.path), own_kinds | COUNTY_KINDS, roles)
    wanted = sorted({d for d in departments if d is not None})
    if wanted:
        active, on = active_on_sql(db, "a")
        quote = db.ops.quote_name
        sql += (
            f" UNION SELECT {_RECIPIENT} FROM {quote(RoleAssignment._meta.db_table)} a"
            f" JOIN {quote(Person._meta.db_table)} p ON p.id = a.person_id"
            f" WHERE {active} AND a.department_id IN ({', '.join(['%s'] * len(wanted))})"
        )
        params += [*on, *wanted]
    return f"{sql} ORDER BY to_person", params


def _posted(db, columns: str, paths, kinds, roles, order: str = "") -> tuple[str, list] | None:
    """SELECT ``columns`` of the people holding a post of ``roles`` in their term today,
    not a department's, at the cells of ``kinds`` among ``paths``: its SQL and parameters,
    or None when ``kinds`` or ``roles`` is empty (`IN ()` is no SQL to PostgreSQL). Its
    text is put together once per kind of database, columns and number of values."""
    kinds, roles = sorted(str(k) for k in kinds), sorted(str(r) for r in roles)
    if not roles or not kinds:
        return None
    active, on = active_on_sql(db, "a")
    key = (db.vendor, columns, order, len(paths), len(kinds), len(roles))
    sql = _POSTED_SQL.get(key)
    if sql is None:
        quote = db.ops.quote_name

        def table(model) -> str:
            return quote(model._meta.db_table)

        def marks(n: int) -> str:
            return ", ".join(["%s"] * n)

        sql = (
            f"SELECT {columns} FROM {table(RoleAssignment)} a "
            f"JOIN {table(Cell)} c ON c.id = a.cell_id "
            f"JOIN {table(Person)} p ON p.id = a.person_id "
            f"WHERE {active} "
            # NOT (… IS NOT NULL), not IS NULL: SQLite then reads by the (cell, role) index
            # rather than by the far less selective department index
            "AND NOT (a.department_id IS NOT NULL) "
            f"AND c.path IN ({marks(len(paths))}) AND c.kind IN ({marks(len(kinds))}) "
            f"AND a.role IN ({marks(len(roles))})" + (f" ORDER BY {order}" if order else "")
        )
        if len(_POSTED_SQL) >= 256:  # bounded: lineages are at most a dozen deep
            _POSTED_SQL.clear()
        _POSTED_SQL[key] = sql
    return sql, [*on, *paths, *kinds, *roles]


_POSTED_SQL: dict[tuple, str] = {}  # _posted's statements, by vendor, columns and lengths


def _people(assignments) -> list[Person]:
    """The assignments' people, each once, in id order (one query)."""
    found = {a.person_id: a.person for a in assignments.select_related("person").order_by()}
    return [found[pk] for pk in sorted(found)]
