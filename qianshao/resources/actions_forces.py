"""The forces part's actions: teams (组建, 编辑, 出动, 收队, 停用, 恢复, 撤销), their members,
certificates, experts (with 核实) and social forces. Each checks the user (``permissions``),
then the input (``ActionError`` naming the field), changes the rows and the tallies in one
transaction and writes one audit record.

``actor`` is the user, or ``None`` for the system (imports, the demo).
"""

import re
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.grid import actions as grid_actions
from qianshao.grid.access import visible_people
from qianshao.grid.models import MOBILE_RE, Cell, Person
from qianshao.grid.permissions import can_manage
from qianshao.grid.scope import restrict
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.lib.schemas import check_date_range
from qianshao.lib.snapshot import snapshot
from qianshao.lib.text import clean_text
from qianshao.resources import counts_forces as counts
from qianshao.resources import permissions, tally
from qianshao.resources.models import (
    TEAM_FLOW,
    Certificate,
    Expert,
    Member,
    MemberRole,
    SocialForce,
    Team,
    TeamKind,
    TeamStatus,
    TeamStep,
)
from qianshao.resources.permissions_forces import team_refusal

TEAM_FIELDS = ["name", "kind", "leader", "phone", "base_lon", "base_lat", "address"]
EXPERT_FIELDS = ["name", "field", "title", "organisation", "phone", "verified_on", "keeper"]
FORCE_FIELDS = [
    "organisation",
    "capability",
    "size",
    "contact",
    "phone",
    "agreement_start",
    "agreement_end",
]
CERTIFICATE_FIELDS = ["person", "name", "number", "issuer", "expires"]
LON_RANGE, LAT_RANGE = (73.0, 136.0), (3.0, 54.0)  # China, as lib.geojson checks
PHONE_RE = re.compile(r"^[0-9+\-() ]{5,20}$")
MAX_SIZE = 1_000_000


# --- checks ---------------------------------------------------------------------------


def _may_change(actor, path: str) -> None:
    if actor is None:
        return
    refused = permissions.change_refusal(actor, path)
    if refused is not None:
        raise NotAllowed(refused, "cell")


def _phone(value: str, field: str = "phone", *, required: bool = False) -> str:
    value = (value or "").strip()
    if not value and not required:
        return ""
    if not PHONE_RE.match(value):
        raise ActionError(_("电话号码格式不正确"), field)
    return value


def _mobile(value: str, field: str = "phone") -> str:
    value = (value or "").strip()
    if not re.match(MOBILE_RE, value):
        raise ActionError(_("手机号码应为 11 位数字，以 13–19 开头"), field)
    return value


def _kind(kind: str) -> str:
    if kind not in TeamKind.values:
        raise ActionError(_("未知的队伍类型"), "kind")
    return kind


def _point(lon, lat) -> tuple[float | None, float | None]:
    """The base point: both coordinates or neither, within China."""
    if lon in (None, "") and lat in (None, ""):
        return None, None
    if lon in (None, ""):
        raise ActionError(_("请同时填写经度和纬度"), "base_lon")
    if lat in (None, ""):
        raise ActionError(_("请同时填写经度和纬度"), "base_lat")
    found = []
    for value, field, (low, high) in [(lon, "base_lon", LON_RANGE), (lat, "base_lat", LAT_RANGE)]:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ActionError(_("须为数字"), field) from None
        if not low <= number <= high:
            raise ActionError(
                _("须在 %(low)s 到 %(high)s 之间") % {"low": low, "high": high}, field
            )
        found.append(number)
    return found[0], found[1]


def _day(value, field: str, *, required: bool = False) -> date | None:
    if value in (None, ""):
        if required:
            raise ActionError(_("不能为空"), field)
        return None
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value))
        except ValueError:
            raise ActionError(_("日期格式应为 YYYY-MM-DD"), field) from None
    try:
        check_date_range(value)
    except ValueError as exc:
        raise ActionError(str(exc), field) from None
    return value


def _team_details(fields: dict) -> dict:
    """The team's own fields as stored, each checked, naming the field on a problem."""
    lon, lat = _point(fields.get("base_lon"), fields.get("base_lat"))
    return {
        "name": clean_text(fields.get("name", ""), "name", limit=64),
        "kind": _kind(fields.get("kind", "")),
        "phone": _phone(fields.get("phone", "")),
        "base_lon": lon,
        "base_lat": lat,
        "address": clean_text(fields.get("address", ""), "address", limit=200, required=False),
    }


# --- people ---------------------------------------------------------------------------


def member_person(actor, *, name: str, phone: str, cell: Cell) -> Person:
    """The person a member is: found by phone among the people ``actor`` sees (of the grid,
    or members of teams in their scope; the name must agree), or registered for the team.

    A number registered to someone the actor does not see is refused as a used number,
    whatever the name (as ``grid.actions.find_or_create_person``). The grid registers a
    person only for a manager strictly above the cell; a village's own manager, whom the
    resources' rule lets keep the village's team, has a new member registered by the system
    on the team's behalf (the membership's audit record names the actor).
    """
    name = clean_text(name, "name", limit=32)
    phone = _mobile(phone, "phone")
    person = Person.objects.filter(phone=phone).first()
    if person is None:
        registrar = actor if actor is None or can_manage(actor, cell) else None
        return grid_actions.create_person(registrar, name=name, phone=phone, cell=cell)
    if actor is not None and not _sees_person(actor, person):
        raise Conflict(_("手机号 %(phone)s 已登记") % {"phone": phone}, "phone")
    if person.name != name:
        raise Conflict(_("手机号 %(phone)s 已登记在另一人名下") % {"phone": phone}, "phone")
    return person


def _sees_person(user, person: Person) -> bool:
    return (
        visible_people(user).filter(pk=person.pk).exists()
        or restrict(Member.objects.filter(person=person), user).exists()
    )


# --- edits keep what they are not given --------------------------------------------------

TEAM_KEPT = ("name", "kind", "phone", "base_lon", "base_lat", "address")
EXPERT_KEPT = ("name", "field", "title", "organisation", "phone")
FORCE_KEPT = (
    "organisation",
    "capability",
    "size",
    "contact",
    "phone",
    "agreement_start",
    "agreement_end",
)


def _kept(row, names: tuple[str, ...]) -> dict:
    """``row``'s stored values of ``names``: an edit fills in the fields its caller left
    out (an API body without them) with these, never with blanks."""
    return {name: getattr(row, name) for name in names}


# --- teams ----------------------------------------------------------------------------


def create_team(
    actor,
    *,
    cell: Cell,
    name: str,
    kind: str,
    phone: str = "",
    base_lon=None,
    base_lat=None,
    address: str = "",
    leader_name: str = "",
    leader_phone: str = "",
) -> Team:
    """组建 a team in ``cell``, with its leader as its first member when given (found or
    registered by phone). Side effects: ``teams`` (and ``members``, ``met``) tallies, one
    audit record."""
    _may_change(actor, cell.path)
    details = _team_details(
        {
            "name": name,
            "kind": kind,
            "phone": phone,
            "base_lon": base_lon,
            "base_lat": base_lat,
            "address": address,
        }
    )
    with transaction.atomic():
        locked = counts.lock_cell(cell.pk)
        before = counts.meets(locked)
        leader = None
        if leader_name or leader_phone:
            leader = _leader(actor, leader_name, leader_phone, cell)
        team = Team(cell=cell, cell_path=cell.path, status_at=timezone.now(), **details)
        team.leader = leader
        if leader and not team.phone:
            team.phone = leader.phone
        TEAM_FLOW.begin(team, TeamStep.CREATE)
        team.save(force_insert=True)
        tally.add(cell.path, counts.TEAMS, 1, key=team.kind)
        if leader is not None:
            _join(team, leader, MemberRole.LEADER, "", timezone.localdate())
        counts.move_met(locked, before)
        audit(
            actor=actor,
            action="resources.team.create",
            obj=team,
            cell_path=cell.path,
            after=snapshot(team, TEAM_FIELDS) | {"status": team.status},
        )
    return team


def _leader(actor, name: str, phone: str, cell: Cell) -> Person:
    """The leader given with a new team: a member person, the fields named as the form's."""
    try:
        return member_person(actor, name=name, phone=phone, cell=cell)
    except ActionError as error:
        error.field = {"name": "leader_name", "phone": "leader_phone"}.get(error.field, error.field)
        raise


def edit_team(actor, team: Team, **fields) -> Team:
    """编辑 a team's details; a new kind moves its counters. Not its status (steps) nor its
    members (member actions). Side effects: tallies, one audit record."""
    _may_change(actor, team.cell_path)
    details = _team_details(_kept(team, TEAM_KEPT) | fields)
    with transaction.atomic():
        locked = counts.lock_cell(team.cell_id)
        before_met = counts.meets(locked)
        t = Team.objects.select_for_update().get(pk=team.pk)
        if t.status == TeamStatus.REVOKED:
            raise Conflict(_("该队伍已撤销，不能编辑"), "status")
        before = snapshot(t, TEAM_FIELDS)
        if details["kind"] != t.kind:
            tally.add_many(
                [
                    (t.cell_path, counts.TEAMS, t.kind, -1),
                    (t.cell_path, counts.TEAMS, details["kind"], 1),
                    (t.cell_path, counts.MEMBERS, t.kind, -t.members_n),
                    (t.cell_path, counts.MEMBERS, details["kind"], t.members_n),
                ]
            )
        for name, value in details.items():
            setattr(t, name, value)
        t.save(update_fields=list(details))
        counts.move_met(locked, before_met)
        audit(
            actor=actor,
            action="resources.team.edit",
            obj=t,
            cell_path=t.cell_path,
            before=before,
            after=snapshot(t, TEAM_FIELDS),
        )
    return t


def team_step(actor, team: Team, step: str, *, note: str = "") -> Team:
    """出动, 收队, 停用, 恢复 or 撤销 ``team`` through ``TEAM_FLOW``; 撤销 takes it (and its
    members) out of the counters and the norm. Side effects: one audit record."""
    if step not in TeamStep.values or step == TeamStep.CREATE:
        raise ActionError(_("未知的步骤"), "step")
    note = clean_text(note, "note", limit=500, required=False)
    with transaction.atomic():
        locked = counts.lock_cell(team.cell_id)
        before_met = counts.meets(locked)
        t = TEAM_FLOW.take(Team.objects.all(), team.pk, step, actor=actor, rule=team_refusal)
        t.status_at = timezone.now()
        TEAM_FLOW.move(t)
        if t.status == TeamStatus.REVOKED:
            tally.add_many(
                [
                    (t.cell_path, counts.TEAMS, t.kind, -1),
                    (t.cell_path, counts.MEMBERS, t.kind, -t.members_n),
                ]
            )
        TEAM_FLOW.finish(actor, t, fields=["status_at"], note=note)
        counts.move_met(locked, before_met)
    return t


# --- members --------------------------------------------------------------------------


def _join(team: Team, person: Person, role: str, skills: str, joined: date) -> Member:
    """Insert the membership and move ``members_n`` and the ``members`` tally (the team's
    row is locked by the caller). A person already a current member is refused (409)."""
    if Member.objects.filter(team=team, person=person, left=None).exists():
        raise Conflict(_("%(name)s 已是该队伍队员") % {"name": person.name}, "phone")
    try:
        with transaction.atomic():
            member = Member.objects.create(
                team=team, person=person, role=role, skills=skills, joined=joined
            )
    except IntegrityError:
        raise Conflict(_("%(name)s 已是该队伍队员") % {"name": person.name}, "phone") from None
    if role == MemberRole.LEADER:
        _demote_other_leaders(team, member)
        team.leader = person
    team.members_n += 1
    team.save(update_fields=["members_n", "leader"])
    if team.counted:
        tally.add(team.cell_path, counts.MEMBERS, 1, key=team.kind)
    return member


def _demote_other_leaders(team: Team, member: Member) -> None:
    """One leader at a time: a new leader makes the former one a member."""
    Member.objects.filter(team=team, left=None, role=MemberRole.LEADER).exclude(
        pk=member.pk
    ).update(role=MemberRole.MEMBER)


def add_member(
    actor,
    team: Team,
    *,
    name: str,
    phone: str,
    role: str = MemberRole.MEMBER,
    skills: str = "",
    joined=None,
) -> Member:
    """Add a person to ``team`` — one of the grid, or registered for the team by name and
    phone; a person may be in several teams. A leader replaces the team's leader. Side
    effects: ``members_n``, tallies, one audit record."""
    _may_change(actor, team.cell_path)
    if role not in MemberRole.values:
        raise ActionError(_("未知的队内职务"), "role")
    skills = clean_text(skills, "skills", limit=200, required=False)
    joined = _day(joined, "joined") or timezone.localdate()
    if joined > timezone.localdate():
        raise ActionError(_("入队日期不能晚于今天"), "joined")
    with transaction.atomic():
        locked = counts.lock_cell(team.cell_id)
        before_met = counts.meets(locked)
        t = Team.objects.select_for_update().get(pk=team.pk)
        if t.status == TeamStatus.REVOKED:
            raise Conflict(_("该队伍已撤销，不能增加队员"), "status")
        person = member_person(actor, name=name, phone=phone, cell=t.cell)
        member = _join(t, person, role, skills, joined)
        counts.move_met(locked, before_met)
        audit(
            actor=actor,
            action="resources.team.add_member",
            obj=t,
            cell_path=t.cell_path,
            after={
                "person": person.pk,
                "role": role,
                "skills": skills,
                "joined": joined,
                "members_n": t.members_n,
            },
        )
    return member


@dataclass(frozen=True)
class NewMember:
    """One row of ``add_members``: who joins, as ``add_member`` takes them."""

    name: str
    phone: str
    role: str = MemberRole.MEMBER
    skills: str = ""
    joined: date | str | None = None


def _refused_row(exc: ActionError, row: int) -> ActionError:
    """``exc`` naming the row (1-based) of ``add_members``'s list it was found in; ``row`` and
    the bare ``reason`` are kept on the error for a caller that names its own rows (a file's)."""
    named = type(exc)(_("第 %(row)s 人：%(message)s") % {"row": row, "message": exc.message})
    named.field, named.row, named.reason = exc.field, row, exc.message
    return named


def add_members(actor, team: Team, people: list[NewMember]) -> list[Member]:
    """Add several people to ``team`` at once — each checked as ``add_member`` checks one —
    in one transaction with one audit record listing them: a bad row refuses them all, the
    error naming the row (``row`` on it, 1-based) and its field. What a demo or an import of
    a whole roster needs without a transaction and an audit record per person. Side effects:
    ``members_n``, tallies (moved once), persons registered through the grid's action."""
    _may_change(actor, team.cell_path)
    today = timezone.localdate()
    rows = []
    for i, new in enumerate(people, 1):
        try:
            if new.role not in MemberRole.values:
                raise ActionError(_("未知的队内职务"), "role")
            skills = clean_text(new.skills, "skills", limit=200, required=False)
            joined = _day(new.joined, "joined") or today
            if joined > today:
                raise ActionError(_("入队日期不能晚于今天"), "joined")
        except ActionError as exc:
            raise _refused_row(exc, i) from None
        rows.append((new, skills, joined))
    if not rows:
        return []
    with transaction.atomic():
        locked = counts.lock_cell(team.cell_id)
        before_met = counts.meets(locked)
        t = Team.objects.select_for_update().get(pk=team.pk)
        if t.status == TeamStatus.REVOKED:
            raise Conflict(_("该队伍已撤销，不能增加队员"), "status")
        current = set(Member.objects.filter(team=t, left=None).values_list("person_id", flat=True))
        made, leader = [], None
        for i, (new, skills, joined) in enumerate(rows, 1):
            try:
                person = member_person(actor, name=new.name, phone=new.phone, cell=t.cell)
                if person.pk in current:
                    raise Conflict(_("%(name)s 已是该队伍队员") % {"name": person.name}, "phone")
            except ActionError as exc:
                raise _refused_row(exc, i) from None
            current.add(person.pk)
            made.append(Member(team=t, person=person, role=new.role, skills=skills, joined=joined))
            if new.role == MemberRole.LEADER:
                leader = made[-1]
        for m in made:  # one leader at a time: the last named leads, the others are members
            if m is not leader and m.role == MemberRole.LEADER:
                m.role = MemberRole.MEMBER
        members = Member.objects.bulk_create(made)
        if leader is not None:
            _demote_other_leaders(t, leader)
            t.leader = leader.person
        t.members_n += len(members)
        t.save(update_fields=["members_n", "leader"])
        if t.counted:
            tally.add(t.cell_path, counts.MEMBERS, len(members), key=t.kind)
        counts.move_met(locked, before_met)
        audit(
            actor=actor,
            action="resources.team.add_members",
            obj=t,
            cell_path=t.cell_path,
            after={
                "people": [
                    {"person": m.person_id, "role": m.role, "skills": m.skills, "joined": m.joined}
                    for m in members
                ],
                "members_n": t.members_n,
            },
        )
    return members


def remove_member(actor, member: Member, *, left=None, note: str = "") -> Member:
    """离队: the membership ends on ``left`` (today) and stays on record. Side effects:
    ``members_n``, tallies, one audit record."""
    _may_change(actor, member.team.cell_path)
    left = _day(left, "left") or timezone.localdate()
    note = clean_text(note, "note", limit=500, required=False)
    with transaction.atomic():
        locked = counts.lock_cell(member.team.cell_id)
        before_met = counts.meets(locked)
        t = Team.objects.select_for_update().get(pk=member.team_id)
        m = Member.objects.select_for_update().get(pk=member.pk)
        if m.left is not None:
            raise Conflict(_("该队员已离队"), "left")
        if left < m.joined:
            raise ActionError(_("离队日期不能早于入队日期"), "left")
        m.left = left
        m.save(update_fields=["left"])
        t.members_n -= 1
        if t.leader_id == m.person_id:
            t.leader = None
        t.save(update_fields=["members_n", "leader"])
        if t.counted:
            tally.add(t.cell_path, counts.MEMBERS, -1, key=t.kind)
        counts.move_met(locked, before_met)
        audit(
            actor=actor,
            action="resources.team.remove_member",
            obj=t,
            cell_path=t.cell_path,
            after={"person": m.person_id, "left": left, "members_n": t.members_n},
            note=note,
        )
    return m


def other_teams(members: list[Member], viewer=None) -> dict[int, list[Team]]:
    """For each person of ``members``, the other teams they are a current member of (those
    ``viewer`` sees; all when None): one query for them all."""
    people = {m.person_id for m in members}
    found = Member.objects.filter(person_id__in=people, left=None).select_related("team")
    if viewer is not None:
        found = restrict(found, viewer)
    teams: dict[int, list[Team]] = {}
    for m in found.exclude(team__status=TeamStatus.REVOKED):
        teams.setdefault(m.person_id, []).append(m.team)
    return {m.pk: [t for t in teams.get(m.person_id, []) if t.pk != m.team_id] for m in members}


# --- certificates ---------------------------------------------------------------------


def add_certificate(
    actor,
    team: Team,
    *,
    person: Person,
    name: str,
    number: str = "",
    issuer: str = "",
    expires=None,
) -> Certificate:
    """Record a certificate of a current member of ``team`` (kept at the team's cell).
    Side effects: one audit record."""
    _may_change(actor, team.cell_path)
    if not Member.objects.filter(team=team, person=person, left=None).exists():
        raise ActionError(_("只能为本队现有队员登记证书"), "person")
    certificate = Certificate(
        person=person,
        cell_path=team.cell_path,
        name=clean_text(name, "name", limit=64),
        number=clean_text(number, "number", limit=64, required=False),
        issuer=clean_text(issuer, "issuer", limit=64, required=False),
        expires=_day(expires, "expires"),
    )
    with transaction.atomic():
        certificate.save(force_insert=True)
        audit(
            actor=actor,
            action="resources.certificate.add",
            obj=certificate,
            cell_path=certificate.cell_path,
            after=snapshot(certificate, CERTIFICATE_FIELDS),
        )
    return certificate


def remove_certificate(actor, certificate: Certificate) -> None:
    """Delete a certificate recorded in error or withdrawn. Side effects: one audit record."""
    _may_change(actor, certificate.cell_path)
    with transaction.atomic():
        audit(
            actor=actor,
            action="resources.certificate.remove",
            obj=certificate,
            cell_path=certificate.cell_path,
            before=snapshot(certificate, CERTIFICATE_FIELDS),
        )
        certificate.delete()


# --- experts --------------------------------------------------------------------------


def _expert_details(fields: dict) -> dict:
    verified_on = _day(fields.get("verified_on"), "verified_on", required=True)
    if verified_on > timezone.localdate():
        raise ActionError(_("核实日期不能晚于今天"), "verified_on")
    return {
        "name": clean_text(fields.get("name", ""), "name", limit=32),
        "field": clean_text(fields.get("field", ""), "field", limit=64),
        "title": clean_text(fields.get("title", ""), "title", limit=64, required=False),
        "organisation": clean_text(
            fields.get("organisation", ""), "organisation", limit=100, required=False
        ),
        "phone": _phone(fields.get("phone", ""), required=True),
        "verified_on": verified_on,
    }


def create_expert(actor, *, cell: Cell, keeper=None, **fields) -> Expert:
    """Add an expert to the pool of ``cell``; the keeper (维护人) is ``keeper`` or the actor.
    Side effects: ``experts`` tally, one audit record."""
    _may_change(actor, cell.path)
    details = _expert_details(fields)
    expert = Expert(cell=cell, cell_path=cell.path, keeper=keeper or actor, **details)
    with transaction.atomic():
        expert.save(force_insert=True)
        tally.add(cell.path, counts.EXPERTS, 1)
        audit(
            actor=actor,
            action="resources.expert.create",
            obj=expert,
            cell_path=cell.path,
            after=snapshot(expert, EXPERT_FIELDS),
        )
    return expert


def edit_expert(actor, expert: Expert, **fields) -> Expert:
    """Edit an expert's details. A verification date is moved only by 核实 (``verify_expert``),
    which also clears the overdue mark. Side effects: one audit record."""
    _may_change(actor, expert.cell_path)
    fields = _kept(expert, EXPERT_KEPT) | fields | {"verified_on": expert.verified_on}
    details = _expert_details(fields)
    with transaction.atomic():
        e = Expert.objects.select_for_update().get(pk=expert.pk)
        before = snapshot(e, EXPERT_FIELDS)
        for name, value in details.items():
            setattr(e, name, value)
        e.save(update_fields=list(details))
        audit(
            actor=actor,
            action="resources.expert.edit",
            obj=e,
            cell_path=e.cell_path,
            before=before,
            after=snapshot(e, EXPERT_FIELDS),
        )
    return e


def verify_expert(actor, expert: Expert, *, on=None) -> Expert:
    """核实: the expert's details were confirmed on ``on`` (today); an overdue mark is
    cleared (``experts_overdue`` down) and the next 12 months begin. Side effects: one audit
    record."""
    _may_change(actor, expert.cell_path)
    on = _day(on, "verified_on") or timezone.localdate()
    if on > timezone.localdate():
        raise ActionError(_("核实日期不能晚于今天"), "verified_on")
    with transaction.atomic():
        e = Expert.objects.select_for_update().get(pk=expert.pk)
        if on < e.verified_on:
            raise ActionError(_("核实日期不能早于上次核实日期"), "verified_on")
        if on < counts.year_before(timezone.localdate()):
            raise ActionError(_("核实日期须在 12 个月以内"), "verified_on")
        before = {"verified_on": e.verified_on, "overdue": e.overdue}
        if e.overdue:
            tally.add(e.cell_path, counts.EXPERTS_OVERDUE, -1)
        e.verified_on, e.overdue = on, False
        e.save(update_fields=["verified_on", "overdue"])
        audit(
            actor=actor,
            action="resources.expert.verify",
            obj=e,
            cell_path=e.cell_path,
            before=before,
            after={"verified_on": on, "overdue": False},
        )
    return e


# --- social forces --------------------------------------------------------------------


def _force_details(fields: dict) -> dict:
    size = fields.get("size")
    try:
        size = int(size)
    except (TypeError, ValueError):
        raise ActionError(_("须为整数"), "size") from None
    if not 0 < size <= MAX_SIZE:
        raise ActionError(_("人数须为正整数"), "size")
    start = _day(fields.get("agreement_start"), "agreement_start")
    end = _day(fields.get("agreement_end"), "agreement_end")
    if start and end and end < start:
        raise ActionError(_("协议结束日期不能早于开始日期"), "agreement_end")
    return {
        "organisation": clean_text(fields.get("organisation", ""), "organisation", limit=100),
        "capability": clean_text(fields.get("capability", ""), "capability", limit=200),
        "size": size,
        "contact": clean_text(fields.get("contact", ""), "contact", limit=32),
        "phone": _phone(fields.get("phone", ""), required=True),
        "agreement_start": start,
        "agreement_end": end,
    }


def create_social_force(actor, *, cell: Cell, **fields) -> SocialForce:
    """Register a social emergency force with ``cell``. Side effects: one audit record."""
    _may_change(actor, cell.path)
    force = SocialForce(cell=cell, cell_path=cell.path, **_force_details(fields))
    with transaction.atomic():
        force.save(force_insert=True)
        audit(
            actor=actor,
            action="resources.social_force.create",
            obj=force,
            cell_path=cell.path,
            after=snapshot(force, FORCE_FIELDS),
        )
    return force


def edit_social_force(actor, force: SocialForce, **fields) -> SocialForce:
    """Edit a social force's details and agreement. Side effects: one audit record."""
    _may_change(actor, force.cell_path)
    details = _force_details(_kept(force, FORCE_KEPT) | fields)
    with transaction.atomic():
        f = SocialForce.objects.select_for_update().get(pk=force.pk)
        before = snapshot(f, FORCE_FIELDS)
        for name, value in details.items():
            setattr(f, name, value)
        f.save(update_fields=list(details))
        audit(
            actor=actor,
            action="resources.social_force.edit",
            obj=f,
            cell_path=f.cell_path,
            before=before,
            after=snapshot(f, FORCE_FIELDS),
        )
    return f
