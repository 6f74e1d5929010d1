"""A cell's people are listed in the seeds' order of roles; the card shows each person once."""

from qianshao.grid import actions
from qianshao.grid.models import Duty, Role, RoleAssignment
from qianshao.testing import START, appoint


def test_a_cells_people_are_listed_head_first_and_members_last(cast):
    village = cast.village
    for role in [Role.MEMBER, Role.INFORMANT, Role.DEPUTY, Role.MANAGER, Role.HEAD]:
        appoint(village, role, name=f"{role}人")
    roles = list(
        RoleAssignment.objects.filter(cell=village).by_rank().values_list("role", flat=True)
    )
    assert roles == ["head", "deputy", "manager", "informant", "member", "member"]


def test_the_grid_card_shows_a_person_with_two_roles_once_with_both(cast, client_for):
    manager = appoint(cast.village, Role.MANAGER, name="王管理", duties=[Duty.DISASTER_INFORMANT])
    actions.assign_role(
        None, person=manager, cell=cast.village, role=Role.INFORMANT, start=START, notify=False
    )
    page = client_for(cast.users["township"]).get(f"/grid/{cast.village.code}/card/")
    html = page.content.decode()
    assert html.count("王管理") == 1
    assert "网格管理员、灾害信息员、信息员" in html


def test_only_those_who_manage_part_of_the_grid_see_the_roster_import(cast, client_for):
    assert "名册导入" in client_for(cast.users["township"]).get("/").content.decode()
    assert "名册导入" not in client_for(cast.users["village"]).get("/").content.decode()
    assert "名册导入" not in client_for(cast.users["department"]).get("/").content.decode()
