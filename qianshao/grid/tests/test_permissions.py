"""Who may change which cell: grid.permissions, as the grid's actions apply it."""

from datetime import date

import pytest
import time_machine

from qianshao.accounts.actions import create_login
from qianshao.audit.models import AuditRecord
from qianshao.grid import actions
from qianshao.grid.models import Cell, Department, Person, Role, RoleAssignment
from qianshao.grid.permissions import can_manage
from qianshao.lib.errors import NotAllowed
from qianshao.testing import PASSWORD, appoint

CASES = [
    # actor, cell code, may appoint there
    ("county", "450901", True),  # the root's managers manage the root itself
    ("county", "450901100", True),
    ("county", "450901101201", True),
    ("county", "450902100201", False),  # another county
    ("township", "450901100201", True),
    ("township", "450901100202", True),
    ("township", "450901100", False),  # its own township: the county appoints there
    ("township", "450901", False),
    ("township", "450901101", False),  # a sibling township
    ("township", "450901101201", False),  # a village of another township
    ("township", "450902100201", False),  # a village of another county
    ("village", "450901100201", False),
    ("department", "450901", False),
    ("department", "450901100201", False),
    ("outsider", "450902", True),
    ("outsider", "450901100201", False),
    ("admin", "450902100201", True),
]


def written() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Cell, Person, RoleAssignment, Department, AuditRecord)
    }


def newcomer(cell: Cell, phone: str = "13600000001") -> Person:
    return actions.create_person(None, name="新来的", phone=phone, cell=cell)


def login_for(person: Person, username: str):
    return create_login(None, person, username=username, password=PASSWORD)


@pytest.mark.parametrize(("actor", "code", "allowed"), CASES)
def test_assign_role_follows_who_manages_which_cell(cast, actor, code, allowed):
    cell = cast.cell(code)
    person = newcomer(cell)
    before = written()

    if allowed:
        assignment = actions.assign_role(
            cast.users[actor], person=person, cell=cell, role=Role.MEMBER
        )
        assert (assignment.person, assignment.cell, assignment.role) == (person, cell, "member")
    else:
        with pytest.raises(NotAllowed) as refused:
            actions.assign_role(cast.users[actor], person=person, cell=cell, role=Role.MEMBER)
        assert (refused.value.status, refused.value.field) == (403, "cell")
        assert written() == before


@pytest.mark.parametrize(
    ("role", "manages"),
    [
        (Role.HEAD, True),
        (Role.DEPUTY, True),
        (Role.DISPATCHER, True),
        (Role.MANAGER, True),
        (Role.MEMBER, False),
        (Role.INFORMANT, False),
    ],
)
def test_only_managing_roles_of_a_township_may_appoint_in_its_villages(cast, role, manages):
    township = cast.cell("450901101")
    user = login_for(appoint(township, role, name="乙镇干部"), "yi")
    village = cast.cell("450901101201")

    assert can_manage(user, village) is manages
    assert can_manage(user, township) is False
    assert can_manage(user, cast.village) is False


def test_a_departments_grid_manager_may_not_appoint(cast):
    user = login_for(
        appoint(cast.county, Role.MANAGER, name="局长", department=cast.department), "chief"
    )
    person = newcomer(cast.village)
    before = written()

    for cell in (cast.county, cast.township, cast.village):
        with pytest.raises(NotAllowed):
            actions.assign_role(user, person=person, cell=cell, role=Role.MEMBER)
    assert written() == before


def test_a_dispatcher_whose_term_has_ended_may_no_longer_appoint(cast):
    township = cast.cell("450901101")
    person = appoint(
        township, Role.DISPATCHER, name="前任", start=date(2024, 1, 1), end=date(2024, 12, 31)
    )
    user = login_for(person, "former")
    village = cast.cell("450901101201")

    with time_machine.travel(date(2024, 12, 31), tick=False):
        assert can_manage(user, village)
    user = type(user).objects.get(pk=user.pk)  # scope is computed once per user object
    with time_machine.travel(date(2025, 1, 1), tick=False):
        assert not can_manage(user, village)


def test_a_dispatcher_whose_term_has_not_begun_may_not_appoint_yet(cast):
    township = cast.cell("450901101")
    user = login_for(appoint(township, Role.DISPATCHER, start=date(2030, 1, 1)), "next")

    with time_machine.travel(date(2029, 12, 31), tick=False):
        assert not can_manage(user, cast.cell("450901101201"))


def test_an_inactive_user_may_not_appoint(cast):
    user = cast.users["township"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    person = newcomer(cast.village)

    with pytest.raises(NotAllowed):
        actions.assign_role(user, person=person, cell=cast.village, role=Role.MEMBER)


@pytest.mark.parametrize(("actor", "allowed"), [("township", True), ("village", False)])
def test_ending_a_term_needs_management_of_its_cell(cast, actor, allowed):
    assignment = cast.people["village"].assignments.get()
    before = written()

    if allowed:
        assert actions.end_term(cast.users[actor], assignment).end is not None
    else:
        with pytest.raises(NotAllowed):
            actions.end_term(cast.users[actor], assignment)
        assert written() == before


def test_a_township_may_not_register_people_in_another_township(cast):
    before = written()

    with pytest.raises(NotAllowed):
        actions.create_person(
            cast.users["township"], name="外人", phone="13600000009", cell=cast.cell("450901101")
        )
    assert written() == before


def test_a_township_may_not_register_county_departments(cast):
    before = written()

    with pytest.raises(NotAllowed):
        actions.create_department(
            cast.users["township"], cell=cast.county, code="SLJ", name="A县水利局"
        )
    assert written() == before
    assert actions.create_department(
        cast.users["county"], cell=cast.county, code="SLJ", name="水利"
    )
