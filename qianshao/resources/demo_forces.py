"""The forces of the demo county (凌云县), built through the actions (issue 13's Demo item):

- the county brigade (县应急救援大队, 综合性, at the county);
- a squadron (应急救援中队, 综合性) in every township, each of at least 30 but one of 29 —
  one short of the norm;
- vanguard squads (应急先锋分队, 综合性) in the first villages and communities, of 10 to 13
  but three of them below 10; their members the village's own grid people first, then people
  added for the team; one squad's member also in the township's squadron (shown in both);
- an enterprise team at the first enterprise, when the county has one;
- three experts, one verified 13 months ago (flagged by the sweep, its keeper told);
- a social force with its agreement; a few certificates, one expiring within 30 days.
"""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from qianshao.grid.models import BASE_KINDS, Cell, CellKind, Person, RoleAssignment
from qianshao.grid.names import mobile, person_name
from qianshao.resources import actions_forces as actions
from qianshao.resources import sweep_forces
from qianshao.resources.models import MemberRole, TeamKind

VILLAGE_SQUADS = 15  # the villages and communities (first by code) given a squad
SHORT_SQUADRON = 29  # the one township squadron one short of the norm of 30
SHORT_SQUADS = [7, 8, 9]  # the three village squads below the norm of 10


class _Recruits:
    """New people for the teams: plausible names and unused mobiles, drawn reproducibly."""

    def __init__(self, seed: str):
        self.rng = random.Random(seed)
        self.taken = set(Person.objects.values_list("phone", flat=True))

    def add(self, team, n: int, *, role: str = MemberRole.MEMBER, skills: str = "") -> None:
        people = [
            actions.NewMember(
                name=person_name(self.rng),
                phone=mobile(self.rng, self.taken),
                role=role,
                skills=skills or self.rng.choice(SKILLS),
            )
            for _i in range(n)
        ]
        actions.add_members(None, team, people)


SKILLS = ["水上救援", "山地搜救", "医疗急救", "绳索救援", "驾驶", "通信保障", "巡查预警", ""]


def build(county: Cell) -> None:
    recruits = _Recruits("forces:" + county.code)
    brigade = _team(county, f"{county.name}应急救援大队", TeamKind.COMPREHENSIVE, recruits)
    recruits.add(brigade, 39)
    townships = list(Cell.objects.filter(parent=county, kind=CellKind.TOWNSHIP).order_by("code"))
    squadrons, short = {}, None
    for i, township in enumerate(townships):
        squadron = _team(township, f"{township.name}应急救援中队", TeamKind.COMPREHENSIVE, recruits)
        size = (
            SHORT_SQUADRON if i == min(1, len(townships) - 1) else 30 + recruits.rng.randint(0, 6)
        )
        recruits.add(squadron, size - 1)
        squadrons[township.pk] = squadron
        short = squadron.pk if size == SHORT_SQUADRON else short
    villages = list(
        Cell.objects.subtree(county.path)
        .filter(kind__in=BASE_KINDS)
        .defer("boundary")
        .order_by("path")[:VILLAGE_SQUADS]
    )
    shared = False
    for i, village in enumerate(villages):
        squad = _team(village, f"{village.name}应急先锋分队", TeamKind.COMPREHENSIVE, recruits)
        size = SHORT_SQUADS[i] if i < len(SHORT_SQUADS) else 10 + recruits.rng.randint(0, 3)
        joined = 1 + _grid_people(squad, village, size - 1)
        recruits.add(squad, size - joined)
        squadron = squadrons.get(village.parent_id)
        if i >= len(SHORT_SQUADS) and squadron and squadron.pk != short and not shared:
            _also_in(squadron, squad)  # one member in two teams, the 29 left at 29
            shared = True
    enterprise = (
        Cell.objects.subtree(county.path).filter(kind=CellKind.ENTERPRISE).order_by("path").first()
    )
    if enterprise is not None:
        team = _team(enterprise, f"{enterprise.name}应急救援队", TeamKind.ENTERPRISE, recruits)
        recruits.add(team, 11)
    _experts(county)
    _social_force(county)
    _certificates(brigade)
    sweep_forces.sweep()


def _team(cell: Cell, name: str, kind: str, recruits: _Recruits):
    """A team led by a new person (its first member)."""
    return actions.create_team(
        None,
        cell=cell,
        name=name,
        kind=kind,
        address=f"{cell.name}应急物资仓库旁",
        base_lon=cell.centre_lon,
        base_lat=cell.centre_lat,
        leader_name=person_name(recruits.rng),
        leader_phone=mobile(recruits.rng, recruits.taken),
    )


def _grid_people(team, village: Cell, most: int) -> int:
    """The village's own grid people as members (网格员, 信息员 …): how many joined."""
    posts = (
        RoleAssignment.objects.active()
        .filter(cell=village, department=None)
        .select_related("person")
        .order_by("pk")
    )
    seen, people = set(), []
    for post in posts:
        if len(people) >= most or post.person_id in seen:
            continue
        seen.add(post.person_id)
        people.append(
            actions.NewMember(name=post.person.name, phone=post.person.phone, skills="巡查预警")
        )
    actions.add_members(None, team, people)
    return len(people)


def _also_in(squadron, squad) -> None:
    """The squad's leader also serves in the township's squadron (shown on both)."""
    leader = squad.leader
    actions.add_member(None, squadron, name=leader.name, phone=leader.phone, skills="山地搜救")


def _experts(county: Cell) -> None:
    keeper = get_user_model().objects.filter(username="county").first()
    today = timezone.localdate()
    for name, field, title, organisation, phone, days in [
        ("黄建国", "地质灾害防治", "高级工程师", "县自然资源局", "0776-7612301", 400),
        ("罗志明", "防汛抗旱", "工程师", "县水利局", "0776-7612302", 60),
        ("韦丽华", "医疗救护", "主任医师", "县人民医院", "0776-7612303", 30),
    ]:
        actions.create_expert(
            None,
            cell=county,
            keeper=keeper,
            name=name,
            field=field,
            title=title,
            organisation=organisation,
            phone=phone,
            verified_on=today - timedelta(days=days),  # 400 days: 13 months ago
        )


def _social_force(county: Cell) -> None:
    today = timezone.localdate()
    actions.create_social_force(
        None,
        cell=county,
        organisation=f"{county.name}蓝天救援队",
        capability="山地搜救、水上救援、绳索救援",
        size=36,
        contact="陆海",
        phone="0776-7619999",
        agreement_start=today.replace(month=1, day=1),
        agreement_end=today.replace(month=12, day=31),
    )


def _certificates(brigade) -> None:
    """Certificates of the brigade's first members: one expiring within 30 days."""
    today = timezone.localdate()
    members = list(brigade.members.filter(left=None).select_related("person").order_by("id")[:3])
    for member, (name, days) in zip(
        members, [("应急救援员证", 20), ("红十字救护员证", 400), ("潜水员证", 700)], strict=False
    ):
        actions.add_certificate(
            None,
            brigade,
            person=member.person,
            name=name,
            number=f"CERT{member.pk:06d}",
            issuer="广西壮族自治区应急管理厅",
            expires=today + timedelta(days=days),
        )
