"""The duty desk's pages as the officers use them."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from qianshao.accounts.actions import create_login
from qianshao.incidents.models import DutyEntry, Handover, Incident, Shift, SpotAnswer
from qianshao.incidents.tests.duty_helpers import on_duty_now, staff

pytestmark = pytest.mark.django_db


def form(**fields) -> dict:
    return {"client_uuid": str(uuid.uuid4())} | fields


def test_the_township_plans_its_month_from_the_roster_page(cast, client_for):
    lead, a = staff(cast, cast.township, "镇长", "甲")
    client = client_for(cast.users["township"])
    month = (timezone.localdate().replace(day=1) + timedelta(days=32)).replace(day=1)
    page = client.get(f"/incidents/duty/roster/?cell=450901100&month={month:%Y-%m}")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"s-{month.isoformat()}-full-a" in html and "镇长" in html
    fields = {
        f"s-{month + timedelta(days=k)}-full-{post}": str(person.pk)
        for k in range(3)
        for post, person in (("leader", lead), ("a", a))
    }
    for k in range(3):
        fields[f"s-{month + timedelta(days=k)}-full-b"] = ""
    answer = client.post(
        "/incidents/duty/roster/plan/", form(cell="450901100", month=f"{month:%Y-%m}") | fields
    )
    assert answer.status_code == 302
    assert Shift.objects.filter(cell=cast.township, post_a=a).count() == 3
    # a person of another cell is named by row, nothing written
    stranger = staff(cast, cast.county, "县里人")[0]
    fields[f"s-{month + timedelta(days=5)}-full-a"] = str(stranger.pk)
    fields[f"s-{month + timedelta(days=5)}-full-leader"] = ""
    fields[f"s-{month + timedelta(days=5)}-full-b"] = ""
    answer = client.post(
        "/incidents/duty/roster/plan/", form(cell="450901100", month=f"{month:%Y-%m}") | fields
    )
    assert answer.status_code == 400
    assert "A岗须为本网格在岗人员" in answer.content.decode()
    assert Shift.objects.filter(cell=cast.township).count() == 3


def test_an_officer_confirms_logs_a_call_and_opens_an_incident_from_it(cast, client_for):
    lead, a = staff(cast, cast.township, "镇长", "甲")
    shift = on_duty_now(cast, cast.township, lead, a)
    officer = create_login(None, a, username="desk-a", password="qianshao-test-1")
    client = client_for(officer)
    desk = client.get("/incidents/duty/").content.decode()  # their own township's desk
    assert 'data-testid="confirm"' in desk and "甲镇" in desk
    assert client.post(f"/incidents/duty/shifts/{shift.pk}/confirm/", form()).status_code == 302
    answer = client.post(
        "/incidents/duty/log/",
        form(
            cell="450901100",
            kind="receive",
            caller="村民",
            phone="139",
            text="一村路口车祸，有人被困",
        ),
    )
    assert answer.status_code == 302
    entry = DutyEntry.objects.get()
    desk = client.get("/incidents/duty/?cell=450901100").content.decode()
    assert f"origin=incidents.duty:{entry.pk}" in desk
    new = client.get(f"/incidents/new/?origin=incidents.duty:{entry.pk}").content.decode()
    assert "一村路口车祸，有人被困" in new and 'data-testid="origin"' in new
    answer = client.post(
        "/incidents/new/",
        form(
            title="一村路口车祸",
            kind="accident",
            category="road",
            cell="450901100201",
            occurred_at=timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            summary="一村路口车祸，有人被困",
            trapped="1",
            origin=f"incidents.duty:{entry.pk}",
        ),
    )
    assert answer.status_code == 302
    incident = Incident.objects.get()
    assert DutyEntry.objects.get(follows=entry).incident == incident
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="origin"' in page
    # a bad log entry: named, nothing written
    answer = client.post("/incidents/duty/log/", form(cell="450901100", kind="nope", text="x"))
    assert answer.status_code == 400
    assert DutyEntry.objects.count() == 2


def test_spot_check_and_handover_through_the_pages(cast, client_for):
    lead, a, b = staff(cast, cast.township, "镇长", "甲", "乙")
    shift = on_duty_now(cast, cast.township, lead, a)
    Shift.objects.create(
        cell=cast.township,
        cell_path=cast.township.path,
        day=shift.day + timedelta(days=1),
        part="full",
        starts_at=shift.ends_at,
        ends_at=shift.ends_at + timedelta(days=1),
        post_a=b,
    )
    county = client_for(cast.users["county"])
    answer = county.post("/incidents/duty/spot/", form(cell="450901", note="查岗"))
    assert answer.status_code == 302
    mine = SpotAnswer.objects.get(cell=cast.township)
    officer = create_login(None, a, username="desk-a2", password="qianshao-test-1")
    client = client_for(officer)
    page = client.get(f"/incidents/duty/spot/{mine.spot_id}/").content.decode()
    assert f'data-testid="answer-{mine.pk}"' in page
    assert client.post(f"/incidents/duty/spot/answers/{mine.pk}/answer/", form()).status_code == 302
    mine.refresh_from_db()
    assert mine.answered_at is not None
    desk = client.get("/incidents/duty/?cell=450901100").content.decode()
    assert 'data-testid="handover-form"' in desk
    answer = client.post(f"/incidents/duty/shifts/{shift.pk}/handover/", form(text="无异常"))
    assert answer.status_code == 302
    handover = Handover.objects.get()
    assert handover.to_shift.post_a == b


def test_today_on_duty_is_on_the_home_page_and_the_grid_card(cast, client_for):
    lead, a = staff(cast, cast.township, "镇长", "甲")
    on_duty_now(cast, cast.township, lead, a)
    client = client_for(cast.users["village"])
    for url in ["/", f"/grid/{cast.village.code}/card/"]:
        html = client.get(url).content.decode()
        assert 'data-testid="on-duty-card"' in html, url
        assert "镇长" in html and a.phone in html, url
    # the public card shows no one's phone
    public = client_for(cast.users["outsider"])
    assert a.phone not in public.get("/").content.decode()


def test_the_admin_keeps_the_rules_and_settings(cast, client_for):
    admin = client_for(cast.users["admin"])
    for url in [
        "/admin/incidents/dutyrule/",
        "/admin/incidents/dutysetting/",
        "/admin/incidents/dutysetting/add/",
        "/admin/incidents/reportingrule/",
    ]:
        assert admin.get(url).status_code == 200, url


def test_a_team_leader_without_a_post_is_sent_to_the_orders(cast, client_for):
    from qianshao.incidents import actions_orders
    from qianshao.incidents.tests.helpers import a_team, an_incident

    team = a_team(cast)
    actions_orders.dispatch(cast.users["county"], an_incident(cast), team=team.pk, task="救援")
    answer = client_for(team.leader.user).get("/incidents/")
    assert answer.status_code == 302 and answer.url == "/incidents/orders/"
