"""Logging in by username or phone, logging out, and what an anonymous visitor gets."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from qianshao.audit.models import AuditRecord
from qianshao.testing import PASSWORD

WRONG = "用户名（或手机号）与密码不匹配。"

LOCKED = "登录失败次数过多，请 15 分钟后再试。"  # the default cool-off


def logged_in_user(client):
    return client.get("/").wsgi_request.user


def test_the_login_page_is_public_and_in_chinese(client):
    response = client.get("/login/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "用户名或手机号" in page
    assert '<html lang="zh-Hans">' in page


def test_a_user_logs_in_by_username(cast, client):
    response = client.post("/login/", {"username": "village", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_user(client) == cast.users["village"]


def test_a_user_logs_in_by_the_phone_number_of_their_person(cast, client):
    phone = cast.people["village"].phone
    response = client.post("/login/", {"username": f" {phone} ", "password": PASSWORD})
    assert response.status_code == 302
    assert logged_in_user(client) == cast.users["village"]


def test_login_goes_on_to_the_page_asked_for(cast, client):
    response = client.post(
        "/login/?next=/grid/450901100201/", {"username": "village", "password": PASSWORD}
    )
    assert response["Location"] == "/grid/450901100201/"


def test_a_wrong_password_is_refused_in_chinese(cast, client):
    response = client.post("/login/", {"username": "village", "password": "not-the-password"})
    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert not logged_in_user(client).is_authenticated


def test_an_unknown_user_gets_the_same_answer(cast, client):
    response = client.post("/login/", {"username": "nobody", "password": PASSWORD})
    assert response.status_code == 200
    assert WRONG in response.content.decode()


def test_an_inactive_user_is_refused(cast, client, deactivate):
    deactivate(cast.users["village"])
    response = client.post("/login/", {"username": "village", "password": PASSWORD})
    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert not logged_in_user(client).is_authenticated
    record = AuditRecord.objects.get(action="admin.change", object_type="accounts.user")
    assert (record.before["is_active"], record.after["is_active"]) == (True, False)
    assert "password" not in record.after


def test_logout_ends_the_session(cast, client):
    client.post("/login/", {"username": "village", "password": PASSWORD})
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert not logged_in_user(client).is_authenticated


def test_an_anonymous_visitor_is_sent_to_the_login_page(cast, client):
    response = client.get("/grid/450901/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/grid/450901/"
    assert client.get("/").status_code == 302
    assert client.get("/inbox/")["Location"] == "/login/?next=/inbox/"


def test_the_health_check_is_public(client):
    assert client.get("/healthz").content == b"ok"


def test_the_api_answers_an_anonymous_caller_401(cast, client):
    response = client.get("/api/v1/cells")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


class TestThrottling:
    """django-axes: a username is locked out from an address after too many failures."""

    def fail(self, client, times, username="village"):
        answers = [
            client.post("/login/", {"username": username, "password": "wrong-password"})
            for _ in range(times)
        ]
        return [a.status_code for a in answers]

    def test_the_login_page_locks_after_the_limit_even_with_the_right_password(self, cast, client):
        limit = settings.AXES_FAILURE_LIMIT
        assert self.fail(client, limit - 1) == [200] * (limit - 1)
        assert self.fail(client, 1) == [429]

        response = client.post("/login/", {"username": "village", "password": PASSWORD})
        assert response.status_code == 429
        assert LOCKED in response.content.decode()
        assert not logged_in_user(client).is_authenticated

    def test_the_token_endpoint_locks_too_and_answers_json(self, cast, client):
        limit = settings.AXES_FAILURE_LIMIT
        for _ in range(limit):
            client.post(
                "/api/v1/auth/token",
                {"username": "village", "password": "wrong-password"},
                content_type="application/json",
            )
        response = client.post(
            "/api/v1/auth/token",
            {"username": "village", "password": PASSWORD},
            content_type="application/json",
        )
        assert response.status_code == 429
        assert response.json() == {"detail": LOCKED}

    def test_failures_on_the_api_and_the_page_add_up(self, cast, client):
        limit = settings.AXES_FAILURE_LIMIT
        self.fail(client, limit - 1)
        response = client.post(
            "/api/v1/auth/token",
            {"username": "village", "password": "wrong-password"},
            content_type="application/json",
        )
        assert response.status_code == 429

    def test_a_successful_login_resets_the_count(self, cast, client):
        limit = settings.AXES_FAILURE_LIMIT
        self.fail(client, limit - 1)
        assert (
            client.post("/login/", {"username": "village", "password": PASSWORD}).status_code == 302
        )
        client.post("/logout/")

        assert self.fail(client, limit - 1) == [200] * (limit - 1)
        assert (
            client.post("/login/", {"username": "village", "password": PASSWORD}).status_code == 302
        )

    def test_a_token_issued_for_the_right_password_resets_the_count_too(self, cast, client):
        limit = settings.AXES_FAILURE_LIMIT

        def token(password):
            return client.post(
                "/api/v1/auth/token",
                {"username": "village", "password": password},
                content_type="application/json",
            ).status_code

        assert [token("wrong-password") for _ in range(limit - 1)] == [401] * (limit - 1)
        assert token(PASSWORD) == 200
        assert [token("wrong-password") for _ in range(limit - 1)] == [401] * (limit - 1)
        assert token(PASSWORD) == 200

    def test_a_lockout_is_for_that_username_only(self, cast, client):
        self.fail(client, settings.AXES_FAILURE_LIMIT)
        response = client.post("/login/", {"username": "township", "password": PASSWORD})
        assert response.status_code == 302

    def test_the_lockout_ends_after_the_cool_off(self, cast, client, time_machine):
        self.fail(client, settings.AXES_FAILURE_LIMIT)
        assert (
            client.post("/login/", {"username": "village", "password": PASSWORD}).status_code == 429
        )
        time_machine.move_to(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1))
        assert (
            client.post("/login/", {"username": "village", "password": PASSWORD}).status_code == 302
        )
