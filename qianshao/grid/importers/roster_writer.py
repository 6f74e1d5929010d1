"""Importing parsed roster rows: every row checked against the grid first, then written in
short batches.

``check_rows`` reads the grid only (cells, departments, people, their terms) and finds every
problem the appointments would meet, as ``RowError`` by row and column: a bad file is
refused whole before anything is written. ``write_rows`` then appoints the rows through the
grid's actions (``find_or_create_person``, ``assign_role``: each audited as usual), a few
hundred rows to a transaction, so that other writers get the database between batches
(SQLite has one write lock; PostgreSQL's audit chain has one head row).
"""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.grid.access import visible_people
from qianshao.grid.actions import (
    _check_assignment,
    _check_mobile,
    assign_role,
    find_or_create_person,
)
from qianshao.grid.importers.roster import RosterRow
from qianshao.grid.models import Cell, Department, Person, Role, RoleAssignment, RosterImport
from qianshao.grid.permissions import can_manage
from qianshao.grid.posts import post_cells
from qianshao.grid.scope import scope_of
from qianshao.lib.errors import ActionError, Conflict, NotAllowed, NotFound
from qianshao.lib.tabular import ImportFailed, RowError

BATCH_SIZE = 250
# ... and at most this long: every other writer waits for a batch (the audit chain's head is
# locked until it commits), on PostgreSQL as on SQLite
BATCH_SECONDS = 0.5
# On SQLite, a pause between batches longer than a waiting writer's longest sleep (100 ms)
PAUSE_SECONDS = 0.15
CHUNK = 500  # values in one IN (…) lookup

COLUMN_OF = {
    "cell": "网格编码",
    "name": "姓名",
    "phone": "手机号",
    "role": "角色",
    "duties": "兼任职责",
    "department": "部门编码",
    "end": "任期结束",
    "title": "职务",
    "person": "手机号",
}


def import_rows(
    actor,
    rows: list[RosterRow],
    *,
    source: str,
    digest: str = "",
    progress: Callable[[int], None] | None = None,
) -> RosterImport:
    """Check every row, then write them in batches; ``ImportFailed`` lists the problems."""
    errors = check_rows(actor, rows, source)
    if errors:
        raise ImportFailed(errors)
    return write_rows(actor, rows, source=source, digest=digest, progress=progress)


# --- checking -------------------------------------------------------------------------------


@dataclass
class _Grid:
    """What the rows name, read once: cells, departments, people and their terms."""

    cells: dict[str, Cell]
    departments: dict[tuple[int, str], Department]
    names: dict[str, str]  # phone -> name, registered or appointed earlier in the file
    hidden: set[str]  # phones registered to people the importer may not see
    terms: dict[tuple[str, int, str], list[tuple[date, date | None]]] = field(default_factory=dict)


def check_rows(actor, rows: list[RosterRow], source: str) -> list[RowError]:
    """Every problem the rows would meet when written, in row order; nothing is written."""
    grid = _read_grid(actor, rows)
    errors = []
    for row in rows:
        for exc in _check_row(actor, row, grid):
            errors.append(RowError(source, row.line, COLUMN_OF.get(exc.field, ""), exc.message))
    return errors


def every_error(actor, rows: list[RosterRow], found: list[RowError], source: str) -> list[RowError]:
    """The file's own problems (``found``, from ``parse_roster``) and those its good rows
    would meet in the grid, in one list by row: a file is refused with all of them at once,
    not the file's first and the grid's after those are fixed."""
    return sorted(found + check_rows(actor, rows, source), key=lambda e: e.row)


def _check_row(actor, row: RosterRow, grid: _Grid) -> list[ActionError]:
    """What appointing ``row`` through the grid actions would raise, in the same order —
    each problem that does not follow from an earlier one, not the first alone."""
    problems: list[ActionError] = []
    cell = grid.cells.get(row.cell_code)
    if cell is None or not can_manage(actor, cell):
        problems.append(_cell_refusal(actor, row.cell_code, cell))
        cell = None
    department = None
    if cell is not None and row.department_code:
        department = grid.departments.get((cell.pk, row.department_code))
        if department is None:
            problems.append(
                ActionError(
                    _("该网格没有编码为 %(c)s 的部门") % {"c": row.department_code}, "department"
                )
            )
    known = grid.names.get(row.phone)
    # a phone that is someone else's: its terms are not this row's person's to compare
    taken = row.phone in grid.hidden or known not in (None, row.name.strip())
    if row.phone in grid.hidden:  # refused as any used number, confirming no name
        problems.append(Conflict(_("手机号 %(phone)s 已登记") % {"phone": row.phone}, "phone"))
    elif known is None:
        name = row.name.strip()
        if not name or len(name) > 32:
            problems.append(ActionError(_("姓名不能为空，且不超过 32 个字"), "name"))
        try:
            _check_mobile(row.phone)
        except ActionError as exc:
            problems.append(exc)
    elif known != row.name.strip():
        problems.append(
            Conflict(_("手机号 %(phone)s 已登记在另一人名下") % {"phone": row.phone}, "phone")
        )
    if cell is None or (row.department_code and department is None):
        return problems
    start = row.start or timezone.localdate()
    try:
        _check_assignment(cell, row.role, list(row.duties), department, row.title, start, row.end)
    except ActionError as exc:
        return [*problems, exc]
    terms = grid.terms.setdefault((row.phone, cell.pk, row.role), [])
    if not taken and any(_overlap(start, row.end, other) for other in terms):
        problems.append(
            Conflict(
                _("%(name)s 在该任期内已担任%(cell)s的%(role)s")
                % {
                    "name": known or row.name.strip(),
                    "cell": cell.name,
                    "role": Role(row.role).label,
                },
                "role",
            )
        )
    if not problems:
        grid.names.setdefault(row.phone, row.name.strip())
        terms.append((start, row.end))
    return problems


def _overlap(start: date, end: date | None, other: tuple[date, date | None]) -> bool:
    """As ``actions._overlapping``: the other term has not ended before this one starts, and
    (when this one ends) started by its end."""
    other_start, other_end = other
    return (other_end is None or other_end >= start) and (end is None or other_start <= end)


def _read_grid(actor, rows: list[RosterRow]) -> _Grid:
    cells = {c.code: c for chunk in _chunks({r.cell_code for r in rows}) for c in _cells(chunk)}
    departments = {
        (d.cell_id, d.code): d for d in Department.objects.filter(cell__in=list(cells.values()))
    }
    people: dict[int, str] = {}
    names: dict[str, str] = {}
    for chunk in _chunks({r.phone for r in rows}):
        for pk, phone, name in Person.objects.filter(phone__in=chunk).values_list(
            "pk", "phone", "name"
        ):
            people[pk], names[phone] = phone, name
    hidden = set(names)
    if actor is None:
        hidden = set()
    else:
        for chunk in _chunks(people):
            seen = visible_people(actor).filter(pk__in=chunk).values_list("pk", flat=True)
            hidden -= {people[pk] for pk in seen}
    grid = _Grid(cells=cells, departments=departments, names=names, hidden=hidden)
    for chunk in _chunks(people):
        held = RoleAssignment.objects.filter(person_id__in=chunk).values_list(
            "person_id", "cell_id", "role", "start", "end"
        )
        for person_id, cell_id, role, start, end in held:
            grid.terms.setdefault((people[person_id], cell_id, role), []).append((start, end))
    return grid


def _cell_refusal(actor, code: str, cell: Cell | None) -> ActionError:
    """Why a row may not appoint to ``cell``: one the importer knows (their own cell or one
    above it — a county department's row uploaded by a township — or one seen through a
    department's post) is a refusal of their right; only one that does not exist or that
    they do not see is out of their area."""
    known = cell is not None and (
        scope_of(actor).covers(cell.path)
        or any(path.startswith(cell.path) for path in post_cells(actor))
    )
    if known:
        return NotAllowed(
            _("您无权在网格 %(c)s（%(n)s）任命人员：只能任命您所管网格下级的人员")
            % {"c": code, "n": cell.name},
            "cell",
        )
    return NotFound(_("网格编码 %(c)s 不存在或不在您的管辖范围内") % {"c": code}, "cell")


def _cells(codes: list[str]):
    return Cell.objects.filter(code__in=codes)


def _chunks(values: Iterable) -> Iterable[list]:
    values = sorted(values)
    for first in range(0, len(values), CHUNK):
        yield values[first : first + CHUNK]


# --- writing --------------------------------------------------------------------------------


def write_rows(
    actor,
    rows: list[RosterRow],
    *,
    source: str,
    digest: str = "",
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> RosterImport:
    """Appoint ``rows`` (already checked) in batches of at most ``batch_size`` rows and
    ``BATCH_SECONDS``, each its own transaction; ``progress(rows written)`` runs inside
    each batch's transaction.

    A row refused now (someone changed the grid since the check) raises ``ImportFailed``
    naming it: its batch is rolled back, the batches before it stay written.
    Side effects: the actions' audit records, then one for the import.
    """
    created = done = 0
    while done < len(rows):
        if done and connection.vendor == "sqlite":
            time.sleep(PAUSE_SECONDS)  # let the writers waiting on the lock in
        with transaction.atomic():
            until = time.monotonic() + BATCH_SECONDS
            added, written = _write_batch(actor, rows[done : done + batch_size], source, until)
            created += added
            done += written
            if progress is not None:
                progress(done)
    with transaction.atomic():
        record = RosterImport.objects.create(
            user=actor, filename=source[:200], digest=digest, people=created, assignments=len(rows)
        )
        audit(
            actor=actor,
            action="grid.import_roster",
            obj=record,
            after={"file": source, "sha256": digest, "people": created, "assignments": len(rows)},
        )
    return record


def _write_batch(actor, batch: list[RosterRow], source: str, until: float) -> tuple[int, int]:
    """Write rows of ``batch`` until it ends or the clock passes ``until`` (at least one);
    the number of people registered and of rows written."""
    cells = {c.code: c for c in _cells(list({r.cell_code for r in batch}))}
    created = written = 0
    for row in batch:
        if written and time.monotonic() > until:
            break
        written += 1
        try:
            cell = cells.get(row.cell_code)
            if cell is None:
                raise NotFound(
                    _("网格编码 %(c)s 不存在或不在您的管辖范围内") % {"c": row.cell_code}, "cell"
                )
            department = None
            if row.department_code:
                department = Department.objects.filter(cell=cell, code=row.department_code).first()
                if department is None:
                    raise ActionError(
                        _("该网格没有编码为 %(c)s 的部门") % {"c": row.department_code},
                        "department",
                    )
            existed = Person.objects.filter(phone=row.phone).exists()
            person = find_or_create_person(actor, name=row.name, phone=row.phone, cell=cell)
            created += not existed
            assign_role(
                actor,
                person=person,
                cell=cell,
                role=row.role,
                duties=row.duties,
                department=department,
                title=row.title,
                start=row.start,
                end=row.end,
                notify=False,
            )
        except ActionError as exc:
            error = RowError(source, row.line, COLUMN_OF.get(exc.field, ""), exc.message)
            raise ImportFailed([error]) from exc
    return created, written
