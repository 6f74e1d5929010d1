"""The defects a review found in the resources area, each with the class it stands for:
an edit keeps what its caller did not pass, exports and notices read related rows through
scope, GeoJSON positions are two finite numbers, sums stay within their columns, ids from a
body are bounded to the database's integers."""

import io
import uuid
from datetime import UTC
from decimal import Decimal

import openpyxl
import pytest

from qianshao.resources import actions_forces as af
from qianshao.resources import actions_shelters as ash
from qianshao.resources import actions_supplies as asu
from qianshao.resources.models import Expert, Holding, Household, Route, Shelter, SocialForce, Team
from qianshao.resources.tests.shelters_helpers import LINE, household, route, shelter
from qianshao.resources.tests.supplies_fixtures import items, points  # noqa: F401
from qianshao.tests.test_openapi import client_for as api_client

pytestmark = pytest.mark.django_db
BASE = "/api/v1/resources"


def form(**fields) -> dict:
    return {"client_uuid": str(uuid.uuid4())} | fields


# --- B, C: an edit keeps the fields its caller did not pass ------------------------------


def test_editing_a_shelter_on_its_page_or_by_the_api_keeps_its_manager(cast, client_for):
    s = shelter(cast, manager=cast.people["township"])
    c = client_for(cast.users["county"])
    r = c.post(
        f"/resources/shelters/{s.pk}/edit/",
        form(name="甲镇中学操场2", category="III", area_m2="1000"),
    )
    assert r.status_code == 302
    s.refresh_from_db()
    assert (s.name, s.manager_id) == ("甲镇中学操场2", cast.people["township"].pk)
    api = api_client(cast.users["county"])
    r = api.put(
        f"{BASE}/shelters/{s.pk}",
        {"name": "甲镇中学操场3", "category": "III", "area_m2": "900"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    s.refresh_from_db()
    assert (s.name, s.manager_id) == ("甲镇中学操场3", cast.people["township"].pk)
    # the API may still clear it, by saying so
    r = api.put(
        f"{BASE}/shelters/{s.pk}",
        {"name": "甲镇中学操场3", "category": "III", "area_m2": "900", "manager_person": None},
        content_type="application/json",
    )
    assert r.status_code == 200
    assert Shelter.objects.get(pk=s.pk).manager_id is None


def test_editing_a_household_on_its_page_keeps_its_cadre(cast, client_for):
    h = household(cast, cadre=cast.people["village"])
    c = client_for(cast.users["county"])
    r = c.post(
        f"/resources/households/{h.pk}/edit/",
        form(head="韦大", phone="13900000001", members="5", vulnerable_n="0", shelter="", route=""),
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    h.refresh_from_db()
    assert (h.members, h.cadre_id) == (5, cast.people["village"].pk)
    ash.edit_household(cast.users["county"], h, head="韦二", members=3)
    h.refresh_from_db()
    assert (h.head, h.cadre_id, h.phone) == ("韦二", cast.people["village"].pk, "13900000001")


def test_editing_forces_by_the_api_keeps_the_fields_not_sent(cast):
    u = cast.users["county"]
    team = af.create_team(
        u,
        cell=cast.village,
        name="一村队",
        kind="comprehensive",
        phone="0776-1234567",
        address="村委",
    )
    expert = af.create_expert(
        u,
        cell=cast.village,
        name="专家",
        field="地质",
        title="高工",
        phone="13900000000",
        verified_on="2026-01-01",
    )
    force = af.create_social_force(
        u,
        cell=cast.village,
        organisation="蓝天",
        capability="搜救",
        size=10,
        contact="李",
        phone="13900000002",
        agreement_start="2026-01-01",
        agreement_end="2027-01-01",
    )
    api = api_client(u)
    r = api.put(
        f"{BASE}/teams/{team.pk}",
        {"name": "一村应急队", "kind": "comprehensive"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    team = Team.objects.get(pk=team.pk)
    assert (team.name, team.phone, team.address) == ("一村应急队", "0776-1234567", "村委")
    r = api.put(
        f"{BASE}/experts/{expert.pk}",
        {"name": "专家", "field": "水利", "phone": "13900000000"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert Expert.objects.get(pk=expert.pk).title == "高工"
    r = api.put(
        f"{BASE}/social-forces/{force.pk}",
        {
            "organisation": "蓝天",
            "capability": "搜救",
            "size": 12,
            "contact": "李",
            "phone": "13900000002",
        },
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert str(SocialForce.objects.get(pk=force.pk).agreement_end) == "2027-01-01"


# --- D: exports and notices read related rows through scope -------------------------------


def test_the_teams_export_shows_only_certificates_in_the_users_scope(cast, client_for):
    u = cast.users["county"]
    t1 = af.create_team(u, cell=cast.village, name="一村队", kind="comprehensive")
    t3 = af.create_team(u, cell=cast.cell("450901101201"), name="三村队", kind="comprehensive")
    m1 = af.add_member(u, t1, name="李四", phone="13912345678")
    af.add_member(u, t3, name="李四", phone="13912345678")
    af.add_certificate(u, t3, person=m1.person, name="秘密证书XYZ", expires="2027-01-01")
    af.add_certificate(u, t1, person=m1.person, name="本村证书", expires="2027-01-01")
    c = client_for(cast.users["township"])
    r = c.get(f"/resources/teams.xlsx?cell={cast.township.code}")
    assert r.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    text = " ".join(str(x.value) for ws in book for row in ws.iter_rows() for x in row if x.value)
    assert "本村证书" in text
    assert "秘密证书XYZ" not in text


def test_a_certificate_expiry_is_told_only_to_the_team_that_recorded_it(cast, settings):
    from datetime import date, datetime

    from qianshao.notify.models import Message
    from qianshao.resources import sweep_forces

    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"  # queued, never delivered
    t1 = af.create_team(
        None,
        cell=cast.village,
        name="一村队",
        kind="comprehensive",
        leader_name="一村队长",
        leader_phone="13912340000",
    )
    t3 = af.create_team(
        None,
        cell=cast.cell("450901101201"),
        name="三村队",
        kind="comprehensive",
        leader_name="三村队长",
        leader_phone="13912340003",
    )
    m1 = af.add_member(None, t1, name="李四", phone="13912345678")
    af.add_member(None, t3, name="李四", phone="13912345678")
    af.add_certificate(None, t3, person=m1.person, name="三村证书", expires="2027-01-10")
    sweep_forces.expiring_certificates(date(2027, 1, 1), datetime(2027, 1, 1, tzinfo=UTC))
    told = Message.objects.filter(event="resources.certificate_expiring")
    assert told.filter(person=t3.leader).exists()
    assert not told.filter(person=t1.leader).exists()
    assert "一村队" not in " ".join(m.body for m in told)


# --- E: GeoJSON positions are exactly two finite numbers ---------------------------------

LINE_3D = {"type": "LineString", "coordinates": [[106.05, 24.05, 10], [106.06, 24.06, 12]]}
SQUARE_3D = {
    "type": "Polygon",
    "coordinates": [[[106.1, 24.1, 1], [106.101, 24.1, 1], [106.101, 24.101, 1], [106.1, 24.1, 1]]],
}


@pytest.mark.parametrize(
    "line",
    [
        LINE_3D,
        {"type": "LineString", "coordinates": [[106.05, float("nan")], [106.06, 24.06]]},
        {"type": "LineString", "coordinates": [[106.05, float("inf")], [106.06, 24.06]]},
        {"type": "LineString", "coordinates": [[106.05], [106.06, 24.06]]},
        {"type": "LineString", "coordinates": [[106.05, True], [106.06, 24.06]]},
    ],
)
def test_a_route_with_a_third_coordinate_or_nan_is_refused_naming_the_line(cast, line):
    s = shelter(cast, cell=cast.village)
    with pytest.raises(ash.ActionError) as refused:
        ash.create_route(
            cast.users["county"], cell=cast.village, origin="上屯", shelter=s, line=line
        )
    assert refused.value.field == "line"
    assert not Route.objects.exists()


def test_a_3d_outline_is_refused_by_action_page_and_api(cast, client_for):
    import json

    with pytest.raises(ash.ActionError) as refused:
        shelter(cast, cell=cast.village, outline=SQUARE_3D)
    assert refused.value.field == "outline"
    c = client_for(cast.users["county"])
    r = c.post(
        f"/resources/shelters/new/?cell={cast.village.code}",
        form(name="x", category="III", area_m2="10", outline=json.dumps(SQUARE_3D)),
    )
    assert r.status_code == 400
    assert "outline" in r.context["form"].errors
    api = api_client(cast.users["county"])
    r = api.post(
        f"{BASE}/shelters",
        {
            "client_uuid": str(uuid.uuid4()),
            "cell": cast.village.code,
            "name": "x",
            "category": "III",
            "area_m2": "10",
            "outline": SQUARE_3D,
        },
        content_type="application/json",
    )
    assert r.status_code == 400
    assert "outline" in r.content.decode()
    r = api.post(
        f"{BASE}/routes",
        {
            "client_uuid": str(uuid.uuid4()),
            "cell": cast.village.code,
            "origin": "上屯",
            "shelter": shelter(cast, cell=cast.village).pk,
            "line": LINE_3D,
        },
        content_type="application/json",
    )
    assert r.status_code == 400
    assert "line" in r.content.decode()
    assert not Shelter.objects.exclude(outline=None).exists()


# --- F: sums stay within their columns ------------------------------------------------------


def test_a_receipt_that_would_overflow_the_holding_is_refused_naming_quantity(
    cast,
    points,  # noqa: F811
    items,  # noqa: F811
):
    p = points["county"]
    asu.receive(None, p, item=items["tent"], quantity="99999999999.999")
    with pytest.raises(asu.ActionError) as refused:
        asu.receive(None, p, item=items["tent"], quantity="1")
    assert refused.value.field == "quantity"
    assert refused.value.status == 409
    assert Holding.objects.get(point=p, item=items["tent"]).quantity == Decimal("99999999999.999")
    api = api_client(cast.users["county"])
    assert api.get(f"{BASE}/points/{p.pk}/stock").status_code == 200


# --- G: ids from a body are bounded to the database's integers ------------------------------


@pytest.mark.parametrize("key", ["99999999999999999999999", "-1", "0"])
def test_a_count_with_an_impossible_batch_id_is_refused_naming_counted(
    cast,
    points,  # noqa: F811
    items,  # noqa: F811
    key,
):
    p = points["county"]
    asu.receive(None, p, item=items["tent"], quantity="5")
    api = api_client(cast.users["county"])
    r = api.post(
        f"{BASE}/movements",
        {
            "client_uuid": str(uuid.uuid4()),
            "kind": "count",
            "point": p.pk,
            "item": items["tent"].code,
            "counted": {key: "3"},
            "reason": "x",
        },
        content_type="application/json",
    )
    assert r.status_code in (400, 422), r.content
    assert "counted" in r.content.decode()
    with pytest.raises(asu.ActionError) as refused:
        asu.count(None, p, item=items["tent"], counted={int(key): "3"}, reason="x")
    assert refused.value.field == "counted"


@pytest.mark.parametrize(
    "path,body,field",
    [
        ("/shelters", {"manager_person": 10**30}, "manager_person"),
        ("/routes", {"shelter": 10**30}, "shelter"),
        ("/households", {"cadre_person": 10**30}, "cadre_person"),
    ],
)
def test_huge_ids_in_a_body_are_refused_naming_the_field(cast, path, body, field):
    base = {
        "/shelters": {
            "client_uuid": str(uuid.uuid4()),
            "cell": cast.village.code,
            "name": "x",
            "category": "III",
            "area_m2": "10",
        },
        "/routes": {
            "client_uuid": str(uuid.uuid4()),
            "cell": cast.village.code,
            "origin": "o",
            "line": LINE,
        },
        "/households": {
            "client_uuid": str(uuid.uuid4()),
            "cell": cast.village.code,
            "head": "h",
            "members": 1,
        },
    }[path]
    api = api_client(cast.users["county"])
    r = api.post(f"{BASE}{path}", base | body, content_type="application/json")
    assert r.status_code in (400, 404, 422), r.content
    assert field in r.content.decode()


# keep the helpers used
_ = (route, Household)


# --- H: a rebuild of the counters loses no concurrent move ---------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_waits_for_a_writer_and_loses_none_of_its_moves(cast):
    import threading
    import time

    from django.db import connection, transaction

    from qianshao.resources import tally

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    shelter(cast, cell=cast.village)  # the counters exist: the writer moves them
    written, commit = threading.Event(), threading.Event()
    failures = []

    def writer():
        try:
            with transaction.atomic():
                shelter(cast, cell=cast.village)
                written.set()
                commit.wait(10)
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            connection.close()

    def rebuilder():
        try:
            tally.rebuild()
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    a = threading.Thread(target=writer)
    a.start()
    assert written.wait(10)
    b = threading.Thread(target=rebuilder)
    b.start()
    time.sleep(1)  # the rebuild is under way (waiting for the writer)
    commit.set()
    a.join(20)
    b.join(20)
    assert failures == []
    assert tally.matches()
    assert tally.read(cast.county.path, "shelters")["shelters"][""] == 2


# --- I: the public page shows no personal mobile --------------------------------------------


def test_the_public_page_shows_the_duty_phone_not_the_managers_own_mobile(cast):
    from django.test import Client

    shelter(cast, cast.village, manager=cast.people["township"])  # no duty phone typed in
    shelter(
        cast,
        cast.village,
        name="乙场",
        manager=cast.people["village"],
        manager_phone="0776-7654321",
    )
    page = Client().get(f"/s/{cast.village.code}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "甲镇中学操场" in html and "0776-7654321" in html
    assert cast.people["township"].phone not in html
    assert cast.people["village"].phone not in html


# --- J: the overdue sweep does not mark a just-verified expert ------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_expert_verified_while_the_sweep_runs_is_not_marked_overdue(cast):
    import threading
    import time
    from datetime import datetime

    from django.db import connection, transaction
    from django.utils import timezone

    from qianshao.resources import sweep_forces, tally

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    e = af.create_expert(
        None,
        cell=cast.village,
        name="专家",
        field="地质",
        phone="13900000000",
        verified_on="2024-01-01",
    )
    verified, commit = threading.Event(), threading.Event()
    failures = []

    def verifier():
        try:
            with transaction.atomic():
                af.verify_expert(None, e)
                verified.set()
                commit.wait(10)
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            connection.close()

    def sweeper():
        try:
            today = timezone.localdate()
            sweep_forces.overdue_experts(today, datetime.now(UTC))
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    a = threading.Thread(target=verifier)
    a.start()
    assert verified.wait(10)
    b = threading.Thread(target=sweeper)
    b.start()
    time.sleep(1)
    commit.set()
    a.join(20)
    b.join(20)
    assert failures == []
    assert Expert.objects.get(pk=e.pk).overdue is False
    assert tally.matches()


# --- K: a route's new shelter must serve every household on it ------------------------------


def test_a_route_is_not_repointed_to_a_shelter_its_households_may_not_use(cast):
    u = cast.users["county"]
    first = shelter(cast, cast.county)
    r = route(cast, first, cell=cast.county)
    h = household(cast, cast.village, route=r)
    # a shelter in 乙镇's 三村: the route (from the county) reaches it, 一村's household not
    other = shelter(cast, cast.cell("450901101201"), name="三村场")
    assert ash._reaches(cast.county.path, other.cell_path)
    assert not ash._reaches(cast.village.path, other.cell_path)
    with pytest.raises(ash.ActionError) as refused:
        ash.edit_route(u, r, origin="上屯", shelter=other, line=LINE)
    assert refused.value.field == "shelter" and refused.value.status == 409
    assert Household.objects.get(pk=h.pk).shelter_id == first.pk
    assert Route.objects.get(pk=r.pk).shelter_id == first.pk


# --- an expiry is refused for goods that never expire, at every intake -----------------------


def test_an_expiry_for_an_item_that_never_expires_is_refused_on_receipt_and_requisition(
    cast,
    points,  # noqa: F811
    items,  # noqa: F811
):
    from datetime import timedelta

    from django.utils import timezone

    later = timezone.localdate() + timedelta(days=90)
    p = points["county"]
    with pytest.raises(asu.ActionError) as refused:
        asu.receive(None, p, item=items["tent"], quantity="2", expires=later)
    assert refused.value.field == "expires"
    with pytest.raises(asu.ActionError) as refused:
        asu.requisition(
            None, p, owner="某超市", value="100", lines=[(items["tent"], "2", None, later)]
        )
    assert refused.value.field == "expires"
    assert not Holding.objects.filter(point=p, item=items["tent"], quantity__gt=0).exists()
