"""Permission first: someone who may not take a step gets the refusal, not a complaint
about the photos they sent with it — on the API (JSON and multipart) and on the pages."""

import base64
import io
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from qianshao.grid.models import Domain
from qianshao.hazards import actions
from qianshao.hazards.models import Hazard

NOT_A_PHOTO = b"this is not an image at all"


def bearer(user) -> Client:
    from qianshao.accounts.actions import issue_token

    raw, _token = issue_token(user, name="test")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def bad_upload():
    file = io.BytesIO(NOT_A_PHOTO)
    file.name = "after.jpg"
    return file


def bad_base64() -> list[dict]:
    return [{"name": "after.jpg", "data": base64.b64encode(NOT_A_PHOTO).decode()}]


@pytest.fixture
def rectifying(cast) -> Hazard:
    """A hazard of 一村 being rectified by the village: the township sees it, may not submit."""
    township = cast.users["township"]
    h = actions.report(
        cast.users["village"],
        title="消防通道堵塞",
        description="厂房后门",
        category=Domain.objects.get(code="fire"),
        cell=cast.village,
    )
    h = actions.accept(township, h)
    h = actions.assign(
        township,
        h,
        measures="清理",
        responsible=cast.people["village"],
        deadline=timezone.now() + timedelta(days=3),
        contingency="警示",
        assignee_cell=cast.village,
    )
    return actions.start(cast.users["village"], h)


@pytest.mark.parametrize("step", ["submit", "progress"])
def test_submitting_for_verification_without_the_right_is_a_403_whatever_the_photos(
    cast, rectifying, step
):
    township = bearer(cast.users["township"])
    url = f"/api/v1/hazards/{rectifying.number}/{step}"
    as_json = township.post(
        url, {"note": "已整改", "photos": bad_base64()}, content_type="application/json"
    )
    as_form = township.post(url, {"note": "已整改", "photos": [bad_upload()]})
    for response in (as_json, as_form):
        assert response.status_code == 403, response.content
        assert response.json()["field"] == "step"


def test_submitting_on_the_page_without_the_right_is_refused_whatever_the_photos(
    cast, rectifying, client_for
):
    page = client_for(cast.users["township"])
    response = page.post(
        f"/hazards/{rectifying.number}/submit/",
        {"client_uuid": str(uuid.uuid4()), "note": "已整改", "photos": [bad_upload()]},
    )
    assert response.status_code == 403, response.status_code
    rectifying.refresh_from_db()
    assert rectifying.status == "rectifying"


def test_reporting_a_hazard_in_a_cell_outside_ones_scope_is_a_404_whatever_the_photos(cast):
    outsider = bearer(cast.users["outsider"])
    body = {
        "client_uuid": str(uuid.uuid4()),
        "title": "护栏缺失",
        "description": "桥头",
        "category": "fire",
        "cell": cast.village.code,
    }
    as_json = outsider.post(
        "/api/v1/hazards", body | {"photos": bad_base64()}, content_type="application/json"
    )
    as_form = outsider.post("/api/v1/hazards", body | {"photos": [bad_upload()]})
    for response in (as_json, as_form):
        assert response.status_code == 404, response.content
        assert response.json()["field"] == "cell"


def test_reporting_a_disaster_in_a_cell_outside_ones_scope_is_refused_whatever_the_photos(cast):
    outsider = bearer(cast.users["outsider"])
    body = {
        "client_uuid": str(uuid.uuid4()),
        "type": "flood",
        "started_at": (timezone.now() - timedelta(minutes=30)).isoformat(),
        "cell": cast.village.code,
        "figures": '{"affected": 3}',
    }
    as_form = outsider.post("/api/v1/disasters", body | {"photos": [bad_upload()]})
    assert as_form.status_code == 404, as_form.content
    assert as_form.json()["field"] == "cell"
