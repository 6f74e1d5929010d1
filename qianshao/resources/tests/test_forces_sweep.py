"""The forces' sweep with a moving clock: an expert not verified within 12 months is flagged
once (``experts_overdue`` up, the keeper told once), 核实 clears it and re-arms the step;
a certificate expiring within 30 days is told once to the managers of its holder's team's
cell and the team's leader; a sweep run twice takes each step once."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from qianshao.notify.models import Message
from qianshao.resources import actions_forces as actions
from qianshao.resources import counts_forces as counts
from qianshao.resources import sweep_forces, tally
from qianshao.resources.models import Expert

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date):
    return time_machine.travel(
        datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI), tick=False
    )


def overdue_n(cast) -> int:
    return (
        tally.read(cast.county.path, counts.EXPERTS_OVERDUE)
        .get(counts.EXPERTS_OVERDUE, {})
        .get("", 0)
    )


def told(event: str, user=None) -> int:
    found = Message.objects.filter(event=event, channel="inapp")
    return found.filter(user=user).count() if user else found.count()


def test_an_expert_unverified_for_12_months_is_flagged_once(cast):
    keeper = cast.users["county"]
    with at(date(2025, 3, 1)):
        expert = actions.create_expert(
            keeper,
            cell=cast.county,
            name="黄工",
            field="地质",
            phone="12345",
            verified_on="2025-03-01",
        )
    with at(date(2026, 3, 1)):  # exactly 12 months: not yet
        assert sweep_forces.sweep()["experts_overdue"] == 0
    with at(date(2026, 3, 2)):
        assert sweep_forces.sweep()["experts_overdue"] == 1
        assert sweep_forces.sweep()["experts_overdue"] == 0  # run twice, taken once
    with at(date(2026, 3, 3)):
        sweep_forces.sweep()  # the next day too
    assert Expert.objects.get(pk=expert.pk).overdue
    assert overdue_n(cast) == 1 and tally.matches()
    assert told("resources.expert_overdue", keeper) == 1
    with at(date(2026, 4, 1)):
        actions.verify_expert(keeper, expert)
    assert overdue_n(cast) == 0 and not Expert.objects.get(pk=expert.pk).overdue
    assert tally.matches()
    with at(date(2027, 4, 2)):  # the next year: flagged again, told again
        assert sweep_forces.sweep()["experts_overdue"] == 1
    assert told("resources.expert_overdue", keeper) == 2 and tally.matches()


def test_an_expert_without_a_keeper_is_told_to_the_cells_managers(cast):
    with at(date(2025, 1, 1)):
        actions.create_expert(
            None,
            cell=cast.township,
            name="李工",
            field="防汛",
            phone="12345",
            verified_on="2023-12-01",
        )
        sweep_forces.sweep()
    assert told("resources.expert_overdue", cast.users["township"]) == 1
    assert told("resources.expert_overdue", cast.users["county"]) == 0


def test_a_certificate_expiring_within_30_days_is_told_once(cast, settings):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"  # queued, never delivered
    with at(date(2026, 5, 1)):
        team = actions.create_team(
            None,
            cell=cast.village,
            name="一村先锋分队",
            kind="comprehensive",
            leader_name="韦队长",
            leader_phone="13912340000",
        )
        member = actions.add_member(None, team, name="队员", phone="13912340001")
        actions.add_certificate(
            None, team, person=member.person, name="急救证", expires="2026-07-01"
        )
        assert sweep_forces.sweep()["certificates"] == 0  # two months ahead
    with at(date(2026, 6, 1)):
        assert sweep_forces.sweep()["certificates"] == 1
        assert sweep_forces.sweep()["certificates"] == 0
    with at(date(2026, 6, 15)):
        assert sweep_forces.sweep()["certificates"] == 0
    # 一村 has no manager: the township's dispatcher is the nearest
    assert told("resources.certificate_expiring", cast.users["township"]) == 1
    assert told("resources.certificate_expiring", cast.users["county"]) == 0
    leader = Message.objects.filter(event="resources.certificate_expiring", person=team.leader)
    assert leader.count() == 1  # the leader, by SMS (no login)


def test_an_agreement_ending_within_30_days_is_told_once(cast):
    with at(date(2026, 11, 1)):
        actions.create_social_force(
            None,
            cell=cast.county,
            organisation="蓝天救援队",
            capability="搜救",
            size=20,
            contact="赵",
            phone="13955550002",
            agreement_start="2026-01-01",
            agreement_end="2026-12-31",
        )
        assert sweep_forces.sweep()["agreements"] == 0
    with at(date(2026, 12, 1)):
        assert sweep_forces.sweep()["agreements"] == 1
        assert sweep_forces.sweep()["agreements"] == 0
    assert told("resources.agreement_ending", cast.users["county"]) == 1
    assert told("resources.agreement_ending", cast.users["township"]) == 0
