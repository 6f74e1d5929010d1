"""重新上报 amends what the first report had: title, category, grade, place (a cell of the
reporter's scope or a point), address and added photos — on the page and through the API,
audited before and after, moved in the tallies; a bad field or a place outside the
reporter's scope changes nothing."""

import base64
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from qianshao.audit.models import AuditRecord
from qianshao.grid.models import Cell, Domain
from qianshao.hazards import actions, tally
from qianshao.hazards.models import Hazard, Photo, Stage, Status
from qianshao.hazards.tests.access_rules_pages import hazard_at
from qianshao.hazards.tests.conftest import jpeg
from qianshao.lib.errors import ActionError, NotAllowed

pytestmark = pytest.mark.django_db

ERCUN = "450901100202"  # 二村 of 甲镇, beside 一村 (both in the county reporter's scope)


def returned(cast) -> Hazard:
    """A hazard of 二村 reported by ``county`` and returned by the township."""
    return hazard_at(cast, "returned", cell=cast.cells[ERCUN])


def api_client(user) -> Client:
    client = Client()
    client.force_login(user, backend="qianshao.accounts.backends.UsernameOrPhoneBackend")
    return client


def state(hazard):
    h = Hazard.objects.get(pk=hazard.pk)
    return (
        h.status,
        h.title,
        h.description,
        h.category_id,
        h.grade,
        h.cell_id,
        h.cell_path,
        h.lon,
        h.lat,
        h.address,
        h.owner_id,
        Photo.objects.filter(hazard=h).count(),
        AuditRecord.objects.for_object(h).count(),
        tally.counts([h.cell_path]),
    )


def counts_match_a_rebuild():
    paths = list(Cell.objects.values_list("path", flat=True))
    before = tally.counts(paths)
    tally.rebuild()
    return tally.counts(paths) == before


def last_record(hazard):
    return AuditRecord.objects.for_object(hazard).order_by("seq").last()


def test_the_page_form_is_filled_with_what_the_report_has(cast, client_for):
    hazard = returned(cast)
    page = client_for(cast.users["county"]).get(f"/hazards/{hazard.number}/").content.decode()
    form = page[page.index('id="step-resubmit"') :].split("</form>")[0]
    assert 'name="title" value="消防通道堵塞"' in form
    assert "通道堆放杂物</textarea>" in form
    assert '<option value="industry_trade" selected>' in form
    assert '<option value="general" selected>' in form
    assert f'<option value="{ERCUN}" selected>' in form
    assert 'type="file" name="photos"' in form
    assert 'name="lon"' in form and "data-locate" in form


def test_the_page_resubmits_with_a_new_photo_a_new_cell_and_every_field(cast, client_for):
    hazard = returned(cast)
    photos_before = Photo.objects.filter(hazard=hazard, stage=Stage.BEFORE).count()
    fire = Domain.objects.get(code="fire")
    data = {
        "client_uuid": uuid.uuid4(),
        "title": "一村仓库消防通道堵塞",
        "description": "仓库后门通道被纸箱堵塞约 5 米",
        "category": fire.code,
        "grade": "major",
        "cell": cast.village.code,
        "address": "一村仓库后门",
        "photos": [SimpleUploadedFile("site.jpg", jpeg(), content_type="image/jpeg")],
        "note": "已补充现场照片和具体位置",
    }
    client = client_for(cast.users["county"])
    response = client.post(f"/hazards/{hazard.number}/resubmit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    h = Hazard.objects.get(pk=hazard.pk)
    assert h.status == Status.SUBMITTED
    assert (h.title, h.description, h.category, h.grade) == (
        "一村仓库消防通道堵塞",
        "仓库后门通道被纸箱堵塞约 5 米",
        fire,
        "major",
    )
    assert (h.cell, h.cell_path, h.address) == (cast.village, cast.village.path, "一村仓库后门")
    assert Photo.objects.filter(hazard=h, stage=Stage.BEFORE).count() == photos_before + 1
    record = last_record(h)
    assert record.action == "hazards.resubmit"
    assert record.before["cell"] == cast.cells[ERCUN].pk and record.after["cell"] == cast.village.pk
    assert record.before["title"] == "消防通道堵塞" and record.after["title"] == h.title
    assert record.before["grade"] == "general" and record.after["grade"] == "major"
    assert record.after["category"] == fire.pk and record.after["address"] == "一村仓库后门"
    assert record.after["photos"] == 1
    assert counts_match_a_rebuild()  # counted under 一村 now, no longer under 二村
    # the hazard is now the township's to triage in 一村: it is listed there
    listing = client.get(f"/hazards/?cell={cast.village.code}").content.decode()
    assert h.number in listing


def test_a_blank_field_leaves_what_the_report_had(cast, client_for):
    hazard = returned(cast)
    before = Hazard.objects.get(pk=hazard.pk)
    data = {"client_uuid": uuid.uuid4(), "title": "", "cell": "", "note": "无变化"}
    client = client_for(cast.users["county"])
    assert client.post(f"/hazards/{hazard.number}/resubmit/", data).status_code == 302
    h = Hazard.objects.get(pk=hazard.pk)
    assert h.status == Status.SUBMITTED
    assert (h.title, h.description, h.cell_id, h.category_id, h.grade) == (
        before.title,
        before.description,
        before.cell_id,
        before.category_id,
        before.grade,
    )
    assert "photos" not in last_record(h).after


def test_the_api_resubmits_with_a_new_photo_and_a_new_cell(cast):
    hazard = returned(cast)
    body = {
        "title": "一村仓库消防通道堵塞",
        "grade": "major",
        "category": "fire",
        "cell": cast.village.code.lower(),
        "address": "一村仓库后门",
        "photos": [{"name": "p.jpg", "data": base64.b64encode(jpeg()).decode()}],
        "note": "已补充",
    }
    client = api_client(cast.users["county"])
    response = client.post(
        f"/api/v1/hazards/{hazard.number}/resubmit", body, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    out = response.json()
    assert out["status"] == "submitted" and out["title"] == "一村仓库消防通道堵塞"
    assert out["grade"] == "major" and out["cell"] == cast.village.code
    h = Hazard.objects.get(pk=hazard.pk)
    assert h.category.code == "fire" and h.address == "一村仓库后门"
    assert Photo.objects.filter(hazard=h, stage=Stage.BEFORE).count() == 2
    assert last_record(h).after["photos"] == 1
    assert counts_match_a_rebuild()


def test_the_api_resubmits_with_a_point_placing_it_in_the_cell_holding_it(cast):
    hazard = returned(cast)
    client = api_client(cast.users["county"])
    body = {"lon": 106.1, "lat": 24.1}  # in 一村
    response = client.post(
        f"/api/v1/hazards/{hazard.number}/resubmit", body, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    h = Hazard.objects.get(pk=hazard.pk)
    assert (h.cell, h.lon, h.lat) == (cast.village, 106.1, 24.1)


def test_the_api_refuses_a_cell_outside_the_reporters_scope_naming_it(cast):
    hazard = returned(cast)
    before = state(hazard)
    client = api_client(cast.users["county"])
    body = {"cell": cast.other_village.code, "title": "改到外县"}
    response = client.post(
        f"/api/v1/hazards/{hazard.number}/resubmit", body, content_type="application/json"
    )
    # as for a report: a code naming no cell the reporter sees is a 404 naming the field
    assert response.status_code == 404, response.content
    assert response.json()["field"] == "cell"
    assert state(hazard) == before


def test_the_action_refuses_a_cell_outside_the_reporters_scope_with_403(cast):
    hazard = returned(cast)
    before = state(hazard)
    with pytest.raises(NotAllowed) as refused:
        actions.resubmit(cast.users["county"], hazard, cell=cast.other_village, title="改到外县")
    assert refused.value.status == 403 and refused.value.field == "cell"
    assert "不在您的辖区内" in refused.value.message
    assert state(hazard) == before


def test_a_point_outside_the_reporters_scope_is_refused(cast):
    hazard = returned(cast)
    before = state(hazard)
    client = api_client(cast.users["county"])
    body = {"lon": 107.1, "lat": 24.1, "title": "改到外县"}  # in B县
    response = client.post(
        f"/api/v1/hazards/{hazard.number}/resubmit", body, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["field"] == "lon"
    assert state(hazard) == before


def test_the_page_refuses_a_cell_outside_the_reporters_scope_next_to_it(cast, client_for):
    hazard = returned(cast)
    before = state(hazard)
    data = {"client_uuid": uuid.uuid4(), "cell": cast.other_village.code, "title": "改到外县"}
    response = client_for(cast.users["county"]).post(f"/hazards/{hazard.number}/resubmit/", data)
    assert response.status_code == 400
    html = response.content.decode()
    form = html[html.index('id="step-resubmit"') :].split("</form>")[0]
    field = form[form.index('data-field="cell"') :].split("</div>")[0]
    assert "该网格不在您的辖区内" in field
    assert state(hazard) == before


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"category": "nonesuch"}, "category", 400),
        ({"grade": "huge"}, "grade", 422),
        ({"title": "<b></b>"}, "title", 400),
        ({"lon": 106.1}, "lat", 400),
        ({"cell": "450901100201", "lon": 106.3, "lat": 24.1}, "lon", 400),  # not in 一村
        (
            {"photos": [{"name": "x.jpg", "data": base64.b64encode(b"not a photo").decode()}]},
            "photos",
            400,
        ),
        ({"note": "x" * 4001}, "note", 422),
    ],
)
def test_a_bad_field_is_refused_naming_it_and_nothing_is_half_written(cast, body, field, status):
    hazard = returned(cast)
    before = state(hazard)
    body = {"title": "新标题", "grade": "major", "cell": cast.village.code} | body
    client = api_client(cast.users["county"])
    response = client.post(
        f"/api/v1/hazards/{hazard.number}/resubmit", body, content_type="application/json"
    )
    assert response.status_code == status, response.content
    assert field in str(response.json()), response.json()
    assert state(hazard) == before


def test_a_bad_field_on_the_page_writes_nothing(cast, client_for):
    hazard = returned(cast)
    before = state(hazard)
    data = {
        "client_uuid": uuid.uuid4(),
        "title": "新标题",
        "cell": cast.village.code,
        "photos": [SimpleUploadedFile("site.jpg", jpeg(), content_type="image/jpeg")],
        "description": "<i></i>",
    }
    response = client_for(cast.users["county"]).post(f"/hazards/{hazard.number}/resubmit/", data)
    assert response.status_code == 400
    assert state(hazard) == before


def test_only_the_reporter_resubmits_whatever_the_fields(cast):
    hazard = returned(cast)
    before = state(hazard)
    with pytest.raises(ActionError) as refused:
        actions.resubmit(cast.users["township"], hazard, title="别人改", cell=cast.village)
    assert refused.value.status == 403
    assert state(hazard) == before
