"""A leader's list of orders (我的调派), on the page and in the API: those in force first,
then the newest, a page at a time — for a leader of one team and of several."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from qianshao.incidents import actions, actions_orders
from qianshao.incidents import views as incident_views
from qianshao.incidents.models import Order
from qianshao.incidents.tests.helpers import a_team, an_incident
from qianshao.lib import keyset
from qianshao.resources import actions_forces

pytestmark = pytest.mark.django_db


def order_ids(client, url: str) -> list[int]:
    found = []
    while url:
        body = client.get(url).json()
        found += [o["id"] for o in body["items"]]
        url = body["next"]
    return found


def page_ids(client, url: str) -> list[int]:
    found = []
    while url:
        page = client.get(url)
        assert page.status_code == 200
        text = page.content.decode()
        found += [int(n) for n in re.findall(r'data-order="(\d+)"', text)]
        link = re.search(r'href="(\?[^"]*cursor=[^"]*)"[^>]*rel="next"', text)
        url = "/incidents/orders/" + link.group(1).replace("&amp;", "&") if link else None
    return found


def test_a_leader_of_two_teams_sees_the_orders_in_force_first_then_the_newest(
    cast, client_for, monkeypatch
):
    county = cast.users["county"]
    incident = an_incident(cast)
    actions.respond(county, incident, level="4", decided_by="县应急局局长")
    first = a_team(cast, name="甲镇综合救援队", leader="李队长")
    second = actions_forces.create_team(
        None,
        cell=cast.township,
        name="甲镇民兵应急排",
        kind="comprehensive",
        leader_name="李队长",
        leader_phone=first.leader.phone,
    )
    assert first.leader_id == second.leader_id  # one person leads both
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        out = actions_orders.dispatch(county, incident, team=second.pk, task="封控路口")
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        old = actions_orders.dispatch(county, incident, team=first.pk, task="搜救")
        actions_orders.release(county, old)
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        new = actions_orders.dispatch(county, incident, team=first.pk, task="转运伤员")
        actions_orders.release(county, new)
    expected = [out.pk, new.pk, old.pk]  # in force (the oldest), then the newest
    assert Order.objects.filter(closed_at__isnull=True).get() == out

    leader = client_for(first.leader.user)
    assert order_ids(leader, "/api/v1/incidents/orders/mine") == expected
    assert order_ids(leader, "/api/v1/incidents/orders/mine?limit=1") == expected
    assert page_ids(leader, "/incidents/orders/") == expected
    monkeypatch.setattr(incident_views, "PAGE_SIZE", 1)
    assert page_ids(leader, "/incidents/orders/") == expected  # through the next links


def test_one_teams_orders_are_read_along_its_index_unsorted(cast, client_for, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qianshao.tests.test_list_plans import plan, sorts

    county = cast.users["county"]
    incident = an_incident(cast)
    actions.respond(county, incident, level="4", decided_by="县应急局局长")
    team = a_team(cast)
    done = actions_orders.dispatch(county, incident, team=team.pk, task="搜救")
    actions_orders.release(county, done)
    actions_orders.dispatch(county, incident, team=team.pk, task="转运伤员")
    monkeypatch.setattr(keyset, "FEW", 0)
    leader = client_for(team.leader.user)
    for url in ["/api/v1/incidents/orders/mine?limit=1", "/incidents/orders/"]:
        with CaptureQueriesContext(connection) as captured:
            assert leader.get(url).status_code == 200
        paged = [q["sql"] for q in captured.captured_queries if " LIMIT " in q["sql"]]
        paged = [sql for sql in paged if "incidents_order" in sql and " ORDER BY " in sql]
        assert paged, url
        for sql in paged:
            assert not sorts(plan(sql)), f"{url}\n{sql}\n{plan(sql)}"
