"""The supplies' flow in a browser: the township's manager receives stock at its point from
the point's page, is refused an issue beyond it (the error on the field, the form kept), then
receives a transfer from the county's store with the list's 接收 button."""

from importlib import import_module

import pytest
from django.apps import apps
from playwright.sync_api import expect

from qianshao.resources import actions_supplies as actions
from qianshao.resources import catalogue_supplies as catalogue
from qianshao.resources.models import Holding, Transfer, TransferStatus
from qianshao.resources.tests.supplies_fixtures import days
from qianshao.testing import PASSWORD, build_cast


@pytest.fixture
def world(transactional_db):
    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    import_module("qianshao.resources.migrations.0005_supplies").seed(apps, None)
    cast = build_cast()
    rice = catalogue.add_item(None, code="1999901", name="大米", unit="kg")
    store = actions.create_point(None, cell=cast.county, name="A县物资库")
    point = actions.create_point(None, cell=cast.township, name="甲镇储备点")
    actions.receive(None, store, item=rice, quantity=100, expires=days(300), lot="C1")
    return cast, rice, store, point


@pytest.mark.browser
def test_the_township_receives_is_refused_an_oversell_and_takes_a_transfer(world, page, log_in):
    cast, rice, store, point = world
    log_in(page, "township", PASSWORD)
    page.goto(f"/resources/supplies/points/{point.pk}/")
    form = page.locator("#form-receive")
    form.get_by_label("物资").select_option("1999901")
    form.get_by_label("数量").fill("20")
    form.get_by_label("有效期至").fill(str(days(60)))
    with page.expect_navigation():
        form.get_by_test_id("submit-receive").click()
    expect(page.get_by_test_id("batches")).to_contain_text("90天内到期")
    assert Holding.objects.get(point=point).quantity == 20

    form = page.locator("#form-issue")
    form.get_by_label("物资").select_option("1999901")
    form.get_by_label("数量").fill("25")
    form.get_by_label("用途").fill("救灾发放")
    with page.expect_navigation():
        form.get_by_test_id("submit-issue").click()
    expect(page.get_by_test_id("error")).to_contain_text("仅余 20")
    expect(page.locator("#form-issue").get_by_label("用途")).to_have_value("救灾发放")
    assert Holding.objects.get(point=point).quantity == 20

    t = actions.dispatch(cast.users["county"], store, point, lines=[(rice, 30, "kg", None)])
    page.goto("/resources/supplies/transfers/")
    # the shared sub-nav leads back to the other parts of the resources
    expect(page.get_by_test_id("resources-nav")).to_contain_text("避难场所")
    with page.expect_navigation():
        page.get_by_test_id(f"receive-{t.pk}").click()
    expect(page.get_by_test_id("status")).to_have_text("已接收")
    assert Transfer.objects.get().status == TransferStatus.RECEIVED
    assert Holding.objects.get(point=point).quantity == 50
