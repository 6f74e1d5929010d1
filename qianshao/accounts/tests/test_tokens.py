"""API tokens for the phone client: issued for a password, stored only as a hash."""

import hashlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from qianshao.accounts.actions import issue_token, revoke_token
from qianshao.accounts.models import ApiToken
from qianshao.audit.models import AuditRecord
from qianshao.lib.errors import Conflict, NotAllowed
from qianshao.testing import PASSWORD


def request_token(username="village", password=PASSWORD, **extra):
    return Client().post(
        "/api/v1/auth/token",
        {"username": username, "password": password, **extra},
        content_type="application/json",
    )


def cells(token: str):
    return Client().get("/api/v1/cells", headers={"Authorization": f"Bearer {token}"})


def test_a_password_is_exchanged_for_a_token_of_which_only_a_hash_is_kept(cast, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    response = request_token(name="张三的手机")

    assert response.status_code == 200
    body = response.json()
    raw = body["token"]
    assert raw.startswith("qs_") and len(raw) > 40
    assert body["username"] == "village"
    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[3:11]
    assert token.name == "张三的手机"
    assert token.user == cast.users["village"]
    assert token.expires_at == timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS)
    assert body["expires_at"] == token.expires_at.isoformat()
    stored = ApiToken.objects.values().get()
    assert raw not in {str(v) for v in stored.values()}
    cast.users["village"].refresh_from_db()
    assert cast.users["village"].last_login == timezone.now()


def test_a_token_is_issued_for_a_phone_number_too(cast):
    response = request_token(username=cast.people["village"].phone)
    assert response.status_code == 200
    assert response.json()["username"] == "village"


def test_issuing_a_token_is_audited_without_the_token(cast):
    raw = request_token().json()["token"]
    record = AuditRecord.objects.get(action="accounts.issue_token")
    token = ApiToken.objects.get()
    assert record.actor == cast.users["village"]
    assert record.object_id == str(token.pk)
    assert record.after["prefix"] == token.prefix
    assert raw not in str(record.after) + record.object_label + record.note


def test_a_wrong_password_gets_no_token(cast):
    response = request_token(password="wrong-password")
    assert response.status_code == 401
    assert response.json()["detail"] == "用户名（或手机号）与密码不匹配。"
    assert not ApiToken.objects.exists()


def test_a_bearer_token_reads_the_api_within_its_holders_scope(cast):
    raw = request_token().json()["token"]
    response = cells(raw)
    assert response.status_code == 200
    assert [c["code"] for c in response.json()["items"]] == ["450901100201"]
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Bearer qs_not-a-token", "Bearer ", "Token qs_whatever", ""],
    ids=["unknown", "empty", "wrong-scheme", "none"],
)
def test_a_wrong_token_is_refused(cast, header):
    request_token()
    response = Client().get("/api/v1/cells", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_a_token_works_until_it_expires(cast, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    raw = request_token().json()["token"]
    ttl = timedelta(days=settings.API_TOKEN_TTL_DAYS)

    time_machine.shift(ttl - timedelta(seconds=1))
    assert cells(raw).status_code == 200
    time_machine.shift(timedelta(seconds=1))
    assert cells(raw).status_code == 401


def test_a_revoked_token_is_refused_at_once(cast):
    raw = request_token().json()["token"]
    token = ApiToken.objects.get()
    assert cells(raw).status_code == 200

    revoke_token(cast.users["village"], token)

    assert cells(raw).status_code == 401
    record = AuditRecord.objects.get(action="accounts.revoke_token")
    assert record.actor == cast.users["village"]
    assert record.object_id == str(token.pk)


def test_only_the_holder_or_an_administrator_revokes_a_token(cast):
    _, token = issue_token(cast.users["village"])
    with pytest.raises(NotAllowed):
        revoke_token(cast.users["township"], token)
    revoke_token(cast.users["admin"], token)
    with pytest.raises(Conflict):
        revoke_token(cast.users["admin"], token)
    assert AuditRecord.objects.filter(action="accounts.revoke_token").count() == 1


def test_the_token_of_a_deactivated_user_is_refused(cast, deactivate):
    raw = request_token().json()["token"]
    deactivate(cast.users["village"])
    assert cells(raw).status_code == 401


def test_an_inactive_user_gets_no_token(cast, deactivate):
    deactivate(cast.users["village"])
    assert request_token().status_code == 401
    assert not ApiToken.objects.exists()


def test_each_token_is_its_own(cast):
    first = request_token().json()["token"]
    second = request_token().json()["token"]
    assert first != second
    assert ApiToken.objects.count() == 2
    revoke_token(cast.users["village"], ApiToken.objects.get(prefix=first[3:11]))
    assert (cells(first).status_code, cells(second).status_code) == (401, 200)


def test_a_phone_logs_out_by_deleting_its_own_token(cast):
    raw = request_token().json()["token"]
    other = request_token().json()["token"]
    response = Client().delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 204
    assert cells(raw).status_code == 401
    assert cells(other).status_code == 200, "only the token of the request is revoked"
    assert AuditRecord.objects.filter(action="accounts.revoke_token").count() == 1


def test_deleting_the_token_needs_a_token_not_a_session(cast, client_for):
    client = client_for(cast.users["village"])
    client.handler.enforce_csrf_checks = False
    response = client.delete("/api/v1/auth/token")
    assert response.status_code == 400
    assert response.json()["field"] == "Authorization"
    assert not AuditRecord.objects.filter(action="accounts.revoke_token").exists()
