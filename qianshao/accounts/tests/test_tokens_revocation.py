"""A token ends with what it stood for: the password, the login being on, the last post.
A user lists and revokes their own tokens, on the page and through the API."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from qianshao.accounts.actions import issue_token
from qianshao.accounts.models import ApiToken
from qianshao.audit.models import AuditRecord
from qianshao.grid import actions
from qianshao.testing import PASSWORD


def answers(raw: str) -> int:
    return Client().get("/api/v1/cells", headers={"Authorization": f"Bearer {raw}"}).status_code


@pytest.fixture
def token(cast):
    raw, _token = issue_token(cast.users["village"], name="手机")
    assert answers(raw) == 200
    return raw


def test_an_admin_setting_a_new_password_revokes_the_tokens(cast, token):
    admin = Client()
    admin.force_login(cast.users["admin"])
    user = cast.users["village"]
    response = admin.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": "a-new-pass-2026", "password2": "a-new-pass-2026", "usable_password": "true"},
    )
    assert response.status_code == 302
    assert answers(token) == 401
    record = AuditRecord.objects.get(action="accounts.revoke_all_tokens")
    assert record.note == "密码已更改"
    assert token not in str(record.after)


def test_changing_the_password_by_command_revokes_the_tokens(cast, token, monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "another-pass-2026")
    call_command("changepassword", "village", stdout=None)
    assert answers(token) == 401


def test_a_user_changing_their_own_password_revokes_their_tokens(cast, token, client_for):
    client = client_for(cast.users["village"])
    response = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "my-new-pass-2026",
            "new_password2": "my-new-pass-2026",
        },
    )
    assert response.status_code == 302
    assert answers(token) == 401
    assert client.get("/account/").status_code == 200  # the session itself stays


def test_deactivating_the_login_revokes_the_tokens(cast, token, deactivate):
    deactivate(cast.users["village"])
    assert answers(token) == 401
    assert ApiToken.objects.get().revoked_at is not None


def test_saving_a_user_without_changing_the_password_keeps_the_tokens(cast, token):
    user = cast.users["village"]
    user.first_name = "村"
    user.save()
    assert answers(token) == 200


def test_ending_the_last_post_revokes_the_tokens(cast, token):
    post = cast.people["village"].assignments.get()
    actions.end_term(cast.users["township"], post, reason="调离")
    assert ApiToken.objects.get().revoked_at is not None
    assert answers(token) == 401
    record = AuditRecord.objects.get(action="accounts.revoke_all_tokens")
    assert record.note == "最后一个职务已结束"


def test_ending_one_of_two_posts_keeps_the_tokens(cast, token):
    person = cast.people["village"]
    actions.assign_role(None, person=person, cell=cast.village, role="informant")
    post = person.assignments.get(role="member")
    actions.end_term(cast.users["township"], post)
    assert answers(token) == 200


def test_a_token_stops_answering_when_the_last_term_runs_out(cast, token, time_machine):
    post = cast.people["village"].assignments.get()
    end = timezone.localdate() + timedelta(days=3)
    actions.end_term(cast.users["township"], post, end=end)
    assert answers(token) == 401  # revoked as the last post is set to end
    raw, _t = issue_token(cast.users["village"])  # a new one, during the last days
    assert answers(raw) == 200
    time_machine.move_to(timezone.now() + timedelta(days=5))
    assert answers(raw) == 401


def test_a_user_lists_only_their_own_tokens(cast, token):
    issue_token(cast.users["county"])
    body = Client().get("/api/v1/auth/tokens", headers={"Authorization": f"Bearer {token}"}).json()
    assert [t["name"] for t in body] == ["手机"]
    assert body[0]["current"] is True
    assert body[0]["prefix"] == token[3:11]
    assert token not in str(body)


def test_a_user_revokes_their_own_token_through_the_api(cast, token):
    raw, other = issue_token(cast.users["village"], name="旧手机")
    response = Client().delete(
        f"/api/v1/auth/tokens/{other.pk}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 204
    assert answers(raw) == 401
    assert answers(token) == 200


def test_a_user_cannot_revoke_anothers_token(cast, token, client_for):
    _raw, theirs = issue_token(cast.users["county"])
    client = client_for(cast.users["village"])
    assert client.delete(f"/api/v1/auth/tokens/{theirs.pk}").status_code == 404
    assert client.post(f"/account/tokens/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_the_account_page_lists_and_revokes_own_tokens(cast, token, client_for):
    issue_token(cast.users["county"], name="县里的")
    client = client_for(cast.users["village"])
    page = client.get("/account/").content.decode()
    assert token[3:11] in page
    assert "县里的" not in page
    mine = ApiToken.objects.get(user=cast.users["village"])
    response = client.post(f"/account/tokens/{mine.pk}/revoke/")
    assert response.status_code == 302
    assert answers(token) == 401
