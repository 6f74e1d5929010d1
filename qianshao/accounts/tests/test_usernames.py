"""A username never shadows someone's phone login; a login resolves to one account."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from qianshao.accounts.actions import create_login
from qianshao.grid.models import Role
from qianshao.lib.errors import ActionError
from qianshao.testing import PASSWORD, appoint

GOOD_PASSWORD = "patrol-2024-一村"


@pytest.fixture
def member(cast):
    return appoint(cast.village, Role.MEMBER, name="郑十一", actor=cast.users["township"])


def logs_in(username, password=PASSWORD):
    response = Client().post("/login/", {"username": username, "password": password})
    return response.status_code == 302


@pytest.mark.parametrize(
    "spelling", ["{p}", " {p} ", "+86{p}", "{a} {b} {c}", "0086{p}", "1{q}"], ids=str
)
def test_a_manager_cannot_make_a_username_of_someone_elses_phone(cast, member, spelling):
    phone = cast.people["outsider"].phone  # outside the township's scope, too
    username = spelling.format(p=phone, a=phone[:3], b=phone[3:7], c=phone[7:], q=phone[1:])
    with pytest.raises(ActionError) as refused:
        create_login(cast.users["township"], member, username=username, password=GOOD_PASSWORD)
    assert refused.value.field == "username"
    assert not get_user_model().objects.filter(person=member).exists()
    assert logs_in(phone)  # the owner's phone login still works


def test_a_person_may_have_their_own_phone_as_username(cast, member):
    user = create_login(
        cast.users["township"], member, username=member.phone, password=GOOD_PASSWORD
    )
    assert user.username == member.phone
    assert logs_in(member.phone, GOOD_PASSWORD)


def test_a_phone_login_reaches_the_phones_owner_even_if_a_username_spells_it(cast):
    # an account from before the rule, whose username is another person's phone
    phone = cast.people["village"].phone
    get_user_model().objects.create_user(username=phone, password="squatter-password-1")
    assert logs_in(phone)
    assert not logs_in(phone, "squatter-password-1")


def test_the_admin_refuses_a_username_that_is_someone_elses_phone(cast):
    admin = Client()
    admin.force_login(cast.users["admin"])
    phone = cast.people["village"].phone
    response = admin.post(
        "/admin/accounts/user/add/",
        {"username": phone, "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )
    assert response.status_code == 200
    assert "用户名不能是手机号" in response.content.decode()
    assert not get_user_model().objects.filter(username=phone).exists()


def test_the_admin_refuses_renaming_a_user_to_someone_elses_phone(cast):
    from qianshao.accounts.tests.conftest import _form_data

    admin = Client()
    admin.force_login(cast.users["admin"])
    user = cast.users["township"]
    url = f"/admin/accounts/user/{user.pk}/change/"
    data = _form_data(admin.get(url).context["adminform"].form)
    data["username"] = cast.people["village"].phone
    response = admin.post(url, data)
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.username == "township"


@pytest.mark.parametrize("username", ["COUNTY", "County", "cOuNtY"])
def test_a_username_differing_from_anothers_only_in_case_is_refused(cast, member, username):
    from qianshao.lib.errors import Conflict

    with pytest.raises(Conflict) as refused:
        create_login(cast.users["township"], member, username=username, password=GOOD_PASSWORD)
    assert refused.value.field == "username"
    assert not get_user_model().objects.filter(username=username).exists()


def test_the_admin_refuses_renaming_a_user_to_anothers_name_in_other_case(cast):
    from qianshao.accounts.tests.conftest import _form_data

    admin = Client()
    admin.force_login(cast.users["admin"])
    user = cast.users["township"]
    url = f"/admin/accounts/user/{user.pk}/change/"
    data = _form_data(admin.get(url).context["adminform"].form)
    data["username"] = "COUNTY"
    response = admin.post(url, data)
    assert response.status_code == 200
    assert "已被使用" in response.content.decode()
    user.refresh_from_db()
    assert user.username == "township"
