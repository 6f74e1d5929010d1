"""A page or endpoint that needs an issuing post, used by someone without one, is a 403
that says what is missing — not a 404, which is kept for what lies outside one's scope."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from qianshao.warnings.models import Warning, WarningType
from qianshao.warnings.permissions import NO_ISSUING_POST

MISSING = "发布预警需要县或乡镇的网格长、副网格长、调度员或网格管理员职务；您当前没有这样的职务。"
ALERT = b"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier></alert>"""


def form(**fields) -> dict:
    return {"client_uuid": str(uuid.uuid4())} | fields


def test_the_reason_names_the_posts_that_may_issue():
    assert str(NO_ISSUING_POST) == MISSING


@pytest.mark.parametrize("who", ["department", "village"])
def test_the_new_warning_page_tells_a_user_without_an_issuing_post_what_is_missing(
    cast, client_for, who, rainstorm
):
    client = client_for(cast.users[who])
    data = form(
        type=rainstorm.pk,
        level="yellow",
        headline="部门试发",
        text="部门试发",
        targets=[cast.village.pk],
        valid_until="2099-01-01T00:00",
    )
    for response in (client.get("/warnings/new/"), client.post("/warnings/new/", data)):
        assert response.status_code == 403
        assert MISSING in response.content.decode()
    assert not Warning.objects.exists()


@pytest.mark.parametrize("who", ["department", "village"])
def test_the_cap_import_page_tells_them_the_same(cast, client_for, who):
    client = client_for(cast.users[who])
    response = client.get("/warnings/import/")
    assert response.status_code == 403 and MISSING in response.content.decode()


@pytest.mark.parametrize("who", ["department", "village"])
def test_a_warning_they_see_may_not_be_revised_or_relayed_by_them_and_they_are_told_why(
    cast, client_for, issued, who
):
    w = issued([cast.county], level="yellow")
    client = client_for(cast.users[who])
    assert client.get(f"/warnings/{w.number}/").status_code == 200  # in scope: they see it
    for response in (
        client.get(f"/warnings/{w.number}/revise/"),
        client.post(f"/warnings/{w.number}/relay/", form(instruction="转发")),
    ):
        assert response.status_code == 403
        assert MISSING in response.content.decode()


def test_a_township_may_not_revise_the_countys_warning_and_is_told_why(cast, client_for, issued):
    w = issued()
    response = client_for(cast.users["township"]).get(f"/warnings/{w.number}/revise/")
    assert response.status_code == 403
    assert "只有发布单位或其上级" in response.content.decode()


def api(user) -> Client:
    client = Client()
    client.force_login(user, backend="qianshao.accounts.backends.UsernameOrPhoneBackend")
    return client


def test_the_api_answers_403_with_what_is_missing(cast):
    client = api(cast.users["department"])
    body = {
        "client_uuid": str(uuid.uuid4()),
        "type": WarningType.objects.get(code="rainstorm").code,
        "level": "yellow",
        "headline": "部门试发",
        "text": "部门试发",
        "targets": [cast.village.code],
        "valid_until": (timezone.now() + timedelta(hours=6)).isoformat(),
    }
    drafted = client.post("/api/v1/warnings", body, content_type="application/json")
    assert drafted.status_code == 403, drafted.content
    assert drafted.json()["detail"] == MISSING
    imported = client.post("/api/v1/warnings/cap", ALERT, content_type="application/xml")
    assert imported.status_code == 403, imported.content
    assert imported.json()["detail"] == MISSING
    assert not Warning.objects.exists()
