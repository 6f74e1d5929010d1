# ruff: noqa: F811 - the fixtures are imported from supplies_fixtures
"""The supplies pages: a cell's points (scoped, paged), a point's stock with its bands and
stock card, its forms (a refusal shown on the field, the form kept), the transfers with
their 接收/撤回 buttons for whom they belong to, and the shortage list."""

import uuid

import pytest

from qianshao.resources import actions_supplies as actions
from qianshao.resources.models import Batch, Holding, Transfer, TransferStatus
from qianshao.resources.tests.supplies_fixtures import days, items, points  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/resources/supplies"


def form(**fields) -> dict:
    return {"client_uuid": str(uuid.uuid4())} | fields


def test_the_points_list_shows_the_cells_subtree_only(cast, points, client_for):
    html = client_for(cast.users["township"]).get(f"{URL}/").content.decode()
    assert "甲镇储备点" in html and "一村储备点" in html
    assert "A县物资库" not in html and "B县物资库" not in html
    html = client_for(cast.users["county"]).get(f"{URL}/?cell=450901").content.decode()
    assert "A县物资库" in html and "B县物资库" not in html
    assert client_for(cast.users["township"]).get(f"{URL}/?cell=450901").status_code == 404


def test_a_points_page_shows_stock_bands_and_its_card(cast, points, items, client_for):
    p, rice = points["county"], items["rice"]
    actions.receive(None, p, item=rice, quantity=10, expires=days(20), lot="NEAR")
    actions.receive(None, p, item=rice, quantity=5, expires=days(400), lot="FAR")
    actions.issue(None, p, item=rice, quantity=3, purpose="救灾发放")
    page = client_for(cast.users["county"]).get(f"{URL}/points/{p.pk}/?item=1999901")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-band="near30"' in html and 'data-band="ok"' in html
    assert "救灾发放" in html and 'data-testid="card"' in html
    assert 'id="form-receive"' in html  # the county manages its point
    village = client_for(cast.users["village"]).get(f"{URL}/points/{points['village'].pk}/")
    assert village.status_code == 200 and 'id="form-receive"' not in village.content.decode()


def test_a_receipt_posted_from_the_page_moves_the_stock(cast, points, items, client_for):
    p = points["township"]
    client = client_for(cast.users["township"])
    answer = client.post(
        f"{URL}/points/{p.pk}/receive/",
        form(item="1999901", quantity="12.5", unit="kg", source="donation", expires=str(days(300))),
    )
    assert answer.status_code == 302
    assert Holding.objects.get(point=p).quantity == 12.5


def test_a_refused_issue_is_shown_on_its_field_with_the_form_kept(cast, points, items, client_for):
    p, rice = points["township"], items["rice"]
    actions.receive(None, p, item=rice, quantity=4, expires=days(300), lot="B7")
    batch = Batch.objects.get()
    client = client_for(cast.users["township"])
    answer = client.post(
        f"{URL}/points/{p.pk}/issue/",
        form(item="1999901", quantity="5", purpose="发放", batch=str(batch.pk)),
    )
    html = answer.content.decode()
    assert answer.status_code == 409
    assert "B7" in html and "仅余 4" in html
    assert 'id="issue-id_quantity" value="5"' in html or 'value="5"' in html
    answer = client.post(
        f"{URL}/points/{p.pk}/issue/", form(item="1999901", quantity="1", unit="箱", purpose="x")
    )
    assert answer.status_code == 400
    assert "计量单位须为 kg" in answer.content.decode()
    assert Holding.objects.get(point=p).quantity == 4


def test_someone_who_sees_but_may_not_move_gets_403(cast, points, items, client_for):
    p = points["village"]
    answer = client_for(cast.users["village"]).post(
        f"{URL}/points/{p.pk}/receive/", form(item="1999901", quantity="1", source="purchase")
    )
    assert answer.status_code == 403
    assert not Batch.objects.exists()


def test_the_transfers_list_offers_receipt_to_the_destination_only(cast, points, items, client_for):
    county, township, rice = points["county"], points["township"], items["rice"]
    actions.receive(None, county, item=rice, quantity=10, expires=days(300))
    t = actions.dispatch(None, county, township, lines=[(rice, 4, None, None)])
    county_html = client_for(cast.users["county"]).get(f"{URL}/transfers/").content.decode()
    assert f'data-testid="recall-{t.pk}"' in county_html
    assert f'data-testid="receive-{t.pk}"' in county_html  # the county manages 甲镇 too
    receiver = client_for(cast.users["township"])
    html = receiver.get(f"{URL}/transfers/").content.decode()
    assert f'data-testid="receive-{t.pk}"' in html and f'data-testid="recall-{t.pk}"' not in html
    assert receiver.post(f"{URL}/transfers/{t.pk}/receive/", form()).status_code == 302
    t.refresh_from_db()
    assert t.status == TransferStatus.RECEIVED
    again = receiver.post(f"{URL}/transfers/{t.pk}/receive/", form())
    assert again.status_code == 409
    assert Transfer.objects.get().status == TransferStatus.RECEIVED
    assert Holding.objects.get(point=township).quantity == 4


def test_the_shortage_list(cast, points, items, client_for):
    actions.set_minimum(None, points["village"], item=items["tent"], quantity=5)
    html = client_for(cast.users["township"]).get(f"{URL}/shortages/").content.decode()
    assert "一村储备点" in html and "帐篷" in html
    html = client_for(cast.users["outsider"]).get(f"{URL}/shortages/").content.decode()
    assert "一村储备点" not in html


def test_a_manager_adds_a_point_at_a_cell_they_manage(cast, client_for):
    from qianshao.resources.models import Point

    client = client_for(cast.users["township"])
    page = client.get(f"{URL}/points/new/").content.decode()
    assert "450901100201" in page and "450901101" not in page  # 甲镇 and below only
    answer = client.post(
        f"{URL}/points/new/", form(cell="450901100201", name="一村储备点", address="村委会")
    )
    assert answer.status_code == 302
    point = Point.objects.get()
    assert (point.cell.code, point.kind) == ("450901100201", "village")
    refused = client.post(f"{URL}/points/new/", form(cell="450901", name="县库"))
    assert refused.status_code == 400 and Point.objects.count() == 1
    assert "cell" in refused.context["form"].errors
