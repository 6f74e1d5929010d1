import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from qianshao.resources import actions_shelters as actions
from qianshao.resources.models import Household, Route, Shelter
from qianshao.resources.tests.shelters_helpers import (
    BOWTIE,
    CROSSING,
    LINE,
    household,
    route,
    shelter,
)

pytestmark = pytest.mark.django_db


def form(**fields) -> dict:
    return {"client_uuid": str(uuid.uuid4())} | fields


def test_a_shelter_is_registered_from_its_form_and_a_bad_outline_is_shown_on_its_field(
    cast, client_for
):
    c = client_for(cast.users["township"])
    url = "/resources/shelters/new/?cell=450901100"
    assert c.get(url).status_code == 200
    fields = {"name": "甲镇中学", "category": "III", "area_m2": "801", "water": "on"}
    refused = c.post(url, form(**fields, outline=json.dumps(BOWTIE)))
    assert refused.status_code == 400
    assert refused.context["form"].errors["outline"] == ["线或边界自相交或无效"]
    assert not Shelter.objects.exists()
    made = c.post(url, form(**fields, lon="106.1", lat="24.1"))
    s = Shelter.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/resources/shelters/{s.pk}/"
    assert (s.capacity, s.water, s.power) == (1602, True, False)
    page = c.get("/resources/shelters/?cell=450901100").content.decode()
    assert "甲镇中学" in page and "1602" in page


def test_the_shelter_page_offers_its_steps_to_managers_only_and_takes_occupancy_in_use(
    cast, client_for
):
    s = shelter(cast)
    village = client_for(cast.users["village"])
    page = village.get(f"/resources/shelters/{s.pk}/")
    assert page.status_code == 200 and page.context["steps"] == []
    refused = village.post(f"/resources/shelters/{s.pk}/step/activate/", form())
    assert refused.status_code == 403
    c = Client()
    c.force_login(cast.users["township"])
    page = c.get(f"/resources/shelters/{s.pk}/").content.decode()
    assert 'data-step="activate"' in page and 'data-step="close"' in page
    assert "occupancy-form" not in page
    assert c.post(f"/resources/shelters/{s.pk}/step/activate/", form()).status_code == 302
    page = c.get(f"/resources/shelters/{s.pk}/").content.decode()
    assert "occupancy-form" in page and 'data-step="deactivate"' in page
    bad = c.post(f"/resources/shelters/{s.pk}/step/occupancy/", form(occupancy="-1"))
    assert bad.status_code == 400
    assert (
        c.post(f"/resources/shelters/{s.pk}/step/occupancy/", form(occupancy="80")).status_code
        == 302
    )
    s.refresh_from_db()
    assert (s.status, s.occupancy) == ("in_use", 80)
    assert c.post(f"/resources/shelters/{s.pk}/step/close/", form()).status_code == 409


def test_a_route_is_drawn_from_an_uploaded_geojson_file_and_a_crossing_line_is_refused(
    cast, client_for
):
    s = shelter(cast)
    c = client_for(cast.users["township"])
    url = "/resources/routes/new/?cell=450901100201"
    crossing = SimpleUploadedFile("r.geojson", json.dumps(CROSSING).encode())
    refused = c.post(url, form(origin="上屯", shelter=s.pk, line_file=crossing))
    assert refused.status_code == 400 and "line" in refused.context["form"].errors
    feature = {"type": "Feature", "geometry": LINE, "properties": {}}
    good = SimpleUploadedFile("r.geojson", json.dumps(feature).encode())
    made = c.post(url, form(origin="上屯", shelter=s.pk, line_file=good))
    r = Route.objects.get()
    assert made.status_code == 302 and r.line["type"] == "LineString"
    page = c.get(f"/resources/routes/{r.pk}/").content.decode()
    assert "<polyline" in page and "上屯" in page


def test_the_transfer_list_shows_households_with_their_cadre_and_takes_new_ones(cast, client_for):
    s = shelter(cast)
    r = route(cast, s)
    household(cast, route=r, cadre_name="黄干部", cadre_phone="13700000009", vulnerable="老人1")
    c = client_for(cast.users["township"])
    page = c.get("/resources/households/?cell=450901100201").content.decode()
    assert "韦大" in page and "黄干部" in page and "13700000009" in page and "甲镇中学操场" in page
    url = "/resources/households/new/?cell=450901100201"
    refused = c.post(url, form(head="陆二", members="2", vulnerable_n="3"))
    assert refused.status_code == 400
    assert "vulnerable_n" in refused.context["form"].errors
    made = c.post(url, form(head="陆二", members="3", vulnerable_n="0", route=str(r.pk)))
    assert made.status_code == 302
    assert Household.objects.get(head="陆二").shelter == s
    h = Household.objects.get(head="陆二")
    edit = f"/resources/households/{h.pk}/edit/"
    assert c.post(edit, form(head="陆二", members="6", vulnerable_n="0")).status_code == 302
    assert (
        c.get("/resources/households/?cell=450901100201").context["figures"]["listed_people"] == 10
    )


def test_the_evacuation_map_prints_routes_shelters_contacts_and_a_qr_to_the_public_page(
    cast, client_for
):
    s = shelter(cast, lon=106.1, lat=24.1, manager_name="黄管", manager_phone="0776-1234567")
    route(cast, s)
    household(cast, cadre_name="黄干部", cadre_phone="13700000009")
    c = client_for(cast.users["township"])
    page = c.get("/resources/evacuation/450901100201/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "安全转移避险路线图" in html and "<polyline" in html and "甲镇中学操场" in html
    assert "0776-1234567" in html and "黄干部" in html and "13700000009" in html
    assert page.context["link"].endswith("/s/450901100201/") and "<svg" in page.context["qr"]


def test_the_public_page_shows_open_shelters_and_the_duty_contact_but_no_one_elses_phone(
    cast,
):
    s = shelter(cast, lon=106.1, lat=24.1, manager_name="黄管", manager_phone="0776-1234567")
    closed = shelter(cast, cast.village, name="一村祠堂")
    actions.step_shelter(cast.users["county"], closed, "close")
    route(cast, s)
    household(cast, phone="13900000001", cadre_name="黄干部", cadre_phone="13700000009")
    page = Client().get("/s/450901100201/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "甲镇中学操场" in html and "0776-1234567" in html and "上屯" in html
    assert "一村祠堂" not in html  # closed
    for private in ["13900000001", "13700000009", "韦大", "黄干部", cast.people["township"].phone]:
        assert private not in html
    assert Client().get("/s/999999/").status_code == 404


def test_the_coverage_page_marks_the_children_that_fall_short(cast, client_for):
    jia, yi = cast.township, cast.cells["450901101"]
    jia.population, yi.population = 5000, None
    jia.save(update_fields=["population"])
    yi.save(update_fields=["population"])
    shelter(cast, area="2000")
    c = client_for(cast.users["county"])
    page = c.get("/resources/shelters/coverage/?cell=450901")
    html = page.content.decode()
    assert page.context["short"] == 1 and page.context["unknown"] == 1
    assert 'data-code="450901100" data-verdict="short"' in html
    assert 'data-code="450901101" data-verdict="unknown"' in html


def test_a_route_is_edited_and_deleted_and_a_household_taken_off_the_list(cast, client_for):
    a = shelter(cast)
    b = shelter(cast, cast.village, name="一村祠堂")
    r = route(cast, a)
    h = household(cast, route=r)
    c = client_for(cast.users["township"])
    assert c.get(f"/resources/routes/{r.pk}/edit/").status_code == 200
    edited = c.post(
        f"/resources/routes/{r.pk}/edit/",
        form(origin="下屯", shelter=str(b.pk), line=json.dumps(LINE)),
    )
    assert edited.status_code == 302
    h.refresh_from_db()
    assert h.shelter == b and Route.objects.get().origin == "下屯"
    kept = c.post(f"/resources/routes/{r.pk}/delete/")
    assert kept.status_code == 409 and Route.objects.exists()  # a household still follows it
    assert c.post(f"/resources/households/{h.pk}/delete/").status_code == 302
    assert not Household.objects.exists()
    assert c.post(f"/resources/households/{h.pk}/delete/").status_code == 404
    assert c.post(f"/resources/routes/{r.pk}/delete/").status_code == 302
    assert not Route.objects.exists()
    village = client_for(cast.users["village"])
    assert village.post(f"/resources/routes/{route(cast, a).pk}/delete/").status_code == 403
    assert Route.objects.count() == 1  # refused with the reason, nothing removed
    other = household(cast)
    assert village.post(f"/resources/households/{other.pk}/delete/").status_code == 403
