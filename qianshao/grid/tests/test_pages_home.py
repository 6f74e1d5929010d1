"""The home page follows the user's post: an overview for county and township, the phone
page for a village member, the department's page, and a word for users without a post."""

from datetime import timedelta

import pytest
from django.utils import timezone

from qianshao.accounts.actions import create_login
from qianshao.grid import actions
from qianshao.grid.tests.test_pages_cell import add_villages
from qianshao.testing import PASSWORD, appoint

pytestmark = pytest.mark.django_db


def home(client_for, user):
    response = client_for(user).get("/")
    assert response.status_code == 200
    return response


def test_the_county_dispatcher_gets_the_overview_of_the_county(cast, client_for):
    response = home(client_for, cast.users["county"])
    assert response.templates[0].name == "web/home_overview.html"
    assert response.context["cell"] == cast.county
    assert [c.code for c in response.context["children"]] == ["450901100", "450901101"]
    html = response.content.decode()
    assert 'data-testid="children"' in html
    assert "甲镇" in html
    assert "乙镇" in html


def test_the_township_dispatcher_gets_the_overview_of_the_township(cast, client_for):
    response = home(client_for, cast.users["township"])
    assert response.templates[0].name == "web/home_overview.html"
    assert [c.code for c in response.context["children"]] == ["450901100201", "450901100202"]
    assert response.context["counts"]["cells"] == 2


def test_a_village_member_gets_the_phone_page_of_the_village(cast, client_for):
    response = home(client_for, cast.users["village"])
    assert response.templates[0].name == "web/home_field.html"
    html = response.content.decode()
    assert 'href="/grid/450901100201/card/"' in html
    assert "village人" in html
    assert "山洪" in html


def test_a_department_member_gets_the_departments_page(cast, client_for):
    response = home(client_for, cast.users["department"])
    assert response.templates[0].name == "web/home_department.html"
    html = response.content.decode()
    assert "A县应急管理局" in html
    assert "department人" in html
    assert [a.person.name for a in response.context["members"]] == ["department人"]


def test_a_user_without_a_post_gets_the_none_page(cast, client_for):
    role = cast.people["village"].assignments.get()
    actions.end_term(None, role, end=timezone.localdate() - timedelta(days=1))
    response = home(client_for, cast.users["village"])
    assert response.templates[0].name == "web/home_none.html"
    assert "尚未被任命到任何网格" in response.content.decode()


def test_a_user_whose_term_has_not_begun_gets_the_none_page(cast, client_for):
    person = appoint(
        cast.village, "member", name="候任", start=timezone.localdate() + timedelta(days=3)
    )
    user = create_login(None, person, username="houren", password=PASSWORD)
    assert home(client_for, user).templates[0].name == "web/home_none.html"


def test_the_highest_post_decides_the_home_page(cast, client_for):
    person = cast.people["village"]
    actions.assign_role(None, person=person, cell=cast.township, role="deputy", notify=False)
    response = home(client_for, cast.users["village"])
    assert response.templates[0].name == "web/home_overview.html"
    assert response.context["cell"] == cast.township


def test_the_superuser_gets_the_overview_of_the_first_county(cast, client_for):
    response = home(client_for, cast.users["admin"])
    assert response.templates[0].name == "web/home_overview.html"
    assert response.context["cell"] == cast.county


@pytest.mark.parametrize("username", ["county", "township"])
def test_the_overview_takes_the_same_queries_however_many_children(
    cast, client_for, django_assert_max_num_queries, username
):
    client = client_for(cast.users[username])
    client.get("/")
    with django_assert_max_num_queries(40) as few:
        client.get("/")
    add_villages(cast, 10)
    actions.create_cells(
        None,
        [_township(code) for code in ["450901102", "450901103", "450901104"]],
        source="test",
        under=cast.county,
    )
    with django_assert_max_num_queries(len(few)):
        client.get("/")


def test_the_phone_page_takes_the_same_queries_however_many_people(
    cast, client_for, django_assert_max_num_queries
):
    client = client_for(cast.users["village"])
    client.get("/")
    with django_assert_max_num_queries(30) as few:
        client.get("/")
    for i in range(8):
        appoint(cast.village, "member", name=f"组长{i}", duties=["flood_patroller"])
    with django_assert_max_num_queries(len(few)):
        response = client.get("/")
    assert len(response.context["people"]) == 9


def _township(code):
    from qianshao.grid.importers.divisions import CellRow

    return CellRow(code, f"镇{code[-1]}", "township", None)


def test_the_township_home_counts_its_hazards_and_its_tasks(cast, client_for, category):
    from qianshao.hazards import actions

    actions.report(
        cast.users["village"], title="t", description="d", category=category, cell=cast.village
    )
    html = client_for(cast.users["township"]).get("/").content.decode()
    section = html[html.index('data-testid="home-hazards"') :]
    assert "<b>1</b><span>排查发现" in section
    assert "<b>1</b><span>待我处理" in section, "the township has a report to accept"


@pytest.fixture
def category(db):
    from qianshao.grid.models import Domain

    return Domain.objects.get(code="industry_trade")
