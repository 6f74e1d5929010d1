"""The risk points' pages: the list (filters, keyset pages, colour chips), a point's page
(grade explained, history, measures, last patrols, the buttons its viewer may press), the
forms (bad input shown on its field, nothing written), regrading, measures, steps."""

import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from qianshao.risks import tally, views_points
from qianshao.risks.models import GradeRecord, Measure, Patrol, RiskPoint
from qianshao.risks.tests.helpers import VILLAGE_AREA, risk_point

pytestmark = pytest.mark.django_db


def form(**fields) -> dict:
    return {"client_uuid": str(uuid.uuid4())} | fields


NEW = {
    "name": "一村加油站",
    "kind": "hazchem",
    "lon": "106.1",
    "lat": "24.1",
    "inputs.L": "6",
    "inputs.E": "3",
    "inputs.C": "15",
    "hazards_text": "火灾爆炸",
}


def test_a_point_is_registered_from_its_form_and_bad_input_is_shown_on_its_field(cast, client_for):
    c = client_for(cast.users["township"])
    url = "/risks/points/new/?cell=450901100201"
    page = c.get(url)
    assert page.status_code == 200
    assert '<option value="0.5">0.5：很不可能，可以设想</option>' in page.content.decode()
    refused = c.post(url, form(**NEW | {"inputs.L": "7"}))
    assert refused.status_code == 400
    assert "inputs.L" in refused.context["form"].errors
    refused = c.post(url, form(**NEW | {"lon": "107.5"}))
    assert refused.status_code == 400
    assert refused.context["form"].errors["geometry"] == ["位置不在所属县（区）范围内"]
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[106.05, 24.05], [106.15, 24.15], [106.15, 24.05], [106.05, 24.15],
                         [106.05, 24.05]]],
    }  # fmt: skip
    refused = c.post(url, form(**NEW | {"geometry": json.dumps(bowtie)}))
    assert refused.status_code == 400 and "geometry" in refused.context["form"].errors
    refused = c.post(url, form(**NEW | {"grade": "red"}))
    assert refused.context["form"].errors["override_reason"] == ["人工调整风险等级须说明理由"]
    assert not RiskPoint.objects.exists()
    made = c.post(url, form(**NEW | {"responsible": cast.people["village"].pk}))
    p = RiskPoint.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/risks/points/{p.pk}/"
    assert (p.grade, p.responsible, p.geometry["type"]) == (
        "orange",
        cast.people["village"],
        "Point",
    )
    area = c.post(
        url,
        form(**NEW | {"name": "滑坡区", "kind": "landslide", "lon": "", "lat": ""})
        | {"geometry": json.dumps(VILLAGE_AREA), "inputs.likelihood": "4", "inputs.severity": "5"},
    )
    assert area.status_code == 302
    assert RiskPoint.objects.get(name="滑坡区").grade == "red"
    assert tally.matches()


def test_the_list_filters_by_grade_and_kind_and_pages_along_the_path(cast, client_for, monkeypatch):
    monkeypatch.setattr(views_points, "PAGE_SIZE", 2)
    orange = [risk_point(cast, name=f"橙{i}") for i in range(3)]
    red = risk_point(cast, kind="landslide", name="红点", inputs={"likelihood": 5, "severity": 5})
    c = client_for(cast.users["village"])
    first = c.get("/risks/points/?cell=450901100201")
    assert [p.pk for p in first.context["page"]] == [orange[0].pk, orange[1].pk]
    assert first.context["page"].next_url
    second = c.get(f"/risks/points/{first.context['page'].next_url}")
    assert [p.pk for p in second.context["page"]] == [orange[2].pk, red.pk]
    assert second.context["page"].next_url is None
    back = c.get(f"/risks/points/{second.context['page'].previous_url}")
    assert [p.pk for p in back.context["page"]] == [orange[0].pk, orange[1].pk]
    reds = c.get("/risks/points/?cell=450901100201&grade=red")
    assert [p.pk for p in reds.context["page"]] == [red.pk]
    assert 'data-grade="red"' in reds.content.decode()
    hazchem = c.get("/risks/points/?grade=orange&kind=hazchem")
    assert len(hazchem.context["page"]) == 2
    assert c.get("/risks/points/?grade=purple").status_code == 400
    assert c.get("/risks/points/?kind=nope").status_code == 400
    refused = c.get("/risks/points/?cursor=abc")
    assert refused.status_code == 400 and "cursor" in refused.content.decode()
    assert c.get("/risks/points/?cell=450902").status_code == 404


def test_the_point_page_explains_the_grade_and_offers_buttons_to_managers_only(cast, client_for):
    p = risk_point(cast, responsible=cast.people["village"])
    due = timezone.now() - timedelta(days=1)
    for i in range(12):
        Patrol.objects.create(
            point=p, cell_path=p.cell_path, due_at=due - timedelta(days=i), outcome="missed"
        )
    village = client_for(cast.users["village"])
    page = village.get(f"/risks/points/{p.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "D = L × E × C = 6 × 3 × 15 = 270" in html
    assert len(page.context["patrols"]) == 10
    assert page.context["steps"] == [] and 'data-testid="regrade"' not in html
    assert village.post(f"/risks/points/{p.pk}/step/retire/", form(note="x")).status_code == 403
    township = client_for(cast.users["township"])
    html = township.get(f"/risks/points/{p.pk}/").content.decode()
    assert 'data-step="retire"' in html and 'data-step="publish"' not in html
    assert 'data-testid="regrade"' in html


def test_regrading_from_its_page_keeps_history_and_a_red_point_is_published(cast, client_for):
    p = risk_point(cast)
    c = client_for(cast.users["township"])
    url = f"/risks/points/{p.pk}/regrade/"
    shown = c.get(url).context["form"]
    assert shown.initial == {"inputs.L": "6", "inputs.E": "3", "inputs.C": "15"}
    assert "inputs.L" in shown.fields and "inputs.likelihood" not in shown.fields
    refused = c.post(url, form(**{"inputs.L": "10", "inputs.E": "6"}))
    assert refused.status_code == 400 and "inputs.C" in refused.context["form"].errors
    done = c.post(url, form(**{"inputs.L": "10", "inputs.E": "6", "inputs.C": "15"}))
    assert done.status_code == 302
    page = c.get(f"/risks/points/{p.pk}/")
    assert [g.grade for g in page.context["grades"]] == ["red", "orange"]
    assert 'data-step="publish"' in page.content.decode()
    assert c.post(f"/risks/points/{p.pk}/step/publish/", form()).status_code == 302
    p.refresh_from_db()
    assert p.published
    assert c.post(f"/risks/points/{p.pk}/step/unpublish/", form()).status_code == 302
    p.refresh_from_db()
    assert not p.published
    assert c.post(f"/risks/points/{p.pk}/step/jump/", form()).status_code == 404
    assert GradeRecord.objects.filter(point=p).count() == 2


def test_publishing_an_orange_point_is_refused(cast, client_for):
    p = risk_point(cast)
    c = client_for(cast.users["township"])
    refused = c.post(f"/risks/points/{p.pk}/step/publish/", form())
    assert refused.status_code == 400
    p.refresh_from_db()
    assert not p.published


def test_measures_are_edited_as_lines_and_a_bad_line_is_named(cast, client_for):
    p = risk_point(cast)
    c = client_for(cast.users["township"])
    url = f"/risks/points/{p.pk}/measures/"
    done = c.post(
        url,
        form(
            control="每日巡检油罐 | 站长 | 每天\n检查消防器材", emergency="切断电源 | 119 | 村委会"
        ),
    )
    assert done.status_code == 302
    rows = list(
        Measure.objects.order_by("list", "order").values_list("list", "what", "who", "call")
    )
    assert rows == [
        ("control", "每日巡检油罐", "站长", ""),
        ("control", "检查消防器材", "", ""),
        ("emergency", "切断电源", "", "119"),
    ]
    assert (
        c.get(url).context["form"].initial["control"] == "每日巡检油罐 | 站长 | 每天\n检查消防器材"
    )
    refused = c.post(url, form(control="好\n" + "长" * 201))
    assert refused.status_code == 400
    assert refused.context["form"].errors["control"][0].startswith("第 2 项")
    assert Measure.objects.count() == 3
    page = c.get(f"/risks/points/{p.pk}/").content.decode()
    assert "每日巡检油罐" in page and "村委会" in page


def test_editing_keeps_the_grade_and_retiring_needs_a_note(cast, client_for):
    p = risk_point(cast, geometry=VILLAGE_AREA)
    c = client_for(cast.users["township"])
    url = f"/risks/points/{p.pk}/edit/"
    initial = c.get(url).context["form"].initial
    assert json.loads(initial["geometry"]) == VILLAGE_AREA and initial["kind"] == "hazchem"
    data = {k: v for k, v in initial.items() if v is not None}
    done = c.post(url, form(**data | {"name": "改名", "geometry": ""}))
    assert done.status_code == 302
    p.refresh_from_db()
    assert (p.name, p.grade, p.geometry) == ("改名", "orange", VILLAGE_AREA)
    refused = c.post(f"/risks/points/{p.pk}/step/retire/", form(note=""))
    assert refused.status_code == 400
    assert c.post(f"/risks/points/{p.pk}/step/retire/", form(note="已拆除")).status_code == 302
    p.refresh_from_db()
    assert p.status == "retired"
    assert c.get(f"/risks/points/{p.pk}/").context["steps"] == []
    assert (
        tally.read(cast.county.path, tally.POINTS).get(tally.POINTS, {}).get("orange:hazchem", 0)
        == 0
    )
