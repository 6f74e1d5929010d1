"""Routing: 谁主管、谁负责 — the county department whose domains hold the category owns the
hazard; a township escalates (抄告) to it with a copy to the emergency office; a major
hazard reaches both at once whoever reported it; the department handles what it holds and
its progress reaches the township that escalated."""

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qianshao.accounts.actions import create_login
from qianshao.grid import routing
from qianshao.grid.actions import create_department
from qianshao.grid.models import Department, Domain, Role
from qianshao.hazards import actions
from qianshao.hazards.models import Grade, Status, Step
from qianshao.hazards.permissions import allowed_steps
from qianshao.hazards.tests.conftest import jpeg, nothing_changes, told
from qianshao.lib.errors import Conflict, NotAllowed
from qianshao.testing import appoint


@dataclass
class Land:
    """自然资源局 (owns geological hazards) with a manager and a member who log in."""

    department: object
    manager: object
    member: object
    geological: Domain


@pytest.fixture
def land(cast):
    geological = Domain.objects.get(code="geological")
    department = create_department(
        None, cell=cast.county, code="ZRZYJ", name="A县自然资源局", domains=[geological]
    )
    users = []
    for role, name in [(Role.MANAGER, "局长"), (Role.MEMBER, "网格员")]:
        person = appoint(cast.county, role, name=f"自然资源局{name}", department=department)
        users.append(create_login(None, person, username=f"zrzyj-{role}", password="zrzyj-pass-1"))
    return Land(department, users[0], users[1], geological)


def person(user):
    return user.person.pk


def report(cast, user: str, category, **fields):
    return actions.report(
        cast.users[user],
        title="后山出现裂缝",
        description="坡体裂缝长约 15 米",
        category=category,
        **({"cell": cast.village} | fields),
    )


def test_the_owner_is_the_county_department_whose_domains_hold_the_category(cast, land):
    fire = Domain.objects.get(code="fire")
    gas = Domain.objects.get(code="gas")
    create_department(None, cell=cast.county, code="ZJJ", name="住建局", domains=[gas])
    create_department(None, cell=cast.county, code="RQB", name="燃气办", domains=[gas, fire])
    industry = Domain.objects.get(code="industry_trade")
    assert routing.owner_department(cast.village, land.geological) == land.department.pk
    assert routing.owner_department(cast.village, industry) == cast.department.pk
    gas_owner = routing.owner_department(cast.village, gas)
    assert Department.objects.get(pk=gas_owner).code == "RQB"  # two own it: by code
    assert routing.owner_department(cast.village, Domain.objects.get(code="weather")) is None
    # a department of A县 owns nothing in B县
    assert routing.owner_department(cast.other_village, land.geological) is None
    h = report(cast, "village", land.geological)
    assert h.owner == land.department


def test_escalation_goes_to_the_owning_department_with_a_copy_to_the_emergency_office(
    cast, land, settings
):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    township = cast.users["township"]
    h = actions.accept(township, report(cast, "village", land.geological))
    h = actions.escalate(township, h, note="超出乡镇监管权限")
    assert (h.status, h.assignee_department, h.escalated_by) == (
        Status.ESCALATED,
        land.department,
        cast.township,
    )
    office = {cast.people["department"].pk}
    owners = {person(land.manager), person(land.member)}
    assert told("hazards.escalate") == owners | office
    assert told("hazards.escalate", "sms") == owners | office


def test_the_department_holding_an_escalated_hazard_assigns_it_and_reports_back(cast, land, later):
    township, office_member = cast.users["township"], cast.users["department"]
    h = actions.escalate(
        township, actions.accept(township, report(cast, "village", land.geological))
    )
    assert Step.ASSIGN in allowed_steps(land.member, h)
    assert allowed_steps(office_member, h) == []  # the office is copied, not holding it
    with nothing_changes(), pytest.raises(Conflict):
        actions.start(land.member, h)  # not before it is assigned
    h = actions.assign(
        land.manager,
        h,
        measures="设置监测点，转移坡下住户",
        responsible=land.member.person,
        deadline=later,
        contingency="雨天撤离",
        assignee_department=land.department,
    )
    h = actions.start(land.member, h)
    h = actions.progress(land.member, h, note="已转移 4 户", photo_files=[("p.jpg", jpeg())])
    # the report back reaches the township that escalated it
    assert person(township) in told("hazards.progress")
    h = actions.submit(land.member, h, photo_files=[("a.jpg", jpeg())])
    office = person(office_member)  # copied on the escalation: told how it ends
    assert {person(township), office} <= told("hazards.submit")
    assert Step.VERIFY not in allowed_steps(land.member, h)  # its rectifier
    h = actions.verify(land.manager, h)
    h = actions.close(land.manager, h)
    assert h.status == Status.CLOSED
    assert {person(township), office} <= told("hazards.close")


def test_the_emergency_office_is_not_told_how_a_hazard_it_was_not_copied_on_ends(cast, hazard_in):
    hazard_in(Status.CLOSED)
    assert cast.people["department"].pk not in told("hazards.submit") | told("hazards.close")


def test_a_township_may_still_assign_what_it_escalated(cast, land, later):
    township = cast.users["township"]
    h = actions.escalate(
        township, actions.accept(township, report(cast, "village", land.geological))
    )
    h = actions.assign(
        township,
        h,
        measures="清理",
        responsible=cast.people["village"],
        deadline=later,
        contingency="撤离",
        assignee_cell=cast.village,
    )
    assert h.status == Status.ASSIGNED and h.assignee_cell == cast.village


@pytest.mark.parametrize("reporter", ["village", "township", "county", "department"])
def test_a_major_hazard_reaches_the_owner_and_the_emergency_office_at_once(
    cast, land, settings, reporter
):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    h = report(cast, reporter, land.geological, grade=Grade.MAJOR)
    assert h.status == Status.SUBMITTED and h.owner == land.department
    at_once = {
        person(land.manager),
        person(land.member),
        cast.people["department"].pk,  # the emergency office
        cast.people["county"].pk,  # the county dispatcher
        cast.people["township"].pk,  # and the township that triages
    }
    assert told("hazards.report") == at_once
    assert told("hazards.report", "sms") == at_once


def test_without_a_gateway_a_major_hazard_is_told_in_the_app_only(cast, land, settings):
    settings.SMS_GATEWAY_URL = ""
    report(cast, "village", land.geological, grade=Grade.MAJOR)
    assert person(land.member) in told("hazards.report")
    assert told("hazards.report", "sms") == set()


def test_a_general_hazard_is_told_to_the_township_only(cast, land, settings):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    report(cast, "village", land.geological)
    assert told("hazards.report") == {cast.people["township"].pk}
    assert told("hazards.report", "sms") == set()


def test_a_hazard_on_the_county_itself_is_told_to_the_county_that_triages_it(cast, land):
    """No township lies above the county's own cell: its managing people hear of it (as
    supervision then reaches them), not nobody."""
    report(cast, "county", land.geological, cell=cast.county)
    assert told("hazards.report") == {cast.people["county"].pk}
    assert routing.triage_people(cast.village) == [cast.people["township"]]


def test_a_major_hazard_on_the_county_itself_reaches_the_county_and_both_departments(cast, land):
    report(cast, "county", land.geological, cell=cast.county, grade=Grade.MAJOR)
    assert told("hazards.report") == {
        cast.people["county"].pk,
        person(land.manager),
        person(land.member),
        cast.people["department"].pk,
    }


def test_a_major_hazard_costs_a_statement_more_than_a_general_one_when_it_texts(
    cast, land, settings
):
    """Its people (the township's and the county's supervisors, the two departments') are
    read by the statement that writes their in-app messages, as a general hazard's
    township people are, and their texts by one more (docs/adr/0037, 0039)."""
    report(cast, "village", land.geological)  # the reporter's posts and the routing, read
    with CaptureQueriesContext(connection) as general:
        report(cast, "village", land.geological)
    with CaptureQueriesContext(connection) as major:
        report(cast, "village", land.geological, grade=Grade.MAJOR)
    assert len(major) == len(general), [q["sql"] for q in major.captured_queries]
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    with CaptureQueriesContext(connection) as texting:
        report(cast, "village", land.geological, grade=Grade.MAJOR)
    assert len(texting) == len(general) + 1, [q["sql"] for q in texting.captured_queries]
    assert told("hazards.report", "sms") == {
        person(land.manager),
        person(land.member),
        cast.people["department"].pk,
        cast.people["county"].pk,
        cast.people["township"].pk,
    }


def test_the_owner_of_a_major_hazard_may_check_it_but_not_a_general_one(cast, land, hazard_in):
    major = hazard_in(Status.VERIFYING, category=land.geological, grade=Grade.MAJOR)
    general = hazard_in(Status.VERIFYING, category=land.geological)
    fire = hazard_in(Status.VERIFYING, category=Domain.objects.get(code="fire"), grade="major")
    assert set(allowed_steps(land.member, major)) == {Step.VERIFY, Step.REJECT}
    assert allowed_steps(land.member, general) == []
    assert allowed_steps(land.member, fire) == []  # not its domain
    with nothing_changes(), pytest.raises(NotAllowed):
        actions.verify(land.member, general)
    assert actions.verify(land.member, major).verified_by == land.member
