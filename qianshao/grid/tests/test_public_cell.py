"""The 明白卡's QR code opens a public page of the cell (issue 12, defect 12): no login, the
people and phones the printed card lists, its risks, and a button to the public report form
with the cell chosen — nothing else of the platform."""

import re

import pytest
from django.test import Client, override_settings

from qianshao.grid import views
from qianshao.grid.models import Duty, Role
from qianshao.testing import appoint

pytestmark = pytest.mark.django_db


def card_people(html: str) -> list[tuple[str, str]]:
    """(name, phone) of each row of a card or public page's people table."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    found = []
    for row in rows:
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        found.append((cells[1], cells[2]))
    return found


def test_anyone_sees_the_cells_people_and_phones_the_card_prints(cast, client_for):
    head = appoint(cast.village, Role.HEAD, name="黄村长", duties=[Duty.FOREST_RANGER])
    card = client_for(cast.users["township"]).get(f"/grid/{cast.village.code}/card/")
    printed = card_people(card.content.decode())
    assert ("黄村长", head.phone) in printed and len(printed) == 2

    response = Client().get(f"/c/{cast.village.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert card_people(html) == printed
    assert f'href="tel:{head.phone}"' in html
    assert "护林员" in html
    assert "A县" in html and "甲镇" in html and "一村" in html
    for risk in ["山洪", "地质灾害"]:
        assert risk in html
    report = re.search(r'href="([^"]+)"[^>]*data-testid="public-report"', html).group(1)
    assert report == f"/report/?cell={cast.village.code}"


def test_the_public_page_shows_nothing_else_of_the_platform(cast):
    html = Client().get(f"/c/{cast.village.code}/").content.decode()
    links = set(re.findall(r'href="([^"]+)"', html))
    internal = {h for h in links if h.startswith("/") and not h.startswith("/static/")}
    assert internal == {f"/report/?cell={cast.village.code}"}
    for hidden in ["/login/", "/grid/", "/people/", "隐患总数", "二村", "outsider"]:
        assert hidden not in html


def test_an_unknown_code_is_a_plain_404_and_posting_is_refused(cast):
    client = Client()
    for code in ["999999", "nope", "450901100201X"]:
        response = client.get(f"/c/{code}/")
        assert response.status_code == 404, code
        assert "login" not in response.get("Location", "")
    assert client.post(f"/c/{cast.village.code}/").status_code == 405


@override_settings(BASE_URL="https://qs.example.org")
def test_the_cards_qr_code_encodes_the_public_page(cast, client_for, monkeypatch):
    encoded = []
    monkeypatch.setattr(views, "qr_svg", lambda link: encoded.append(link) or "<svg></svg>")
    html = client_for(cast.users["village"]).get(f"/grid/{cast.village.code}/card/")
    html = html.content.decode()
    public = f"https://qs.example.org/c/{cast.village.code}/"
    assert encoded == [public]
    footer = html.split('data-testid="card-footer"', 1)[1].split("</p>", 1)[0]
    assert "扫码查看本网格责任人并可举报隐患" in footer and public in footer


def test_without_a_base_url_the_qr_code_uses_the_requests_host(cast, client_for, monkeypatch):
    encoded = []
    monkeypatch.setattr(views, "qr_svg", lambda link: encoded.append(link) or "")
    client_for(cast.users["township"]).get(f"/grid/{cast.village.code}/card/")
    assert encoded == [f"http://testserver/c/{cast.village.code}/"]


def test_an_address_reads_a_limited_number_of_cell_pages_an_hour(cast, monkeypatch):
    from django.core.cache import cache

    from qianshao.grid import views_public

    cache.clear()
    monkeypatch.setattr(views_public, "PAGES_PER_HOUR", 3)
    passer_by = Client(REMOTE_ADDR="203.0.113.7")
    codes = ["450901100201", "450901100202", "450901101201"]
    assert [passer_by.get(f"/c/{code}/").status_code for code in codes] == [200, 200, 200]
    refused = passer_by.get("/c/450901100201/")
    assert refused.status_code == 429 and "访问过于频繁" in refused.content.decode()
    assert Client(REMOTE_ADDR="203.0.113.8").get("/c/450901100201/").status_code == 200
