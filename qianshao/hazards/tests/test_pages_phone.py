"""The phone pages: report a hazard (idempotent by the form's client UUID), my reports, my
tasks — the latter exactly the hazards on which the user has a step to take."""

import re
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qianshao.grid.models import Domain
from qianshao.grid.scope import scope_of
from qianshao.hazards import actions
from qianshao.hazards.models import Hazard, Photo, Stage, Status
from qianshao.hazards.permissions import allowed_steps
from qianshao.hazards.tests.access_rules_pages import PATH_TO, hazard_at
from qianshao.hazards.tests.conftest import jpeg
from qianshao.intake.models import Submission

NUMBER = re.compile(r'<tr data-number="(\w+)">')


def form(**changes) -> dict:
    return {
        "title": "厂房消防通道堵塞",
        "description": "通道堆放纸箱",
        "category": "industry_trade",
        "grade": "general",
        "cell": "450901100201",
        "address": "一村工业区3号",
        "client_uuid": str(uuid.uuid4()),
    } | changes


def photo(name="site.jpg", data=None):
    return SimpleUploadedFile(name, data or jpeg(), content_type="image/jpeg")


def error_of(html: str, name: str) -> str:
    return html[html.index(f'name="{name}"') :].split("</div>")[0]


def test_the_form_offers_the_camera_the_active_categories_and_the_users_cells(cast, client_for):
    Domain.objects.filter(code="fire").update(active=False)
    html = client_for(cast.users["village"]).get("/m/report/").content.decode()
    assert re.search(r'<input type="file" name="photos" accept="image/\*" multiple capture', html)
    assert 'value="industry_trade"' in html and 'value="fire"' not in html
    cells = re.findall(r'<option value="(\d+)"', error_of(html, "cell"))
    assert cells == ["450901100201"]
    assert 'name="client_uuid"' in html and "data-locate" in html


def test_a_village_member_reports_with_photos_and_lands_on_the_hazard(cast, client_for):
    client = client_for(cast.users["village"])
    found = (timezone.localtime() - timedelta(days=30)).strftime("%Y-%m-%dT08:30")
    data = form(found_at=found, stopped_on_spot="on")
    data["photos"] = [photo("a.jpg"), photo("b.jpg")]
    response = client.post("/m/report/", data)
    assert response.status_code == 302
    hazard = Hazard.objects.get()
    assert response["Location"] == f"/hazards/{hazard.number}/"
    assert (hazard.cell, hazard.reported_by, hazard.status) == (
        cast.village,
        cast.users["village"],
        Status.SUBMITTED,
    )
    assert hazard.stopped_on_spot and hazard.address == "一村工业区3号"
    assert timezone.localtime(hazard.found_at).strftime("%Y-%m-%dT%H:%M") == found
    assert Photo.objects.filter(hazard=hazard, stage=Stage.BEFORE).count() == 2


def test_the_cell_is_found_from_the_phones_location(cast, client_for):
    client = client_for(cast.users["township"])
    response = client.post("/m/report/", form(cell="", lon="106.1", lat="24.3"))
    assert response.status_code == 302
    hazard = Hazard.objects.get()
    assert hazard.cell.code == "450901100202" and (hazard.lon, hazard.lat) == (106.1, 24.3)


def test_a_resend_of_the_same_report_returns_the_first_hazard(cast, client_for):
    client = client_for(cast.users["village"])
    data = form()
    first = client.post("/m/report/", data | {"photos": [photo()]})
    again = client.post("/m/report/", data | {"photos": [photo()]})
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Hazard.objects.count() == 1 and Photo.objects.count() == 1
    assert Submission.objects.filter(uuid=data["client_uuid"]).count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"cell": "450901100202"}, "cell", "该网格不在您的辖区内"),
        ({"cell": "", "lon": "107.2", "lat": "24.2"}, "lon", "坐标不在您的辖区内"),
        ({"cell": "", "lon": "106.1", "lat": "91"}, "lon", "坐标超出范围"),
        ({"cell": ""}, "cell", "请选择所在网格或给出坐标"),
        ({"title": "<b></b>"}, "title", "不能为空"),
        ({"category": "nope"}, "category", ""),
        ({"grade": "huge"}, "grade", ""),
        ({"found_at": "2999-01-01T00:00"}, "found_at", "发现时间不能晚于现在"),
        ({"found_at": "0001-01-01T00:00"}, "found_at", "发现时间不能早于一年前"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    cast, client_for, changes, field, message
):
    response = client_for(cast.users["village"]).post("/m/report/", form(**changes))
    assert response.status_code == 400, response.content.decode()[-2000:]
    html = response.content.decode()
    shown = error_of(html, field) if field not in ("lon", "lat") else html
    assert "errorlist" in shown and message in shown
    assert Hazard.objects.count() == 0 and Submission.objects.count() == 0


def test_a_photo_that_is_not_an_image_is_refused(cast, client_for):
    data = form() | {"photos": [photo("x.jpg", b"GIF89a not really")]}
    response = client_for(cast.users["village"]).post("/m/report/", data)
    assert response.status_code == 400
    assert "x.jpg 不是有效的图片" in error_of(response.content.decode(), "photos")
    assert Hazard.objects.count() == 0 and Photo.objects.count() == 0


def test_my_reports_are_mine_only(cast, client_for):
    mine = hazard_at(cast, "submitted")
    county_report = actions.report(
        cast.users["county"],
        title="县里上报",
        description="d",
        category=Domain.objects.get(code="industry_trade"),
        cell=cast.village,
    )
    html = client_for(cast.users["village"]).get("/m/mine/").content.decode()
    assert NUMBER.findall(html) == [mine.number]
    county = client_for(cast.users["county"]).get("/m/mine/").content.decode()
    assert NUMBER.findall(county) == [county_report.number]
    outsider = client_for(cast.users["outsider"]).get("/m/mine/").content.decode()
    assert NUMBER.findall(outsider) == []


@pytest.fixture
def every_state(cast):
    """A hazard in every state, an escalated one and a major one awaiting verification."""
    made = [hazard_at(cast, status) for status in PATH_TO]
    made.append(hazard_at(cast, "escalated"))
    made.append(hazard_at(cast, "verifying", grade="major"))
    made.append(hazard_at(cast, "submitted", cell=cast.cell("450901101201")))
    duplicate = hazard_at(cast, "submitted")
    made.append(actions.merge(cast.users["township"], duplicate, into=made[0]))
    escalated = hazard_at(cast, "escalated")
    made.append(
        actions.assign(
            cast.users["department"],
            escalated,
            measures="m",
            responsible=cast.people["department"],
            deadline=timezone.now() + timedelta(days=2),
            contingency="c",
            assignee_department=cast.department,
        )
    )
    return made


@pytest.mark.parametrize("name", ["county", "township", "village", "department", "admin"])
def test_my_tasks_are_exactly_the_hazards_with_a_step_for_me(cast, client_for, every_state, name):
    user = cast.users[name]
    client = client_for(user)
    html = client.get("/m/tasks/").content.decode()
    scope = scope_of(user)
    expected = {
        h.number: [str(s) for s in allowed_steps(user, h)]
        for h in Hazard.objects.select_related("responsible")
        if scope.covers(h.cell_path) and allowed_steps(user, h)
    }
    shown = {}
    for number in NUMBER.findall(html):
        row = html[html.index(f'<tr data-number="{number}">') :].split("</tr>")[0]
        shown[number] = re.findall(r'data-step="(\w+)"', row)
    assert shown == expected
    assert expected, "every cast user has something to do here"


def test_my_tasks_read_the_same_queries_however_many_hazards(cast, client_for):
    client = client_for(cast.users["township"])
    hazard_at(cast, "submitted")
    client.get("/m/tasks/")
    with CaptureQueriesContext(connection) as few:
        client.get("/m/tasks/")
    for status in ["submitted", "accepted", "verifying", "verified", "escalated"]:
        hazard_at(cast, status)
    with CaptureQueriesContext(connection) as many:
        html = client.get("/m/tasks/").content.decode()
    assert len(NUMBER.findall(html)) == 6
    assert len(many.captured_queries) == len(few.captured_queries)
    with CaptureQueriesContext(connection) as mine:
        client.get("/m/mine/")
    assert len(mine.captured_queries) <= len(few.captured_queries)
