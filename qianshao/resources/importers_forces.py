"""Importing teams and their members from a table (.xlsx or .csv), one row per member; a row
without a member's name and phone only names (or creates) its team. A team is found by its
cell and name, else created with the row's kind, leader and address.

Every problem of the file is found first — by row and column (``RowError``) — and nothing is
written if there is one (``ImportFailed``); then the rows are written through the actions in
one transaction, so a refusal found only while writing (a number taken meanwhile) rolls
everything back and is reported by its row too.
"""

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from qianshao.grid.models import MOBILE_RE, Cell, Person
from qianshao.lib.errors import ActionError
from qianshao.lib.tabular import ImportFailed, RowError, TableError, read_table
from qianshao.resources import actions_forces as actions
from qianshao.resources import permissions
from qianshao.resources.models import Member, MemberRole, Team, TeamKind, TeamStatus

MAX_ROWS = 5000
CELL, TEAM, KIND = "网格编码", "队伍名称", "队伍类型"
LEADER, LEADER_PHONE, PHONE, ADDRESS = "队长姓名", "队长手机号", "联系电话", "驻地地址"
NAME, MOBILE, ROLE, SKILLS = "队员姓名", "队员手机号", "队内职务", "技能特长"
REQUIRED = [CELL, TEAM, KIND]
COLUMNS = [CELL, TEAM, KIND, LEADER, LEADER_PHONE, PHONE, ADDRESS, NAME, MOBILE, ROLE, SKILLS]
KINDS = {str(label): value for value, label in TeamKind.choices} | {v: v for v in TeamKind.values}
ROLES = {str(label): value for value, label in MemberRole.choices} | {
    v: v for v in MemberRole.values
}


@dataclass
class PlannedTeam:
    cell: Cell
    name: str
    kind: str
    row: int
    existing: Team | None = None
    leader: tuple[str, str] = ("", "")
    phone: str = ""
    address: str = ""
    members: list = field(default_factory=list)  # (row, name, phone, role, skills)


def import_teams(actor, source, filename: str) -> dict[str, int]:
    """Read, check every row, then write; returns how many teams and members were added.
    Raises ``ImportFailed`` with every ``RowError`` (nothing written)."""
    try:
        headers, rows = read_table(source, filename, MAX_ROWS)
    except TableError as exc:
        raise ImportFailed([RowError(filename, 0, "", str(exc))]) from None
    missing = [c for c in REQUIRED if c not in headers]
    if missing:
        reason = _("缺少列：%(c)s") % {"c": "、".join(missing)}
        raise ImportFailed([RowError(filename, 1, "", reason)])
    errors: list[RowError] = []
    plan = _plan(actor, filename, rows, errors)
    if errors:
        raise ImportFailed(errors)
    return _write(actor, filename, plan)


def _plan(actor, filename: str, rows, errors: list[RowError]) -> dict:
    codes = {r[CELL].strip().upper() for _n, r in rows}
    cells = {c.code: c for c in Cell.objects.filter(code__in=codes).defer("boundary")}
    plan: dict[tuple[str, str], PlannedTeam] = {}
    seen_members: set[tuple[str, str, str]] = set()
    phones = {r.get(MOBILE, "").strip() for _n, r in rows} | {
        r.get(LEADER_PHONE, "").strip() for _n, r in rows
    }
    known = {p.phone: p for p in Person.objects.filter(phone__in=phones - {""})}
    named: dict[str, tuple[str, int]] = {}  # a number's name as the file first gives it

    def error(row: int, column: str, reason) -> None:
        errors.append(RowError(filename, row, column, str(reason)))

    for number, r in rows:
        code, team_name = r[CELL].strip().upper(), r[TEAM].strip()
        cell = cells.get(code)
        if cell is None or (actor is not None and not _sees(actor, cell)):
            error(number, CELL, _("找不到该网格"))
            continue
        if actor is not None and permissions.change_refusal(actor, cell.path):
            error(number, CELL, permissions.change_refusal(actor, cell.path))
            continue
        if not team_name or len(team_name) > 64:
            error(number, TEAM, _("队伍名称不能为空，且不超过 64 个字"))
            continue
        kind = KINDS.get(r[KIND].strip())
        if kind is None:
            error(number, KIND, _("未知的队伍类型：%(k)s") % {"k": r[KIND]})
            continue
        key = (code, team_name)
        team = plan.get(key)
        if team is None:
            existing = (
                Team.objects.filter(cell_path=cell.path, name=team_name)
                .exclude(status=TeamStatus.REVOKED)
                .first()
            )
            team = plan[key] = PlannedTeam(cell, team_name, kind, number, existing)
            team.leader = (r.get(LEADER, "").strip(), r.get(LEADER_PHONE, "").strip())
            team.phone, team.address = r.get(PHONE, "").strip(), r.get(ADDRESS, "").strip()
            leads = existing is None and any(team.leader)
            if leads and _check_person(team.leader, number, (LEADER, LEADER_PHONE), known, error):
                named.setdefault(team.leader[1], (team.leader[0], number))
        elif kind != team.kind:
            error(number, KIND, _("与第 %(n)s 行同一队伍的类型不一致") % {"n": team.row})
            continue
        name, mobile = r.get(NAME, "").strip(), r.get(MOBILE, "").strip()
        if not name and not mobile:
            continue
        if not _check_person((name, mobile), number, (NAME, MOBILE), known, error):
            continue
        first_name, first_row = named.setdefault(mobile, (name, number))
        if first_name != name:
            reason = _("手机号 %(p)s 在第 %(n)s 行是另一人") % {"p": mobile, "n": first_row}
            error(number, MOBILE, reason)
            continue
        role = ROLES.get(r.get(ROLE, "").strip() or MemberRole.MEMBER)
        if role is None:
            error(number, ROLE, _("未知的队内职务：%(r)s") % {"r": r.get(ROLE)})
            continue
        if (code, team_name, mobile) in seen_members or (
            mobile == team.leader[1] and team.existing is None
        ):
            error(number, MOBILE, _("该队员在本队已列出"))
            continue
        if (
            team.existing
            and Member.objects.filter(team=team.existing, person__phone=mobile, left=None).exists()
        ):
            error(number, MOBILE, _("%(n)s 已是该队伍队员") % {"n": name})
            continue
        skills = r.get(SKILLS, "").strip()
        if len(skills) > 200:
            error(number, SKILLS, _("不能超过 %(n)s 个字") % {"n": 200})
            continue
        seen_members.add((code, team_name, mobile))
        team.members.append((number, name, mobile, role, skills))
    return plan


def _sees(actor, cell: Cell) -> bool:
    from qianshao.grid.scope import scope_of

    return scope_of(actor).covers(cell.path)


def _check_person(person: tuple[str, str], row: int, columns, known: dict, error) -> bool:
    """A name and a mobile as a member needs them; a registered number must carry the same
    name (whose it is otherwise is not said)."""
    name, mobile = person
    if not name or len(name) > 32:
        error(row, columns[0], _("姓名不能为空，且不超过 32 个字"))
        return False
    if not re.match(MOBILE_RE, mobile):
        error(row, columns[1], _("手机号码应为 11 位数字，以 13–19 开头"))
        return False
    found = known.get(mobile)
    if found is not None and found.name != name:
        error(row, columns[1], _("手机号 %(p)s 已登记在另一人名下") % {"p": mobile})
        return False
    return True


def _write(actor, filename: str, plan: dict) -> dict[str, int]:
    teams = members = 0
    row = 0
    try:
        with transaction.atomic():
            for planned in plan.values():
                row = planned.row
                team = planned.existing
                if team is None:
                    team = actions.create_team(
                        actor,
                        cell=planned.cell,
                        name=planned.name,
                        kind=planned.kind,
                        phone=planned.phone,
                        address=planned.address,
                        leader_name=planned.leader[0],
                        leader_phone=planned.leader[1],
                    )
                    teams += 1
                people = [
                    actions.NewMember(name=name, phone=mobile, role=role, skills=skills)
                    for _row, name, mobile, role, skills in planned.members
                ]
                try:
                    members += len(actions.add_members(actor, team, people))
                except ActionError as exc:  # the file's row of the person refused
                    if getattr(exc, "row", None):
                        row = planned.members[exc.row - 1][0]
                    raise
    except ActionError as exc:
        column = {"phone": MOBILE, "name": NAME, "leader_phone": LEADER_PHONE}.get(
            exc.field or "", exc.field or ""
        )
        reason = getattr(exc, "reason", exc.message)
        raise ImportFailed([RowError(filename, row, column, reason)]) from None
    return {"teams": teams, "members": members}
