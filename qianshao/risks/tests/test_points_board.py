"""三清单 (page and .xlsx), the printable notice board (风险告知牌) and the public pages: the
county's published red risks and a published point's page — no person's phone, nothing
unpublished."""

import io
import re
import uuid

import pytest
from django.test import Client
from openpyxl import load_workbook

from qianshao.lib import ratelimit
from qianshao.risks import actions_points, views_points
from qianshao.risks.models import RiskKind
from qianshao.risks.tests.helpers import risk_point

pytestmark = pytest.mark.django_db

RED = {"likelihood": 5, "severity": 5}
MEASURES = [
    {"list": "control", "what": "雨季每日巡查坡体", "who": "村组长", "how_often": "每天"},
    {"list": "emergency", "what": "发现裂缝立即撤离", "call": "13712345678", "where": "村小学"},
]


def red_point(cast, **fields):
    fields.setdefault("responsible", cast.people["village"])
    fields.setdefault("name", "后山滑坡")
    return risk_point(
        cast,
        kind="landslide",
        inputs=RED,
        address="一村后山",
        responsible_unit="一村村委会",
        hazards_text="强降雨诱发滑坡",
        measures=MEASURES,
        **fields,
    )


def outside_point(cast, **fields):
    """A red point of B县's village, registered (and published) by B县's dispatcher."""
    return actions_points.create_point(
        cast.users["outsider"],
        cell=cast.other_village,
        kind=RiskKind.objects.get(code="landslide"),
        geometry={"type": "Point", "coordinates": [107.1, 24.1]},
        inputs=RED,
        name="外县点",
        published=True,
        **fields,
    )


def test_the_three_lists_of_a_cell_on_a_page_and_in_a_workbook(cast, client_for):
    red_point(cast)
    risk_point(cast, cell=cast.township, name="镇加油站", control_measures="双人巡检")
    outside_point(cast)
    c = client_for(cast.users["township"])
    page = c.get("/risks/lists/?cell=450901100")
    assert page.status_code == 200
    lists = page.context["lists"]
    assert [p.name for p in lists.points] == ["镇加油站", "后山滑坡"]
    assert [r["what"] for r in lists.controls] == ["双人巡检", "雨季每日巡查坡体"]
    assert [(r["what"], r["where"]) for r in lists.emergencies] == [("发现裂缝立即撤离", "村小学")]
    assert "R = 可能性 × 严重性 = 5 × 5 = 25" in page.content.decode()
    response = c.get("/risks/lists.xlsx?cell=450901100")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["风险清单", "管控措施清单", "应急处置清单"]
    values = {
        name: [v for row in book[name].iter_rows(values_only=True) for v in row if v]
        for name in book.sheetnames
    }
    assert "后山滑坡" in values["风险清单"] and "重大风险（红）" in values["风险清单"]
    assert "双人巡检" in values["管控措施清单"] and "村组长" in values["管控措施清单"]
    assert "村小学" in values["应急处置清单"]
    assert c.get("/risks/lists/?cell=450902").status_code == 404
    assert c.get("/risks/lists.xlsx?cell=450902").status_code == 404


def test_the_notice_board_prints_colour_hazards_measures_phones_and_a_qr(cast, client_for):
    p = red_point(cast)
    county = cast.county
    county.duty_phone = "0778-1234567"
    county.save(update_fields=["duty_phone"])
    c = client_for(cast.users["village"])
    page = c.get(f"/risks/points/{p.pk}/board/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'class="band" data-grade="red"' in html
    assert "强降雨诱发滑坡" in html and "雨季每日巡查坡体" in html and "发现裂缝立即撤离" in html
    assert cast.people["village"].phone in html
    for number in ("12350", "119", "110", "120", "0778-1234567"):
        assert number in html
    assert "<svg" in page.context["qr"]
    assert page.context["link"].endswith(f"/public/risks/p/{p.public_key}/")
    assert 'data-testid="unpublished"' in html
    outsider = Client()
    outsider.force_login(cast.users["outsider"])
    assert outsider.get(f"/risks/points/{p.pk}/board/").status_code == 404


def test_the_public_pages_show_published_red_points_without_any_phone(cast):
    township = cast.users["township"]
    p = red_point(cast)
    hidden = red_point(cast, name="未公告点")
    other = outside_point(cast)
    anyone = Client()
    url = f"/public/risks/p/{p.public_key}/"
    # not published yet: the board's QR leads the patroller to the check-in, and shows the
    # public nothing of the point
    qr = anyone.get(url)
    assert qr.status_code == 200 and "后山滑坡" not in qr.content.decode()
    assert qr.context["checkin"] == f"/risks/points/{p.pk}/checkin/?qr={p.public_key}"
    assert "point" not in qr.context
    assert anyone.get("/public/risks/450901/").context["points"] == []
    actions_points.edit_point(township, p, published=True)
    page = anyone.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "后山滑坡" in html and "一村后山" in html and "一村村委会" in html
    assert "雨季每日巡查坡体" in html and "村小学" in html
    county = anyone.get("/public/risks/450901/")
    listed = county.content.decode()
    assert [x.pk for x in county.context["points"]] == [p.pk]
    assert "未公告点" not in listed and str(hidden.public_key) not in listed
    for text in (html, listed):
        phones = set(re.findall(r"1[3-9]\d{9}", text))
        assert phones == set(), phones  # neither the responsible's mobile nor a measure's call
        assert cast.people["village"].name not in text
    assert anyone.get("/public/risks/450901100/").status_code == 404  # not a county
    listing = Client()
    listing.force_login(township)
    assert 'data-testid="public-link"' not in listing.get("/risks/points/").content.decode()
    county_user = Client()
    county_user.force_login(cast.users["county"])
    assert "/public/risks/450901/" in county_user.get("/risks/points/").content.decode()
    assert [x.pk for x in anyone.get("/public/risks/450902/").context["points"]] == [other.pk]
    actions_points.regrade(township, p, inputs={"likelihood": 2, "severity": 2})
    withdrawn = anyone.get(url)  # no longer red: withdrawn from the public
    assert withdrawn.status_code == 200 and "后山滑坡" not in withdrawn.content.decode()
    actions_points.retire(township, p, note="已治理")
    assert anyone.get(url).status_code == 404  # retired: no patrols, no page
    assert anyone.get(f"/public/risks/p/{uuid.uuid4()}/").status_code == 404


def test_the_public_pages_are_rate_limited(cast, monkeypatch):
    monkeypatch.setattr(views_points, "PUBLIC_PAGES_PER_HOUR", 2)
    anyone = Client(REMOTE_ADDR="203.0.113.9")
    assert anyone.get("/public/risks/450901/").status_code == 200
    assert anyone.get("/public/risks/450901/").status_code == 200
    assert anyone.get("/public/risks/450901/").status_code == 429
    assert ratelimit.spent("public-risks", "203.0.113.9", 2)
