"""Teams, members, certificates, experts and social forces through their actions: the
counters move with them (and equal a recount), the norm is met by one team with enough
members, a person may be in two teams (and is shown in both), and refusals — of the person,
of the status, of bad input — change nothing."""

from datetime import date

import pytest

from qianshao.audit.models import AuditRecord
from qianshao.grid.models import Person, Role
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.resources import actions_forces as actions
from qianshao.resources import counts_forces as counts
from qianshao.resources import tally
from qianshao.resources.models import (
    Member,
    MemberRole,
    Norm,
    Team,
    TeamKind,
    TeamStatus,
    TeamStep,
)
from qianshao.testing import appoint

pytestmark = pytest.mark.django_db


def phone(i: int) -> str:
    return f"139{i:08d}"


def team_in(cast, cell=None, *, by="township", kind=TeamKind.COMPREHENSIVE, n=0, start=0):
    """A team of ``kind`` in ``cell`` (一村) with ``n`` members, through the actions."""
    team = actions.create_team(
        cast.users[by], cell=cell or cast.village, name="先锋分队", kind=kind
    )
    for i in range(n):
        actions.add_member(cast.users[by], team, name=f"队员{start + i}", phone=phone(start + i))
    team.refresh_from_db()
    return team


def figure(path: str, name: str, key: str = "") -> int:
    return tally.read(path, name).get(name, {}).get(key, 0)


def test_norms_are_seeded_by_the_migration():
    seeded = {n.cell_kind: n.minimum for n in Norm.objects.filter(within=None)}
    assert seeded == {"township": 30, "village": 10, "community": 10}


def test_a_team_and_its_members_are_counted_up_the_tree(cast):
    team = team_in(cast, n=3)
    assert team.status == TeamStatus.STANDBY and team.members_n == 3
    for path in (cast.village.path, cast.township.path, cast.county.path):
        assert figure(path, counts.TEAMS, TeamKind.COMPREHENSIVE) == 1
        assert figure(path, counts.MEMBERS, TeamKind.COMPREHENSIVE) == 3
    assert figure(cast.other_county.path, counts.TEAMS, TeamKind.COMPREHENSIVE) == 0
    assert tally.matches()


def test_a_cell_meets_its_norm_with_one_team_of_the_minimum(cast):
    team = team_in(cast, n=9)
    assert figure(cast.county.path, counts.MET, "village") == 0
    actions.add_member(cast.users["township"], team, name="第十人", phone=phone(99))
    assert figure(cast.village.path, counts.MET, "village") == 1
    assert figure(cast.county.path, counts.MET, "village") == 1
    assert tally.matches()
    member = Member.objects.get(person__phone=phone(99))
    actions.remove_member(cast.users["township"], member)
    assert figure(cast.county.path, counts.MET, "village") == 0
    assert tally.matches()


def test_two_small_teams_do_not_add_up_to_the_norm(cast):
    team_in(cast, n=6)
    team_in(cast, n=6, start=10)
    assert figure(cast.village.path, counts.MEMBERS, TeamKind.COMPREHENSIVE) == 12
    assert figure(cast.village.path, counts.MET, "village") == 0
    assert tally.matches()


def test_only_the_counted_kinds_meet_the_norm(cast):
    team_in(cast, kind=TeamKind.FLOOD, n=10)
    assert figure(cast.village.path, counts.MET, "village") == 0
    Norm.objects.filter(cell_kind="village").update(team_kinds=["comprehensive", "flood"])
    tally.rebuild()  # what the admin does on a norm's change
    assert figure(cast.village.path, counts.MET, "village") == 1


def test_the_most_specific_norm_applies(cast):
    Norm.objects.create(cell_kind="village", minimum=3, within=cast.township)
    assert counts.rule_for("village", cast.village.path).minimum == 3
    assert counts.rule_for("village", cast.cell("450901101201").path).minimum == 10
    team_in(cast, n=3)
    assert figure(cast.village.path, counts.MET, "village") == 1
    assert tally.matches()


def test_a_kind_change_moves_the_counters(cast):
    team = team_in(cast, n=10)
    actions.edit_team(
        cast.users["township"], team, name="防汛队", kind=TeamKind.FLOOD, phone="", address=""
    )
    assert figure(cast.county.path, counts.TEAMS, TeamKind.FLOOD) == 1
    assert figure(cast.county.path, counts.TEAMS, TeamKind.COMPREHENSIVE) == 0
    assert figure(cast.county.path, counts.MEMBERS, TeamKind.FLOOD) == 10
    assert figure(cast.county.path, counts.MET, "village") == 0
    assert tally.matches()


def test_the_team_steps_follow_the_flow(cast):
    team = team_in(cast, n=10)
    user = cast.users["township"]
    team = actions.team_step(user, team, TeamStep.DISPATCH, note="山洪")
    assert team.status == TeamStatus.OUT
    with pytest.raises(Conflict):
        actions.team_step(user, team, TeamStep.DISABLE)
    team = actions.team_step(user, team, TeamStep.RETURN)
    team = actions.team_step(user, team, TeamStep.DISABLE)
    assert team.status == TeamStatus.UNAVAILABLE
    assert figure(cast.county.path, counts.MET, "village") == 1  # 不可用 still counts
    team = actions.team_step(user, team, TeamStep.REVOKE)
    assert team.status == TeamStatus.REVOKED
    assert figure(cast.county.path, counts.TEAMS, TeamKind.COMPREHENSIVE) == 0
    assert figure(cast.county.path, counts.MEMBERS, TeamKind.COMPREHENSIVE) == 0
    assert figure(cast.county.path, counts.MET, "village") == 0
    assert tally.matches()
    with pytest.raises(Conflict):
        actions.team_step(user, team, TeamStep.RESTORE)
    actions_ = AuditRecord.objects.filter(action__startswith="resources.team.")
    assert {"resources.team.dispatch", "resources.team.revoke"} <= set(
        actions_.values_list("action", flat=True)
    )


def test_who_may_change_a_team(cast):
    team = team_in(cast)
    for name in ("village", "department", "outsider"):
        with pytest.raises(NotAllowed):
            actions.team_step(cast.users[name], team, TeamStep.DISPATCH)
        with pytest.raises(NotAllowed):
            actions.add_member(cast.users[name], team, name="某人", phone=phone(50))
    with pytest.raises(NotAllowed):
        actions.create_team(cast.users["outsider"], cell=cast.village, name="x", kind="flood")
    assert Team.objects.get(pk=team.pk).status == TeamStatus.STANDBY
    assert not Person.objects.filter(phone=phone(50)).exists()
    # a village's own head keeps the village's team, and registers a new member for it
    head = appoint(cast.village, Role.HEAD, name="村长")
    from qianshao.accounts.actions import create_login

    user = create_login(None, head, username="head", password="pw-pw-pw-1")
    actions.add_member(user, team, name="新队员", phone=phone(51))
    assert Team.objects.get(pk=team.pk).members_n == 1


def test_bad_input_names_the_field_and_writes_nothing(cast):
    user = cast.users["township"]
    cases = [
        ({"name": "", "kind": "flood"}, "name"),
        ({"name": "队", "kind": "nope"}, "kind"),
        ({"name": "队", "kind": "flood", "base_lon": "106"}, "base_lat"),
        ({"name": "队", "kind": "flood", "base_lon": "200", "base_lat": "24"}, "base_lon"),
        (
            {"name": "队", "kind": "flood", "leader_name": "王五", "leader_phone": "12"},
            "leader_phone",
        ),
    ]
    for fields, field in cases:
        with pytest.raises(ActionError) as caught:
            actions.create_team(user, cell=cast.village, **fields)
        assert caught.value.field == field
    assert not Team.objects.exists()
    assert tally.matches()


def test_a_member_in_two_teams_is_allowed_and_shown(cast):
    first = team_in(cast, n=1)
    second = team_in(cast, kind=TeamKind.FLOOD)
    actions.add_member(cast.users["township"], second, name="队员0", phone=phone(0))
    members = list(Member.objects.filter(team=second))
    shown = actions.other_teams(members, cast.users["township"])
    assert shown[members[0].pk] == [first]
    assert figure(cast.village.path, counts.MEMBERS, TeamKind.FLOOD) == 1
    with pytest.raises(Conflict) as twice:
        actions.add_member(cast.users["township"], second, name="队员0", phone=phone(0))
    assert twice.value.field == "phone"
    with pytest.raises(Conflict):  # the number is someone else's
        actions.add_member(cast.users["township"], second, name="别人", phone=phone(0))
    assert tally.matches()


def test_a_number_of_someone_out_of_sight_is_refused(cast):
    outside = appoint(cast.other_village, Role.MEMBER, name="外县人")
    team = team_in(cast)
    with pytest.raises(Conflict):
        actions.add_member(cast.users["township"], team, name="外县人", phone=outside.phone)
    assert Team.objects.get(pk=team.pk).members_n == 0


def test_a_leader_is_a_member(cast):
    team = actions.create_team(
        cast.users["township"],
        cell=cast.village,
        name="先锋分队",
        kind=TeamKind.COMPREHENSIVE,
        leader_name="李队长",
        leader_phone=phone(7),
    )
    assert team.leader.phone == phone(7) and team.members_n == 1 and team.phone == phone(7)
    assert Member.objects.get(team=team).role == MemberRole.LEADER
    assert tally.matches()


def test_certificates_only_for_members(cast):
    team = team_in(cast, n=1)
    person = Person.objects.get(phone=phone(0))
    certificate = actions.add_certificate(
        cast.users["township"], team, person=person, name="急救员证", expires="2027-01-01"
    )
    assert certificate.expires == date(2027, 1, 1) and certificate.cell_path == team.cell_path
    stranger = cast.people["county"]
    with pytest.raises(ActionError) as caught:
        actions.add_certificate(cast.users["township"], team, person=stranger, name="x")
    assert caught.value.field == "person"
    with pytest.raises(ActionError) as bad:
        actions.add_certificate(cast.users["township"], team, person=person, name="x", expires="1")
    assert bad.value.field == "expires"


def test_experts_are_counted_and_verified(cast):
    user = cast.users["county"]
    expert = actions.create_expert(
        user,
        cell=cast.county,
        name="黄工",
        field="地质灾害",
        phone="0776-1234567",
        verified_on="2025-01-01",
    )
    assert expert.keeper == user
    assert figure(cast.county.path, counts.EXPERTS) == 1
    with pytest.raises(ActionError) as caught:
        actions.verify_expert(user, expert, on="2024-01-01")
    assert caught.value.field == "verified_on"
    actions.verify_expert(user, expert)
    with pytest.raises(NotAllowed):
        actions.create_expert(
            cast.users["department"],
            cell=cast.county,
            name="x",
            field="y",
            phone="12345",
            verified_on="2025-01-01",
        )
    assert tally.matches()


def test_social_forces(cast):
    user = cast.users["county"]
    force = actions.create_social_force(
        user,
        cell=cast.county,
        organisation="蓝天救援队",
        capability="山地搜救",
        size="25",
        contact="赵",
        phone="13900000001",
        agreement_start="2026-01-01",
        agreement_end="2026-12-31",
    )
    assert force.size == 25
    with pytest.raises(ActionError) as caught:
        actions.edit_social_force(
            user,
            force,
            organisation="蓝天救援队",
            capability="山地搜救",
            size=25,
            contact="赵",
            phone="13900000001",
            agreement_start="2026-12-31",
            agreement_end="2026-01-01",
        )
    assert caught.value.field == "agreement_end"
    with pytest.raises(ActionError) as size:
        actions.create_social_force(
            user,
            cell=cast.county,
            organisation="x",
            capability="y",
            size="0",
            contact="z",
            phone="13900000001",
        )
    assert size.value.field == "size"


def test_the_compliance_table(cast):
    from qianshao.resources.compliance_forces import compliance

    team_in(cast, n=10)  # 一村 meets its norm
    team_in(cast, cell=cast.cell("450901100202"), n=4, start=20)  # 二村 is 6 short
    table = compliance(cast.township)
    rows = {r.cell.code: r for r in table.children}
    assert [r.cell.code for r in table.children] == ["450901100201", "450901100202"]
    assert (rows["450901100201"].meets, rows["450901100201"].shortfall) == (True, 0)
    assert (rows["450901100202"].meets, rows["450901100202"].shortfall) == (False, 6)
    assert rows["450901100202"].minimum == 10 and rows["450901100202"].members == 4
    assert table.total.minimum == 30 and table.total.shortfall == 30
    assert table.total.teams == 2 and table.total.members == 14
    # expected: 甲镇 itself and its two villages; met: 一村
    assert (table.total.expected, table.total.met_below, table.total.rate) == (3, 1, 33.3)
    county = compliance(cast.county)
    by_code = {r.cell.code: r for r in county.children}
    assert (by_code["450901100"].expected, by_code["450901100"].met_below) == (3, 1)
    assert (by_code["450901101"].expected, by_code["450901101"].met_below) == (2, 0)
    assert county.total.minimum is None and county.total.expected == 5


def test_readiness_figures(cast, django_assert_num_queries):
    from qianshao.resources.readiness_forces import figures

    team_in(cast, n=10)
    with django_assert_num_queries(1):
        found = figures([cast.county.path, cast.other_county.path])
    assert found[cast.county.path]["teams"] == 1
    assert found[cast.county.path]["members"] == 10 and found[cast.county.path]["met"] == 1
    assert found[cast.other_county.path]["teams"] == 0


def test_teams_follow_a_moved_cell(cast):
    from qianshao.grid.actions import move_cell

    team = team_in(cast, n=2)
    move_cell(None, cast.village, cast.cell("450901101"))
    team.refresh_from_db()
    village = cast.cell("450901100201")
    assert team.cell_path == village.path and village.path.startswith(cast.cell("450901101").path)


def test_a_moved_village_is_judged_by_the_norm_where_it_now_lies(cast):
    from qianshao.grid.actions import move_cell

    # 甲镇's villages need 3 members, 乙镇's the default 10
    Norm.objects.create(cell_kind="village", minimum=3, within=cast.township)
    team_in(cast, n=5)
    yi = cast.cell("450901101")
    assert figure(cast.county.path, counts.MET, "village") == 1
    move_cell(None, cast.village, yi)
    assert figure(cast.county.path, counts.MET, "village") == 0
    assert figure(yi.path, counts.MET, "village") == 0
    assert tally.matches()
    # and back: met again, counted under 甲镇
    move_cell(None, cast.cell("450901100201"), cast.township)
    assert figure(cast.township.path, counts.MET, "village") == 1
    assert tally.matches()


def test_a_norm_within_a_moved_township_moves_with_it(cast):
    from qianshao.grid.actions import move_cell

    Norm.objects.create(cell_kind="village", minimum=3, within=cast.township)
    team_in(cast, n=5)
    move_cell(None, cast.township, cast.other_county)
    assert figure(cast.other_county.path, counts.MET, "village") == 1
    assert figure(cast.county.path, counts.MET, "village") == 0
    assert tally.matches()
