"""The forces' pages: the team list of a cell (scoped, filtered, paginated), the team page
(members with their other teams, certificates with expiry marks, the steps the user may
take), forms that show a refusal on its field and write nothing, the compliance table, the
experts with the overdue flagged, the social forces."""

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from qianshao.grid.models import Person
from qianshao.resources import actions_forces as actions
from qianshao.resources.models import Expert, Team, TeamStatus

pytestmark = pytest.mark.django_db


def error_on(page, field: str) -> bool:
    """Does the form show an error on ``field`` (its line holds the error list)?"""
    return bool(re.search(f'data-field="{field}">[^\n]*errorlist', page.content.decode()))


def a_team(cast, name="一村先锋分队", kind="comprehensive", n=0, start=0, cell=None):
    team = actions.create_team(None, cell=cell or cast.village, name=name, kind=kind)
    for i in range(n):
        actions.add_member(None, team, name=f"队员{start + i}", phone=f"1391000{start + i:04d}")
    return team


def test_the_team_list_is_scoped_and_filtered(cast, client_for):
    a_team(cast)
    a_team(cast, name="一村防汛队", kind="flood")
    a_team(cast, name="四村队", cell=cast.other_village)
    page = client_for(cast.users["township"]).get("/resources/teams/?cell=450901100")
    text = page.content.decode()
    assert page.status_code == 200
    assert "一村先锋分队" in text and "一村防汛队" in text and "四村队" not in text
    assert "组建队伍" in text  # the township's dispatcher may add one here
    filtered = client_for(cast.users["township"]).get("/resources/teams/?kind=flood")
    assert "一村防汛队" in filtered.content.decode()
    assert "一村先锋分队" not in filtered.content.decode()
    village = client_for(cast.users["village"]).get("/resources/teams/?cell=450901100201")
    assert "组建队伍" not in village.content.decode()  # a member sees, does not add
    outside = client_for(cast.users["township"]).get("/resources/teams/?cell=450902")
    assert outside.status_code == 404


def test_the_team_page_shows_other_teams_certificates_and_steps(cast, client_for):
    first = a_team(cast, n=1)
    second = a_team(cast, name="一村防汛队", kind="flood")
    actions.add_member(None, second, name="队员0", phone="13910000000")
    person = Person.objects.get(phone="13910000000")
    today = timezone.localdate()
    actions.add_certificate(
        None, first, person=person, name="急救证", expires=today + timedelta(days=10)
    )
    actions.add_certificate(
        None, first, person=person, name="救援证", expires=today - timedelta(days=1)
    )
    page = client_for(cast.users["township"]).get(f"/resources/teams/{second.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert f'href="/resources/teams/{first.pk}/"' in text  # the other team is shown
    assert 'data-certificate="expiring"' in text and 'data-certificate="expired"' in text
    assert 'data-step="dispatch"' in text and 'data-step="revoke"' in text
    mere = client_for(cast.users["village"]).get(f"/resources/teams/{second.pk}/")
    assert "data-step" not in mere.content.decode()


def test_a_step_from_the_page(cast, client_for):
    team = a_team(cast)
    client = client_for(cast.users["township"])
    url = f"/resources/teams/{team.pk}/dispatch/"
    done = client.post(url, {"client_uuid": uuid.uuid4(), "note": "山洪"})
    assert done.status_code == 302
    assert Team.objects.get(pk=team.pk).status == TeamStatus.OUT
    refused = client.post(f"/resources/teams/{team.pk}/disable/", {"client_uuid": uuid.uuid4()})
    assert refused.status_code == 409
    denied = client_for(cast.users["village"]).post(
        f"/resources/teams/{team.pk}/return/", {"client_uuid": uuid.uuid4()}
    )
    assert denied.status_code == 403
    assert Team.objects.get(pk=team.pk).status == TeamStatus.OUT


def test_forms_show_the_refusal_on_its_field(cast, client_for):
    client = client_for(cast.users["township"])
    form = {
        "client_uuid": uuid.uuid4(),
        "cell": "450901100201",
        "name": "新队",
        "kind": "comprehensive",
        "base_lon": "200",
        "base_lat": "24",
    }
    page = client.post("/resources/teams/new/", form)
    assert page.status_code == 400
    assert error_on(page, "base_lon") and "须在" in page.content.decode()
    assert not Team.objects.exists()
    made = client.post("/resources/teams/new/", form | {"base_lon": "106.1"})
    assert made.status_code == 302
    team = Team.objects.get()
    member = client.post(
        f"/resources/teams/{team.pk}/members/new/",
        {"client_uuid": uuid.uuid4(), "name": "甲", "phone": "123", "role": "member"},
    )
    assert member.status_code == 400 and error_on(member, "phone")
    ok = client.post(
        f"/resources/teams/{team.pk}/members/new/",
        {"client_uuid": uuid.uuid4(), "name": "甲", "phone": "13910009999", "role": "member"},
    )
    assert ok.status_code == 302 and Team.objects.get().members_n == 1


def test_the_compliance_page(cast, client_for):
    a_team(cast, n=10)
    a_team(cast, name="二村队", cell=cast.cell("450901100202"), n=7, start=20)
    page = client_for(cast.users["county"]).get("/resources/compliance/?cell=450901100")
    text = page.content.decode()
    assert page.status_code == 200
    assert "达标网格 1 / 3" in text and "33.3%" in text
    assert '<td data-label="缺口（人）" class="num" data-testid="shortfall">3</td>' in text


def test_experts_overdue_are_flagged_and_verified(cast, client_for):
    expert = actions.create_expert(
        None, cell=cast.county, name="黄工", field="地质", phone="12345", verified_on="2025-01-01"
    )
    Expert.objects.filter(pk=expert.pk).update(overdue=True)  # as the sweep marks it
    client = client_for(cast.users["county"])
    page = client.get("/resources/experts/?cell=450901&overdue=1")
    assert 'data-testid="overdue"' in page.content.decode()
    client.post(f"/resources/experts/{expert.pk}/verify/", {"client_uuid": uuid.uuid4()})
    expert.refresh_from_db()
    assert expert.verified_on == timezone.localdate()


def test_social_forces_pages(cast, client_for):
    client = client_for(cast.users["county"])
    form = {
        "client_uuid": uuid.uuid4(),
        "cell": "450901",
        "organisation": "蓝天救援队",
        "capability": "搜救",
        "size": "20",
        "contact": "赵",
        "phone": "13955550002",
        "agreement_start": "2026-01-01",
        "agreement_end": "2025-01-01",
    }
    bad = client.post("/resources/social-forces/new/", form)
    assert bad.status_code == 400 and error_on(bad, "agreement_end")
    good = client.post("/resources/social-forces/new/", form | {"agreement_end": "2026-12-31"})
    assert good.status_code == 302
    assert "蓝天救援队" in client.get("/resources/social-forces/?cell=450901").content.decode()


def test_a_department_sees_but_may_not_change(cast, client_for):
    team = a_team(cast)
    client = client_for(cast.users["department"])
    assert client.get(f"/resources/teams/{team.pk}/").status_code == 200
    refused = client.post(f"/resources/teams/{team.pk}/dispatch/", {"client_uuid": uuid.uuid4()})
    assert refused.status_code == 403 and "网格长" in refused.content.decode()
    form = {"client_uuid": uuid.uuid4(), "name": "某", "phone": "13910001111", "role": "member"}
    added = client.post(f"/resources/teams/{team.pk}/members/new/", form)
    assert added.status_code == 403
    assert Team.objects.get(pk=team.pk).status == TeamStatus.STANDBY
    assert Team.objects.get(pk=team.pk).members_n == 0


def test_the_pages_cost_does_not_grow_with_the_teams(
    cast, client_for, django_assert_max_num_queries
):
    client = client_for(cast.users["county"])
    a_team(cast, n=2)
    client.get("/resources/compliance/?cell=450901")  # warm the user's caches

    def count(url: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    before = {
        u: count(u) for u in ["/resources/compliance/?cell=450901", "/resources/teams/?cell=450901"]
    }
    for i in range(6):
        a_team(cast, name=f"队{i}", cell=cast.cell("450901100202"), n=2, start=100 + 10 * i)
    after = {u: count(u) for u in before}
    assert after == before
