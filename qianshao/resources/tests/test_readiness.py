"""The readiness view (应急资源一张表): each part's change shows in the table of the cell
above it, page and API alike; its cost does not grow with the records beneath; scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qianshao.grid.models import Duty, Role
from qianshao.resources import actions_forces, actions_kits, readiness
from qianshao.resources import actions_supplies as supplies
from qianshao.resources.models import KitCard, TeamKind
from qianshao.resources.tests.shelters_helpers import household, shelter
from qianshao.resources.tests.supplies_fixtures import days, items, points  # noqa: F401
from qianshao.testing import appoint
from qianshao.tests.test_openapi import client_for


def line(table, code):
    return next(r for r in table.children if r.cell.code == code)


def a_team(cast, cell, members: int, name="应急先锋分队"):
    team = actions_forces.create_team(
        cast.users["county"], cell=cell, name=name, kind=TeamKind.COMPREHENSIVE
    )
    for i in range(members):
        actions_forces.add_member(
            cast.users["county"], team, name=f"队员{i}", phone=f"1390000{i:04d}"
        )
    return team


@pytest.mark.django_db
def test_each_part_shows_in_the_county_table(cast, items, points):  # noqa: F811
    county = cast.users["county"]
    before = readiness.table(cast.county)
    township = line(before, "450901100")
    assert (township.forces.teams, township.supplies["batches"], township.shelters["capacity"]) == (
        0,
        0,
        0,
    )

    a_team(cast, cast.village, 10)
    person = appoint(cast.village, Role.MEMBER, name="应急员", duties=[Duty.EMERGENCY_OFFICER])
    card = KitCard.objects.get(person=person)
    actions_kits.issue_lines(county, card, {ln.pk: ln.quantity for ln in card.standard.lines.all()})
    supplies.receive(county, points["township"], item=items["rice"], quantity=100, expires=days(60))
    supplies.receive(county, points["township"], item=items["tent"], quantity=5)
    sent = supplies.dispatch(
        county, points["township"], points["village"], lines=[(items["tent"], 2, None, None)]
    )
    shelter(cast, area="700")
    household(cast, members=5)

    after = readiness.table(cast.county)
    township, other = line(after, "450901100"), line(after, "450901101")
    assert (township.forces.teams, township.forces.members) == (1, 10)
    assert township.forces.met_below == 1  # 一村's squad of 10 meets the village norm
    assert township.kits["kit_holders"] == 1 and township.kits["kit_percent"] == 100
    assert township.supplies["points"] == 2
    assert township.supplies["near90"] == 1  # the rice, 60 days from expiry
    assert township.supplies["in_transit"] == 1
    assert township.by_class[0] >= 2  # rice and tents, class 1
    assert township.shelters["capacity"] == 1400  # 700 m² at 0.5 m² a person
    assert township.shelters["listed_people"] == 5
    assert other.forces.teams == 0 and other.supplies["points"] == 0
    assert after.total.forces.teams == 1 and after.total.supplies["in_transit"] == 1

    supplies.receive_transfer(county, sent)
    assert readiness.table(cast.county).total.supplies["in_transit"] == 0


@pytest.mark.django_db
def test_the_page_and_the_api_give_the_same_table(cast, items, points):  # noqa: F811
    a_team(cast, cast.village, 3)
    client = client_for(cast.users["county"])
    page = client.get("/resources/", {"cell": "450901"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "应急资源一张表" in body and 'data-cell="450901100"' in body
    assert "差 30 人" in line_html(body, "450901100")  # no squadron of its own yet
    api = client.get("/api/v1/resources/readiness", {"cell": "450901"}).json()
    by_code = {r["cell"]: r for r in api["children"]}
    assert by_code["450901100"]["forces"]["teams"] == 1
    assert by_code["450901100"]["forces"]["members"] == 3
    assert api["total"]["forces"]["teams"] == 1
    drilled = client.get("/api/v1/resources/readiness", {"cell": "450901100"}).json()
    assert [r["cell"] for r in drilled["children"]] == ["450901100201", "450901100202"]
    village = {r["cell"]: r for r in drilled["children"]}["450901100201"]
    assert village["forces"]["meets"] is False and village["forces"]["shortfall"] == 7


def line_html(body: str, code: str) -> str:
    start = body.index(f'data-cell="{code}"')
    return body[start : body.index("</tr>", start)]


@pytest.mark.django_db
def test_outside_the_scope_is_a_404_and_a_village_sees_its_own(cast):
    outsider = client_for(cast.users["outsider"])
    assert outsider.get("/resources/", {"cell": "450901"}).status_code == 404
    assert outsider.get("/api/v1/resources/readiness", {"cell": "450901"}).status_code == 404
    village = client_for(cast.users["village"])
    own = village.get("/api/v1/resources/readiness").json()
    assert own["cell"] == "450901100201"
    assert village.get("/resources/", {"cell": "450901100"}).status_code == 404


@pytest.mark.django_db
def test_the_table_reads_as_many_queries_for_many_records_as_for_none(cast, items, points):  # noqa: F811
    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            readiness.table(cast.county)
        return len(seen)

    empty = queries()
    for cell in [cast.village, cast.cell("450901100202"), cast.cell("450901101201")]:
        a_team(cast, cell, 2, name=f"{cell.name}分队")
        shelter(cast, cell=cell, area="300")
    for n in range(5):
        supplies.receive(
            cast.users["county"],
            points["county"],
            item=items["rice"],
            quantity=n + 1,
            expires=days(200 + n),
        )
    assert queries() == empty
