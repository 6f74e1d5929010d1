"""The person page and the form that gives a person a login."""

import pytest
from django.contrib.auth import get_user_model

from qianshao.audit.models import AuditRecord
from qianshao.grid import actions
from qianshao.grid.models import Person
from qianshao.testing import appoint

pytestmark = pytest.mark.django_db
PASSWORD = "a-good-long-password-1"


def test_the_person_page_shows_the_phone_and_the_roles_in_scope(cast, client_for):
    person = appoint(cast.village, "member", name="两地人", duties=["forest_ranger"])
    actions.assign_role(None, person=person, cell=cast.cell("450901101201"), role="informant")
    html = client_for(cast.users["township"]).get(f"/people/{person.pk}/").content.decode()
    assert "两地人" in html
    assert person.phone in html
    assert "护林员" in html
    assert "/grid/450901100201/" in html
    assert "/grid/450901101201/" not in html  # 三村 is outside 甲镇


def test_a_manager_may_give_a_person_without_a_login_one(cast, client_for):
    person = appoint(cast.village, "member", name="新网格员")
    client = client_for(cast.users["township"])
    html = client.get(f"/people/{person.pk}/").content.decode()
    assert f'action="/people/{person.pk}/login/"' in html
    data = {"username": "xinwanggeyuan", "password": PASSWORD}
    response = client.post(f"/people/{person.pk}/login/", data, follow=True)
    assert response.redirect_chain == [(f"/people/{person.pk}/", 302)]
    assert "已为 新网格员 开通账号" in response.content.decode()
    person.refresh_from_db()
    assert person.user.username == "xinwanggeyuan"
    assert person.user.check_password(PASSWORD)
    assert AuditRecord.objects.filter(action="accounts.create_login").exists()
    assert f"/people/{person.pk}/login/" not in response.content.decode()


def test_the_login_form_is_not_offered_for_a_person_who_has_one(cast, client_for):
    person = cast.people["village"]
    html = client_for(cast.users["township"]).get(f"/people/{person.pk}/").content.decode()
    assert f"/people/{person.pk}/login/" not in html
    assert "已开通账号" in html


def test_a_member_is_not_offered_the_login_form(cast, client_for):
    person = appoint(cast.village, "member", name="新网格员")
    html = client_for(cast.users["village"]).get(f"/people/{person.pk}/").content.decode()
    assert "新网格员" in html
    assert f"/people/{person.pk}/login/" not in html


@pytest.mark.parametrize(
    ("username", "data", "error"),
    [
        ("township", {"username": "x", "password": "short"}, "password"),
        ("township", {"username": "county", "password": PASSWORD}, "用户名 county 已被使用"),
        ("township", {"username": "", "password": PASSWORD}, "username"),
        ("village", {"username": "someone", "password": PASSWORD}, "您无权为该人员开通账号"),
        ("department", {"username": "someone", "password": PASSWORD}, "您无权为该人员开通账号"),
    ],
)
def test_a_login_that_cannot_be_made_shows_why_and_makes_nothing(
    cast, client_for, username, data, error
):
    person = appoint(cast.village, "member", name="新网格员")
    users = get_user_model().objects.count()
    response = client_for(cast.users[username]).post(
        f"/people/{person.pk}/login/", data, follow=True
    )
    assert response.status_code == 200
    said = [str(m) for m in response.context["messages"]]
    assert len(said) == 1
    assert error in said[0]
    assert get_user_model().objects.count() == users
    assert Person.objects.get(pk=person.pk).user_id is None


def test_the_person_page_takes_the_same_queries_for_one_role_and_many(
    cast, client_for, django_assert_max_num_queries
):
    from qianshao.grid.tests.test_pages_cell import add_villages

    person = appoint(cast.village, "member", name="多岗人")
    client = client_for(cast.users["township"])
    client.get(f"/people/{person.pk}/")
    with django_assert_max_num_queries(20) as few:
        client.get(f"/people/{person.pk}/")
    add_villages(cast, 6)
    for code in [f"450901100{300 + i}" for i in range(6)]:
        actions.assign_role(None, person=person, cell=cast.cell(code), role="informant")
    with django_assert_max_num_queries(len(few)):
        response = client.get(f"/people/{person.pk}/")
    assert len(response.context["assignments"]) == 7


def test_a_manager_may_not_give_a_login_to_someone_who_holds_posts_they_do_not_manage(
    cast, client_for
):
    """The login would carry the other posts: 甲镇 must not take over 乙镇's head that way."""
    head = appoint(cast.cell("450901101"), "head", name="乙镇镇长")
    # the county, who sees both townships, makes 乙镇's head an informant of 甲镇's 一村 too
    actions.assign_role(cast.users["county"], person=head, cell=cast.village, role="informant")
    client = client_for(cast.users["township"])
    html = client.get(f"/people/{head.pk}/").content.decode()
    assert f"/people/{head.pk}/login/" not in html
    response = client.post(
        f"/people/{head.pk}/login/", {"username": "takeover", "password": PASSWORD}, follow=True
    )
    assert "您无权为该人员开通账号" in [str(m) for m in response.context["messages"]][0]
    assert Person.objects.get(pk=head.pk).user_id is None
    assert not get_user_model().objects.filter(username="takeover").exists()
