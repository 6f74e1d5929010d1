"""create_login: a manager gives a person of their grid a login."""

import pytest
from django.contrib.auth import get_user_model

from qianshao.accounts.actions import create_login
from qianshao.audit.models import AuditRecord
from qianshao.grid.models import Role
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.testing import appoint

GOOD_PASSWORD = "patrol-2024-一村"


@pytest.fixture
def member(cast):
    """A new 网格员 of 一村 without a login, appointed by the township."""
    return appoint(cast.village, Role.MEMBER, name="郑十一", actor=cast.users["township"])


def test_a_township_dispatcher_gives_a_village_member_a_login(cast, member, client):
    user = create_login(
        cast.users["township"], member, username=" zheng11 ", password=GOOD_PASSWORD
    )

    assert user.username == "zheng11"
    member.refresh_from_db()
    assert member.user == user
    record = AuditRecord.objects.get(action="accounts.create_login", object_id=str(member.pk))
    assert record.actor == cast.users["township"]
    assert record.object_id == str(member.pk)
    assert record.cell_path == cast.village.path
    assert record.after == {"username": "zheng11"}
    assert GOOD_PASSWORD not in str(record.after)

    response = client.post("/login/", {"username": member.phone, "password": GOOD_PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize("actor", ["outsider", "village", "department"])
def test_someone_who_does_not_manage_the_persons_cell_is_refused(cast, member, actor):
    with pytest.raises(NotAllowed) as refused:
        create_login(cast.users[actor], member, username="zheng11", password=GOOD_PASSWORD)
    assert refused.value.field == "person"
    assert_no_login(member)


def test_a_used_username_is_refused(cast, member):
    with pytest.raises(Conflict) as refused:
        create_login(cast.users["township"], member, username="village", password=GOOD_PASSWORD)
    assert refused.value.field == "username"
    assert "village" in refused.value.message
    assert_no_login(member)


@pytest.mark.parametrize("password", ["short1", "password123", "12345678"])
def test_a_weak_password_is_refused(cast, member, password):
    with pytest.raises(ActionError) as refused:
        create_login(cast.users["township"], member, username="zheng11", password=password)
    assert refused.value.field == "password"
    assert refused.value.message
    assert_no_login(member)


def test_a_blank_username_is_refused(cast, member):
    with pytest.raises(ActionError) as refused:
        create_login(cast.users["township"], member, username="  ", password=GOOD_PASSWORD)
    assert refused.value.field == "username"
    assert_no_login(member)


def test_a_person_with_a_login_gets_no_second_one(cast):
    person = cast.people["village"]
    with pytest.raises(Conflict) as refused:
        create_login(cast.users["township"], person, username="village2", password=GOOD_PASSWORD)
    assert refused.value.field == "person"
    assert not get_user_model().objects.filter(username="village2").exists()


def test_a_person_with_no_role_gets_no_login_from_a_manager(cast):
    from qianshao.grid import actions

    person = actions.create_person(
        cast.users["township"], name="无职务", phone="13700009999", cell=cast.village
    )
    with pytest.raises(NotAllowed):
        create_login(cast.users["township"], person, username="norole", password=GOOD_PASSWORD)


def assert_no_login(person):
    person.refresh_from_db()
    assert person.user is None
    assert not get_user_model().objects.filter(username="zheng11").exists()
    assert not AuditRecord.objects.filter(
        action="accounts.create_login", object_id=str(person.pk)
    ).exists()
