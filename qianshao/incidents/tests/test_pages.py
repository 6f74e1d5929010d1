"""The incidents' pages as people use them: receive, respond, dispatch, answer, pass up; bad
input named, nothing written."""

import uuid

import pytest
from django.utils import timezone

from qianshao.incidents.models import Incident, LogEntry, Order, OrderStatus, Relay
from qianshao.incidents.tests.helpers import a_team, an_incident

pytestmark = pytest.mark.django_db


def form(**fields) -> dict:
    return {"client_uuid": str(uuid.uuid4())} | fields


def test_the_township_receives_an_incident_from_its_form(cast, client_for):
    client = client_for(cast.users["township"])
    page = client.get("/incidents/new/?cell=450901100201")
    assert page.status_code == 200 and "接报突发事件" in page.content.decode()
    answer = client.post(
        "/incidents/new/",
        form(
            title="一村民房起火",
            kind="accident",
            category="fire",
            cell="450901100201",
            occurred_at="2026-12-05T08:00",
            summary="村民房屋起火，一人被困。",
            trapped="1",
        ),
    )
    incident = Incident.objects.get()
    assert answer.status_code == 302 and answer.url == f"/incidents/{incident.pk}/"
    assert incident.trapped == 1 and incident.category == "fire"
    detail = client.get(answer.url).content.decode()
    assert "一村民房起火" in detail and "逐级上报" in detail and "指挥日志" in detail
    listed = client.get("/incidents/").content.decode()
    assert f'data-incident="{incident.pk}"' in listed


def test_bad_input_is_named_and_nothing_written(cast, client_for):
    client = client_for(cast.users["township"])
    answer = client.post(
        "/incidents/new/",
        form(
            kind="accident",
            category="flood",
            cell="450901100201",
            occurred_at="2026-12-05T08:00",
            summary="x",
            title="x",
        ),
    )
    assert answer.status_code == 400
    assert "没有“洪涝灾害”这一类型" in answer.content.decode()
    answer = client.post("/incidents/new/", form(kind="accident"))
    assert answer.status_code == 400
    assert not Incident.objects.exists()
    incident = an_incident(cast)
    answer = client.post(f"/incidents/{incident.pk}/report/", form(text="x", dead="-1"))
    assert answer.status_code == 400
    assert incident.reports.count() == 1


def test_respond_dispatch_answer_release_through_the_pages(cast, client_for):
    incident = an_incident(cast)
    team = a_team(cast)
    county = client_for(cast.users["county"])
    url = f"/incidents/{incident.pk}/"
    answer = county.post(url + "respond/", form(level="4", decided_by="县应急局局长"))
    assert answer.status_code == 302
    answer = county.post(url + "raise/", form(level="4", decided_by="县长"))
    assert answer.status_code == 409 and "提升响应须高于" in answer.content.decode()
    page = county.get(url).content.decode()
    assert f'data-team="{team.pk}"' in page  # among the teams to send
    assert county.post(url + "dispatch/", form(team=str(team.pk), task="救援")).status_code == 302
    order = Order.objects.get()
    again = county.post(url + "dispatch/", form(team=str(team.pk), task="救援"))
    assert again.status_code in (404, 409)  # out, so no longer among those to send
    leader = client_for(team.leader.user)
    mine = leader.get("/incidents/orders/").content.decode()
    assert f'data-order="{order.pk}"' in mine
    assert leader.get(f"/incidents/orders/{order.pk}/").status_code == 200
    assert leader.post(f"/incidents/orders/{order.pk}/receive/", form()).status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED
    # the leader may not release the team: the commander does
    assert leader.post(f"/incidents/orders/{order.pk}/release/", form()).status_code == 403
    county = client_for(cast.users["county"])  # one test client: logged in again
    answer = county.post(f"/incidents/orders/{order.pk}/release/", form(back="incident"))
    assert answer.status_code == 302 and answer.url == url
    assert LogEntry.objects.filter(incident=incident).count() >= 5


def test_the_township_passes_it_up_from_the_page(cast, client_for):
    incident = an_incident(cast)
    relay = Relay.objects.get(incident=incident)
    village = client_for(cast.users["village"])
    assert f"pass-{relay.pk}" not in village.get(f"/incidents/{incident.pk}/").content.decode()
    assert village.post(f"/incidents/relays/{relay.pk}/pass/", form()).status_code == 403
    township = client_for(cast.users["township"])  # the same client, logged in again
    assert f"pass-{relay.pk}" in township.get(f"/incidents/{incident.pk}/").content.decode()
    assert (
        township.post(f"/incidents/relays/{relay.pk}/pass/", form(note="电话")).status_code == 302
    )
    assert Relay.objects.filter(incident=incident).count() == 2


def test_the_outsider_leads_no_team_of_a_county_and_sees_no_order(cast, client_for):
    an_incident(cast)
    mine = client_for(cast.users["outsider"]).get("/incidents/orders/")
    assert mine.status_code == 200 and "暂无调派指令" in mine.content.decode()


def test_supplies_evacuation_and_the_review_through_the_page(cast, client_for):
    from django.utils import timezone

    from qianshao.resources import actions_supplies, catalogue_supplies
    from qianshao.resources.tests.shelters_helpers import household, shelter

    tent = catalogue_supplies.add_item(None, code="1999902", name="帐篷", unit="顶", expires=False)
    point = actions_supplies.create_point(None, cell=cast.township, name="甲镇储备点")
    actions_supplies.receive(None, point, item=tent, quantity=10)
    s = shelter(cast)
    family = household(cast, members=4)
    incident = an_incident(cast)
    county = client_for(cast.users["county"])
    url = f"/incidents/{incident.pk}/"
    page = county.get(url).content.decode()
    assert f'data-point="{point.pk}"' in page and f'data-shelter="{s.pk}"' in page
    assert "韦大（4人）" in page  # the village's transfer list
    answer = county.post(
        url + "supplies/",
        form(point=str(point.pk), **{"item-1": str(tent.pk), "quantity-1": "11"}),
    )
    assert answer.status_code == 409 and "帐篷" in answer.content.decode()
    answer = county.post(
        url + "supplies/", form(point=str(point.pk), **{"item-1": str(tent.pk), "quantity-1": "4"})
    )
    assert answer.status_code == 302
    answer = county.post(
        url + "evacuate/",
        form(cell=cast.village.code, shelter=str(s.pk), households=[str(family.pk)]),
    )
    assert answer.status_code == 302
    incident.refresh_from_db()
    assert incident.evacuated == 4
    assert county.post(url + "end/", form(text="处置完毕", decided_by="县长")).status_code == 302
    due = (timezone.localdate()).isoformat()
    assert (
        county.post(
            url + "finding/", form(text="储备帐篷不足", owner="甲镇", due_on=due)
        ).status_code
        == 302
    )
    page = county.get(url).content.decode()
    assert "储备帐篷不足" in page and 'data-testid="close-form"' in page
    assert county.post(url + "close/", form(review="响应及时")).status_code == 302
    incident.refresh_from_db()
    assert incident.status == "closed"


def test_the_timeliness_rate_rolls_up_per_cell_and_months(cast, client_for):
    from datetime import timedelta

    from qianshao.incidents import tally

    an_incident(cast, minutes_ago=30)  # on time
    an_incident(cast, minutes_ago=90, title="迟报的事件")  # late
    client = client_for(cast.users["county"])
    month = tally.month(timezone.now())
    html = client.get(
        f"/incidents/timeliness/?cell=450901&from={month}&to={month}"
    ).content.decode()
    row = html.split('data-cell="450901100"')[1].split("</tr>")[0]
    assert ">2<" in row and ">1<" in row and "50.0%" in row
    assert "—" in html.split('data-cell="450901101"')[1].split("</tr>")[0]  # 乙镇: none
    earlier = (timezone.localdate().replace(day=1) - timedelta(days=40)).strftime("%Y-%m")
    html = client.get(
        f"/incidents/timeliness/?cell=450901&from={earlier}&to={earlier}"
    ).content.decode()
    assert "50.0%" not in html
