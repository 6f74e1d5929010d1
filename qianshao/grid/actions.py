"""State changes of the grid. Each runs in one transaction, checks who may do it, writes one
audit record per change and queues its notifications; nothing else changes these rows.

``actor`` is the user taking the step, or ``None`` for the system itself (commands).
"""

import re
from datetime import date

from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.grid import tallies, tree
from qianshao.grid.access import visible_people
from qianshao.grid.bulk import insert_cells
from qianshao.grid.models import (
    ALLOWED_CHILDREN,
    MOBILE_RE,
    Cell,
    CellKind,
    Department,
    Duty,
    Person,
    Role,
    RoleAssignment,
)
from qianshao.grid.permissions import can_manage, can_place_under
from qianshao.grid.signals import cell_moved
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.lib.snapshot import snapshot
from qianshao.lib.tabular import ImportFailed, RowError
from qianshao.notify.outbox import enqueue

ASSIGNMENT_FIELDS = ["person", "cell", "role", "duties", "department", "title", "start", "end"]
PERSON_FIELDS = ["name", "phone", "note"]


def create_person(actor, *, name: str, phone: str, note: str = "", cell: Cell) -> Person:
    """Register a person to be appointed in ``cell``. Side effects: audit record."""
    if not can_manage(actor, cell):
        raise NotAllowed(_("您无权在该网格登记人员"), "cell")
    name = name.strip()
    if not name or len(name) > 32:
        raise ActionError(_("姓名不能为空，且不超过 32 个字"), "name")
    _check_mobile(phone)
    with transaction.atomic():
        if Person.objects.filter(phone=phone).exists():
            raise Conflict(_("手机号 %(phone)s 已登记") % {"phone": phone}, "phone")
        person = Person.objects.create(name=name, phone=phone, note=note)
        audit(
            actor=actor,
            action="grid.create_person",
            obj=person,
            cell_path=cell.path,
            after=snapshot(person, PERSON_FIELDS),
        )
    return person


def assign_role(
    actor,
    *,
    person: Person,
    cell: Cell,
    role: str,
    duties: list[str] | tuple = (),
    department: Department | None = None,
    title: str = "",
    start: date | None = None,
    end: date | None = None,
    notify: bool = True,
) -> RoleAssignment:
    """Appoint ``person`` to ``role`` in ``cell`` for a term.

    Side effects: one audit record; an in-app message and an SMS to the person.
    """
    if not can_manage(actor, cell):
        raise NotAllowed(_("您无权任命该网格的人员"), "cell")
    start = start or timezone.localdate()
    _check_assignment(cell, role, list(duties), department, title, start, end)
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)  # notify its login
        if _overlapping(person, cell, role, start, end).exists():
            raise Conflict(
                _("%(name)s 在该任期内已担任%(cell)s的%(role)s")
                % {"name": person.name, "cell": cell.name, "role": Role(role).label},
                "role",
            )
        assignment = RoleAssignment.objects.create(
            person=person,
            cell=cell,
            role=role,
            duties=list(duties),
            department=department,
            title=title.strip(),
            start=start,
            end=end,
        )
        audit(
            actor=actor,
            action="grid.assign_role",
            obj=assignment,
            cell_path=cell.path,
            after=snapshot(assignment, ASSIGNMENT_FIELDS),
        )
        if notify:
            enqueue(
                "grid.role_assigned",
                subject=_("您已被任命为%(cell)s%(role)s")
                % {"cell": cell.name, "role": Role(role).label},
                body=_("任期自 %(start)s 起。") % {"start": start.isoformat()},
                link=f"/grid/{cell.code}/",
                people=[person],
                sms=True,
                payload={"assignment": assignment.pk, "cell": cell.code, "role": role},
            )
    return assignment


def end_term(
    actor, assignment: RoleAssignment, *, end: date | None = None, reason: str = ""
) -> RoleAssignment:
    """End a term on ``end`` (today by default). Side effects: audit record, in-app message."""
    if not can_manage(actor, assignment.cell):
        raise NotAllowed(_("您无权调整该网格的人员"), "assignment")
    end = end or timezone.localdate()
    with transaction.atomic():
        current = (
            RoleAssignment.objects.select_for_update()
            .select_related("cell", "person")
            .get(pk=assignment.pk)
        )
        if current.end is not None and current.end < timezone.localdate():
            raise Conflict(_("该任期已于 %(end)s 结束") % {"end": current.end}, "assignment")
        if end < current.start:
            raise ActionError(_("结束日期不能早于任期开始日期"), "end")
        if current.end is not None and end > current.end:
            raise ActionError(
                _("结束日期不能晚于原定任期结束日期 %(end)s") % {"end": current.end}, "end"
            )
        before = snapshot(current, ASSIGNMENT_FIELDS)
        current.end = end
        current.save(update_fields=["end"])
        audit(
            actor=actor,
            action="grid.end_term",
            obj=current,
            cell_path=current.cell.path,
            before=before,
            after=snapshot(current, ASSIGNMENT_FIELDS),
            note=reason,
        )
        enqueue(
            "grid.term_ended",
            subject=_("您在%(cell)s的%(role)s任期已结束")
            % {"cell": current.cell.name, "role": current.get_role_display()},
            body=_("结束日期：%(end)s。%(reason)s") % {"end": end.isoformat(), "reason": reason},
            link=f"/grid/{current.cell.code}/",
            people=[current.person],
        )
    return current


def move_cell(actor, cell: Cell, new_parent: Cell) -> Cell:
    """Move ``cell`` and its whole subtree under ``new_parent``; paths and levels follow.

    Side effects: one audit record; the cell counts (``grid.tallies.CELLS``) follow.
    """
    if not can_manage(actor, cell):
        raise NotAllowed(_("您无权调整该网格"), "cell")
    if not can_place_under(actor, new_parent):
        raise NotAllowed(_("您无权把网格移到该上级之下"), "parent")
    with transaction.atomic():
        cell = Cell.objects.select_for_update().get(pk=cell.pk)
        new_parent = Cell.objects.get(pk=new_parent.pk)
        if cell.parent_id is None:
            raise ActionError(_("顶级网格不能移动"), "cell")
        if new_parent.pk == cell.parent_id:
            raise ActionError(_("该网格已在此上级之下"), "parent")
        if tree.is_within(new_parent.path, cell.path):
            raise ActionError(_("不能把网格移到它自己的下级之下"), "parent")
        if cell.kind not in ALLOWED_CHILDREN[new_parent.kind]:
            raise ActionError(
                _("%(parent)s之下不能设%(kind)s")
                % {"parent": new_parent.get_kind_display(), "kind": cell.get_kind_display()},
                "parent",
            )
        before = snapshot(cell, ["parent", "path", "level"])
        old_path, new_path = cell.path, tree.child_path(new_parent.path, cell.code)
        Cell.objects.subtree(old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            level=F("level") + (new_parent.level + 1 - cell.level),
        )
        Cell.objects.filter(pk=cell.pk).update(parent=new_parent)
        tallies.CELLS.move(old_path, new_path)
        cell_moved.send(sender=Cell, old_path=old_path, new_path=new_path)
        cell.refresh_from_db()
        audit(
            actor=actor,
            action="grid.move_cell",
            obj=cell,
            cell_path=new_parent.path,
            before=before,
            after=snapshot(cell, ["parent", "path", "level"]),
        )
    return cell


def _check_mobile(phone: str) -> None:
    if not re.match(MOBILE_RE, phone or ""):
        raise ActionError(_("手机号码应为 11 位数字，以 13–19 开头"), "phone")


def _check_assignment(cell, role, duties, department, title, start, end) -> None:
    if role not in Role.values:
        raise ActionError(_("未知角色：%(role)s") % {"role": role}, "role")
    unknown = [d for d in duties if d not in Duty.values]
    if unknown:
        raise ActionError(_("未知兼任职责：%(d)s") % {"d": "、".join(unknown)}, "duties")
    if department is not None and department.cell_id != cell.pk:
        raise ActionError(_("部门 %(d)s 不属于该网格") % {"d": department.name}, "department")
    if end is not None and end < start:
        raise ActionError(_("任期结束不能早于开始"), "end")
    if len(title.strip()) > 64:
        raise ActionError(_("职务不超过 64 个字"), "title")


def _overlapping(person, cell, role, start, end):
    overlapping = RoleAssignment.objects.filter(person=person, cell=cell, role=role).filter(
        Q(end__isnull=True) | Q(end__gte=start)
    )
    if end is not None:
        overlapping = overlapping.filter(start__lte=end)
    return overlapping


CELL_EXTRA_FIELDS = (
    "boundary",
    "centre_lon",
    "centre_lat",
    "population",
    "area_km2",
    "vintage",
    "risks",
    "duty_phone",
)


def create_cells(actor, rows, *, source: str, under: Cell | None = None) -> dict[str, int]:
    """Create cells from ``rows`` (parents before children) in one transaction.

    A row whose ``parent_code`` is None goes under ``under`` (or becomes a root). Every
    problem is collected first and raised together as ``ImportFailed``; nothing is written
    then. Returns the new cells' ids by code. Side effects: one audit record for the import;
    the cells counted under their paths (``grid.tallies.CELLS``).
    """
    if under is not None and not can_place_under(actor, under):
        raise NotAllowed(_("您无权在该网格下导入"), "parent")
    if under is None and actor is not None and not getattr(actor, "is_superuser", False):
        raise NotAllowed(_("只有系统管理员可以创建顶级网格"), "parent")
    errors: list = []
    planned: dict[str, dict] = {}
    with transaction.atomic():
        codes = {row.code for row in rows}
        existing = _existing_codes(list(codes))
        outside = {row.parent_code for row in rows if row.parent_code} - codes
        parents = {  # a parent the actor may not place under reads as unknown (no leak)
            c.code: _as_plan(c)
            for c in Cell.objects.filter(code__in=outside)
            if can_place_under(actor, c)
        }
        top = _as_plan(under) if under is not None else None
        for index, row in enumerate(rows, start=1):
            plan = _plan_cell(row, planned, parents, existing, top)
            if isinstance(plan, str):
                where = row.extra.get("file", source)
                errors.append(RowError(where, row.extra.get("line", index), "code", plan))
            else:
                planned[row.code] = plan
        if errors:
            raise ImportFailed(errors)
        ids = insert_cells(list(planned.values()))
        tallies.count_cells([(plan["path"], plan["kind"]) for plan in planned.values()])
        by_kind: dict[str, int] = {}
        for plan in planned.values():
            by_kind[plan["kind"]] = by_kind.get(plan["kind"], 0) + 1
        first = next(iter(planned.values()), None)
        audit(
            actor=actor,
            action="grid.create_cells",
            object_type="grid.cell",
            object_id=first["code"] if first else "",
            label=first["name"] if first else source,
            cell_path=(under.path if under else (first["path"] if first else "")),
            after={
                "source": source,
                "count": len(planned),
                "by_kind": by_kind,
                "under": under.code if under else None,
            },
        )
    return ids


_KINDS = frozenset(CellKind.values)
_EXTRA_FIELDS = frozenset(CELL_EXTRA_FIELDS)


def _as_plan(cell: Cell) -> dict:
    """An existing cell, in the shape of a plan, as the parent of planned ones."""
    return {
        "id": cell.pk,
        "code": cell.code,
        "kind": cell.kind,
        "path": cell.path,
        "level": cell.level,
    }


def _existing_codes(codes: list[str]) -> set[str]:
    """Which of ``codes`` exist already: one range scan over the code index."""
    if not codes:
        return set()
    in_range = Cell.objects.filter(code__gte=min(codes), code__lte=max(codes))
    wanted = set(codes)
    return {code for code in in_range.values_list("code", flat=True) if code in wanted}


def _plan_cell(row, planned: dict, parents: dict, existing: set, top) -> "dict | str":
    """The field values of the cell for ``row``, or the reason it cannot be made."""
    if not tree.is_valid_code(row.code):
        return _("编码 %(c)s 不合法") % {"c": row.code}
    if row.code in existing:
        return _("编码 %(c)s 已存在") % {"c": row.code}
    if row.code in planned:
        return _("编码 %(c)s 重复") % {"c": row.code}
    if row.kind not in _KINDS:
        return _("未知网格类型 %(k)s") % {"k": row.kind}
    if row.parent_code is None:
        parent = top
    else:
        parent = planned.get(row.parent_code) or parents.get(row.parent_code)
        if parent is None:
            return _("未知上级编码 %(c)s") % {"c": row.parent_code}
    if parent is not None and row.kind not in ALLOWED_CHILDREN[parent["kind"]]:
        return _("%(parent)s之下不能设%(kind)s") % {
            "parent": CellKind(parent["kind"]).label,
            "kind": CellKind(row.kind).label,
        }
    plan = {
        "code": row.code,
        "name": row.name[:64],
        "kind": row.kind,
        "level": parent["level"] + 1 if parent else 1,
        "path": tree.child_path(parent["path"] if parent else "", row.code),
        # a parent already in the database is named by its id, one being created by its code
        "parent_id": parent.get("id") if parent else None,
        "parent_code": parent["code"] if parent and "id" not in parent else None,
    }
    for name, value in row.extra.items():
        if name in _EXTRA_FIELDS:
            plan[name] = value
    return plan


def find_or_create_person(actor, *, name: str, phone: str, cell: Cell) -> Person:
    """The person registered under ``phone`` whom ``actor`` may see (the name must agree),
    or a new one.

    A number registered to someone outside the actor's scope is refused as any used number
    is (``create_person``), whatever the name: the answer neither confirms a name nor tells
    whose the number is, and nobody outside the actor's scope can be appointed by typing
    their name and number (the API takes a person by id, through the same scope).
    """
    person = Person.objects.filter(phone=phone).first()
    if person is None:
        return create_person(actor, name=name, phone=phone, cell=cell)
    if actor is not None and not visible_people(actor).filter(pk=person.pk).exists():
        raise Conflict(_("手机号 %(phone)s 已登记") % {"phone": phone}, "phone")
    if person.name != name.strip():
        raise Conflict(_("手机号 %(phone)s 已登记在另一人名下") % {"phone": phone}, "phone")
    return person


def create_department(
    actor,
    *,
    cell: Cell,
    code: str,
    name: str,
    domains=(),
    phone: str = "",
    is_emergency_office: bool = False,
) -> Department:
    """Register a county department and the hazard domains it owns. Side effects: audit."""
    if not can_manage(actor, cell):
        raise NotAllowed(_("您无权在该网格登记部门"), "cell")
    if not tree.is_valid_code(code):
        raise ActionError(_("编码只能包含数字、大写字母和下划线，最长 20 位"), "code")
    with transaction.atomic():
        if Department.objects.filter(cell=cell, code=code).exists():
            raise Conflict(_("部门编码 %(c)s 已存在") % {"c": code}, "code")
        department = Department.objects.create(
            cell=cell, code=code, name=name, phone=phone, is_emergency_office=is_emergency_office
        )
        department.domains.set(domains)
        audit(
            actor=actor,
            action="grid.create_department",
            obj=department,
            cell_path=cell.path,
            after={
                "code": code,
                "name": name,
                "domains": sorted(d.code for d in domains),
                "is_emergency_office": is_emergency_office,
            },
        )
    return department
