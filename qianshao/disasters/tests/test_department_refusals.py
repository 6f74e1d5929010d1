"""A department's member sees the county's disasters but holds no post that reports them: a
follow-up with photos, a report or a relief application from them is refused with a 403
saying they may not (您无权…), not that the cell is outside their area; a cell they do not
see stays out of their area (404 at the fronts)."""

import base64
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from qianshao.disasters import actions
from qianshao.disasters.models import DisasterReport, DisasterType, Photo
from qianshao.hazards.tests.conftest import jpeg
from qianshao.lib.errors import NotAllowed

pytestmark = pytest.mark.django_db

MAY_NOT = "您无权为该网格报送灾情"
OUTSIDE = "不在您的辖区内"


def api_client(user) -> Client:
    client = Client()
    client.force_login(user, backend="qianshao.accounts.backends.UsernameOrPhoneBackend")
    return client


def counts(d):
    return (d.versions.count(), Photo.objects.count(), d.relief.count())


def test_a_department_members_follow_up_with_photos_is_a_refusal_of_the_right(
    cast, client_for, disaster_in
):
    d = disaster_in()
    before = counts(d)
    client = client_for(cast.users["department"])
    assert client.get(f"/disasters/{d.number}/").status_code == 200  # they see it
    data = {
        "client_uuid": uuid.uuid4(),
        "affected": "20",
        "note": "现场照片",
        "photos": [SimpleUploadedFile("p.jpg", jpeg(), content_type="image/jpeg")],
    }
    response = client.post(f"/disasters/{d.number}/follow-up/", data)
    assert response.status_code == 403
    html = response.content.decode()
    assert MAY_NOT in html and OUTSIDE not in html
    assert counts(d) == before


def test_the_api_refuses_a_department_members_report_and_follow_up_with_403(cast, disaster_in):
    d = disaster_in()
    before = counts(d)
    client = api_client(cast.users["department"])
    photo = {"name": "p.jpg", "data": base64.b64encode(jpeg()).decode()}
    follow = client.post(
        f"/api/v1/disasters/{d.number}/follow-up",
        {"figures": {"affected": 20}, "photos": [photo]},
        content_type="application/json",
    )
    assert follow.status_code == 403, follow.content
    assert MAY_NOT in follow.json()["detail"] and follow.json()["field"] == "cell"
    report = client.post(
        "/api/v1/disasters",
        {
            "client_uuid": str(uuid.uuid4()),
            "type": "flood",
            "started_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "cell": cast.village.code,
            "figures": {"affected": 3},
            "photos": [photo],
        },
        content_type="application/json",
    )
    assert report.status_code == 403, report.content
    assert MAY_NOT in report.json()["detail"]
    relief = client.post(
        f"/api/v1/disasters/{d.number}/relief",
        {"kind": "living", "households": 1, "people": 2, "amount": "1"},
        content_type="application/json",
    )
    assert relief.status_code == 403, relief.content
    assert MAY_NOT in relief.json()["detail"]
    assert counts(d) == before
    assert DisasterReport.objects.count() == 1


def test_a_cell_outside_what_the_user_sees_is_still_out_of_their_area(cast, disaster_in):
    with pytest.raises(NotAllowed) as refused:
        actions.report(
            cast.users["outsider"],
            type=DisasterType.FLOOD,
            started_at=timezone.now(),
            cell=cast.village,
            figures={"affected": 1},
        )
    assert OUTSIDE in refused.value.message
    d = disaster_in()
    response = api_client(cast.users["outsider"]).post(
        f"/api/v1/disasters/{d.number}/follow-up",
        {"figures": {"affected": 20}},
        content_type="application/json",
    )
    assert response.status_code == 404
