"""Adding a roster at once (``add_members``): one transaction and one audit record listing
them, each person checked as ``add_member`` checks one, a bad row refusing them all and
named; the counters move as for one at a time."""

from datetime import timedelta

import pytest
from django.utils import timezone

from qianshao.audit.models import AuditRecord
from qianshao.grid.models import Person
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.resources import actions_forces as actions
from qianshao.resources import counts_forces as counts
from qianshao.resources import tally
from qianshao.resources.actions_forces import NewMember
from qianshao.resources.models import Member, MemberRole, Team, TeamKind

pytestmark = pytest.mark.django_db


def roster(n: int, start: int = 0) -> list[NewMember]:
    return [NewMember(name=f"队员{start + i}", phone=f"1390000{start + i:04d}") for i in range(n)]


def team_at(cast) -> Team:
    return actions.create_team(
        cast.users["township"], cell=cast.village, name="先锋分队", kind=TeamKind.COMPREHENSIVE
    )


def state() -> tuple:
    return (
        list(Member.objects.order_by("pk").values_list("pk", "person_id", "role")),
        list(Team.objects.order_by("pk").values_list("pk", "members_n", "leader_id")),
        Person.objects.count(),
        AuditRecord.objects.count(),
        sorted(tally.recount().items()),
    )


def test_a_roster_is_added_in_one_audit_record_and_counted(cast):
    team = team_at(cast)
    audits = AuditRecord.objects.count()
    people = roster(10)
    people[3] = NewMember(name="队员3", phone="13900000003", role=MemberRole.LEADER)
    made = actions.add_members(cast.users["township"], team, people)
    team.refresh_from_db()
    assert len(made) == 10 and team.members_n == 10
    assert team.leader.phone == "13900000003"
    records = AuditRecord.objects.order_by("pk")[audits:]
    # the new people are registered through the grid's action (its record each), the
    # memberships in one
    ours = [r for r in records if r.action.startswith("resources.")]
    assert [r.action for r in ours] == ["resources.team.add_members"]
    assert len(ours[0].after["people"]) == 10
    assert tally.read(cast.village.path, counts.MEMBERS)[counts.MEMBERS] == {
        TeamKind.COMPREHENSIVE: 10
    }
    assert tally.read(cast.village.path, counts.MET)[counts.MET] == {cast.village.kind: 1}
    assert tally.matches()


@pytest.mark.parametrize(
    "bad, row, field, error",
    [
        (NewMember(name="坏", phone="123"), 2, "phone", ActionError),
        (NewMember(name="坏", phone="13900000099", role="boss"), 2, "role", ActionError),
        (NewMember(name="队员0", phone="13900000000"), 2, "phone", Conflict),  # twice
        (
            # tomorrow as of when the test runs, not when it was collected
            lambda: NewMember(
                name="晚", phone="13900000098", joined=timezone.localdate() + timedelta(days=1)
            ),
            2,
            "joined",
            ActionError,
        ),
    ],
)
def test_one_bad_row_refuses_the_whole_roster_naming_it(cast, bad, row, field, error):
    team = team_at(cast)
    before = state()
    people = roster(1) + [bad() if callable(bad) else bad] + roster(2, start=5)
    with pytest.raises(error) as caught:
        actions.add_members(cast.users["township"], team, people)
    assert (caught.value.row, caught.value.field) == (row, field)
    assert f"第 {row} 人" in caught.value.message
    assert state() == before


def test_a_current_member_or_a_number_of_someone_unseen_is_refused(cast):
    team = team_at(cast)
    actions.add_members(cast.users["township"], team, roster(2))
    before = state()
    with pytest.raises(Conflict) as caught:
        actions.add_members(cast.users["township"], team, roster(3))  # 队员0 already in
    assert (caught.value.row, caught.value.field) == (1, "phone")
    assert state() == before


def test_who_may_not_change_the_team_adds_no_one(cast):
    team = team_at(cast)
    before = state()
    with pytest.raises(NotAllowed):
        actions.add_members(cast.users["department"], team, roster(2))
    assert state() == before
