"""The patrols' pages: today's route, the check-in form (QR, far, bad input), a patrol's
page, the statistics; and the 发现隐患 check-in opening the hazard report prefilled, the
hazard keeping its origin and linking back, the patrol linking the hazard."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from qianshao.grid.models import Domain
from qianshao.hazards.models import Hazard
from qianshao.risks import actions_patrols, sweep
from qianshao.risks.models import Patrol, RiskPoint
from qianshao.risks.tests.patrols_helpers import START, jpeg, patrolled_point
from qianshao.tests.test_openapi import client_for

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)


def form(**extra) -> dict:
    return {"client_uuid": str(uuid.uuid4()), "result": "ok", "lon": "106.1", "lat": "24.1"} | extra


def test_today_lists_the_members_due_points_in_route_order(cast):
    with time_machine.travel(START, tick=False):
        near = patrolled_point(
            cast, name="近点", geometry={"type": "Point", "coordinates": [106.11, 24.1]}
        )
        first = patrolled_point(cast, name="首点")
        far = patrolled_point(
            cast, name="远点", geometry={"type": "Point", "coordinates": [106.19, 24.19]}
        )
        later = patrolled_point(cast, name="下周")
    with time_machine.travel(START + 70 * H, tick=False):
        actions_patrols.check_in(cast.users["village"], later, result="ok")  # due in 84 h
    # the first is the most overdue: moved back by an hour
    type(first).objects.filter(pk=first.pk).update(next_due_at=START + 83 * H)
    with time_machine.travel(START + 84 * H, tick=False):
        page = client_for(cast.users["village"]).get("/risks/patrols/today/")
        assert page.status_code == 200
        ids = [int(x.split('"')[0]) for x in page.content.decode().split('<li data-id="')[1:]]
        assert ids == [first.pk, near.pk, far.pk]
        assert "route-map" in page.content.decode()
        assert client_for(cast.users["county"]).get("/risks/patrols/today/").status_code == 200


def test_check_in_from_the_qr_code_then_the_patrol_page(cast):
    p = patrolled_point(cast)
    village = client_for(cast.users["village"])
    url = f"/risks/points/{p.pk}/checkin/?qr={p.public_key}"
    page = village.get(url)
    assert page.status_code == 200 and 'data-testid="scanned"' in page.content.decode()
    photo = SimpleUploadedFile("a.jpg", jpeg(), content_type="image/jpeg")
    done = village.post(url, form(qr=str(p.public_key), lat="24.2", photos=photo))
    assert done.status_code == 302 and done["Location"] == "/risks/patrols/today/"
    patrol = Patrol.objects.get()
    assert patrol.via_qr and patrol.far and patrol.photos.count() == 1
    shown = village.get(f"/risks/patrols/{patrol.pk}/")
    assert shown.status_code == 200 and 'data-testid="far"' in shown.content.decode()
    photo_id = patrol.photos.get().pk
    assert village.get(f"/risks/patrols/{patrol.pk}/photos/{photo_id}/").status_code == 200
    outsider = client_for(cast.users["outsider"])
    assert outsider.get(f"/risks/patrols/{patrol.pk}/").status_code == 404
    assert outsider.get(f"/risks/patrols/{patrol.pk}/photos/{photo_id}/").status_code == 404
    # a QR key of another point does not count as scanned
    village.post(f"/risks/points/{p.pk}/checkin/?qr={uuid.uuid4()}", form())
    assert not Patrol.objects.order_by("-id").first().via_qr


def test_bad_input_answers_400_naming_the_field_and_writes_nothing(cast):
    p = patrolled_point(cast)
    village = client_for(cast.users["village"])
    bad = village.post(f"/risks/points/{p.pk}/checkin/", form(result="fine"))
    assert bad.status_code == 400 and 'data-testid="error"' in bad.content.decode()
    half = village.post(f"/risks/points/{p.pk}/checkin/", form(lat=""))
    assert half.status_code == 400 and "经度和纬度须同时给出" in half.content.decode()
    assert Patrol.objects.count() == 0
    assert (
        client_for(cast.users["outsider"])
        .post(f"/risks/points/{p.pk}/checkin/", form())
        .status_code
        == 404
    )
    refused = client_for(cast.users["department"]).post(f"/risks/points/{p.pk}/checkin/", form())
    assert refused.status_code == 403
    assert Patrol.objects.count() == 0


def test_a_resent_form_returns_the_first_patrol(cast):
    p = patrolled_point(cast)
    village = client_for(cast.users["village"])
    sent = form()
    assert village.post(f"/risks/points/{p.pk}/checkin/", sent).status_code == 302
    assert village.post(f"/risks/points/{p.pk}/checkin/", sent).status_code == 302
    assert Patrol.objects.count() == 1


def test_a_hazard_found_on_patrol_goes_through_the_hazard_report(cast):
    p = patrolled_point(cast, address="村口")
    village = client_for(cast.users["village"])
    photo = SimpleUploadedFile("a.jpg", jpeg(), content_type="image/jpeg")
    done = village.post(
        f"/risks/points/{p.pk}/checkin/", form(result="hazard", note="挡墙开裂", photos=photo)
    )
    patrol = Patrol.objects.get()
    assert done.status_code == 302
    assert done["Location"] == f"/m/report/?origin=risks.point%3A{p.pk}&patrol={patrol.pk}"
    page = village.get(done["Location"])
    body = page.content.decode()
    assert page.status_code == 200 and 'data-testid="origin"' in body
    assert "挡墙开裂" in body and "村口" in body and 'value="106.1"' in body
    category = Domain.objects.filter(active=True).first()
    reported = village.post(
        done["Location"],
        {
            "client_uuid": str(uuid.uuid4()),
            "title": f"巡查发现隐患：{p.name}",
            "description": "挡墙开裂",
            "category": category.code,
            "grade": "general",
            "cell": "450901100201",
            "lon": "106.1",
            "lat": "24.1",
        },
    )
    hazard = Hazard.objects.get()
    assert reported.status_code == 302, reported.content.decode()[:2000]
    assert hazard.origin == f"risks.point:{p.pk}"
    assert hazard.photos.count() == 1  # the patrol's photo, copied
    patrol.refresh_from_db()
    assert patrol.hazard_id == hazard.pk
    shown = village.get(f"/hazards/{hazard.number}/")
    assert 'data-testid="origin"' in shown.content.decode()
    back = village.get(f"/risks/patrols/{patrol.pk}/")
    assert hazard.number in back.content.decode()
    # the outsider sees neither the hazard nor the link
    assert client_for(cast.users["outsider"]).get(f"/hazards/{hazard.number}/").status_code == 404


def test_an_origin_not_yours_prefills_nothing(cast):
    p = patrolled_point(cast)
    page = client_for(cast.users["outsider"]).get(f"/m/report/?origin=risks.point:{p.pk}")
    assert page.status_code == 200 and 'data-testid="origin"' not in page.content.decode()
    for ref in ["risks.point:x", "nope:1", "risks.point:", "risks.point:99999999999999999999"]:
        page = client_for(cast.users["village"]).get(f"/m/report/?origin={ref}")
        assert page.status_code == 200 and 'data-testid="origin"' not in page.content.decode()


def test_statistics_of_a_cell_and_month(cast):
    with time_machine.travel(START, tick=False):
        p = patrolled_point(cast)
    with time_machine.travel(START + 80 * H, tick=False):
        actions_patrols.check_in(cast.users["village"], p, result="ok")
    with time_machine.travel(START + 400 * H, tick=False):
        sweep.sweep()
        county = client_for(cast.users["county"])
        page = county.get("/risks/patrols/?cell=450901&month=2026-12")
        body = page.content.decode()
        assert page.status_code == 200
        missed = Patrol.objects.filter(outcome="missed").count()
        assert missed >= 1
        assert f"应巡 {1 + missed} 次：按时 1，超时 0，漏巡 {missed}" in body
        assert 'data-code="450901100"' in body and "village人" in body
        assert county.get("/risks/patrols/?cell=450901&month=2026-13").status_code == 400
        assert (
            client_for(cast.users["outsider"]).get("/risks/patrols/?cell=450901").status_code == 404
        )
    assert Client().get("/risks/patrols/").status_code == 302


def test_the_field_home_has_a_tile_of_todays_patrols(cast, client_for):
    home = client_for(cast.users["village"]).get("/").content.decode()
    assert 'data-testid="tile-patrols"' not in home  # patrols nothing yet
    with time_machine.travel(START, tick=False):
        p = patrolled_point(cast)
        RiskPoint.objects.filter(pk=p.pk).update(next_due_at=START + timedelta(hours=2))
        home = client_for(cast.users["village"]).get("/").content.decode()
        assert 'data-testid="tile-patrols"' in home and "今日巡查 (1)" in home
        actions_patrols.check_in(cast.users["village"], p, result="ok", lon=106.1, lat=24.1)
        home = client_for(cast.users["village"]).get("/").content.decode()
        assert "今日巡查已完成" in home
