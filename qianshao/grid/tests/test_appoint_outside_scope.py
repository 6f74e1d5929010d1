"""Nobody outside the manager's scope can be appointed by typing their name and number (on
the page; a roster row goes through the same action), and the answer does not say whose
the number is."""

import uuid

import pytest

from qianshao.grid import actions
from qianshao.grid.models import RoleAssignment
from qianshao.lib.errors import Conflict


def form(person, **extra):
    return {
        "name": person.name,
        "phone": person.phone,
        "role": "member",
        "client_uuid": str(uuid.uuid4()),
    } | extra


@pytest.mark.parametrize("whom", ["county", "outsider"])
def test_the_appoint_page_refuses_a_person_the_manager_cannot_see(cast, client_for, whom):
    person = cast.people[whom]  # the county's dispatcher is above the township; B县's outside
    posts = RoleAssignment.objects.count()
    response = client_for(cast.users["township"]).post("/grid/450901100201/assign/", form(person))
    assert response.status_code == 409
    errors = response.context["assign_form"].errors["phone"]
    assert errors == [f"手机号 {person.phone} 已登记"]
    assert person.name not in str(errors)
    assert RoleAssignment.objects.count() == posts


def test_the_answer_is_the_same_whether_or_not_the_name_matches(cast, client_for):
    person = cast.people["outsider"]
    client = client_for(cast.users["township"])
    right = client.post("/grid/450901100201/assign/", form(person))
    wrong = client.post("/grid/450901100201/assign/", form(person, name="随便一个名字"))
    assert right.status_code == wrong.status_code == 409
    assert (
        right.context["assign_form"].errors["phone"] == wrong.context["assign_form"].errors["phone"]
    )


def test_a_person_the_manager_sees_is_appointed_by_name_and_number(cast, client_for):
    person = cast.people["village"]
    response = client_for(cast.users["township"]).post(
        "/grid/450901100202/assign/", form(person, role="informant")
    )
    assert response.status_code == 302
    assert person.assignments.filter(cell__code="450901100202").exists()


def test_the_action_refuses_the_unseen_person_as_any_used_number(cast):
    person = cast.people["county"]
    with pytest.raises(Conflict) as refused:
        actions.find_or_create_person(
            cast.users["township"], name=person.name, phone=person.phone, cell=cast.village
        )
    assert refused.value.field == "phone"
    assert refused.value.message == f"手机号 {person.phone} 已登记"
