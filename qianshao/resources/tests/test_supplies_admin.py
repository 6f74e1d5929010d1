"""The catalogue extended in the admin: a class under an existing parent with the digits of
its level, an item under an existing small class (its category found from its code); a
minimum set there moves the shortage and its counter like the page does."""

import pytest

from qianshao.resources import actions_supplies as actions
from qianshao.resources import tally
from qianshao.resources.models import Category, Item, Minimum

pytestmark = pytest.mark.django_db


def test_the_catalogue_is_extended_in_the_admin_with_its_codes_checked(cast, client_for):
    admin = client_for(cast.users["admin"])
    bad = admin.post("/admin/resources/category/add/", {"code": "10101", "name": "食品"})
    assert bad.status_code == 200 and "101" in bad.content.decode()  # no 101 yet
    assert (
        admin.post("/admin/resources/category/add/", {"code": "101", "name": "生活类"}).status_code
        == 302
    )
    assert (
        admin.post("/admin/resources/category/add/", {"code": "10101", "name": "食品"}).status_code
        == 302
    )
    assert Category.objects.get(code="10101").parent.code == "101"
    bad = admin.post("/admin/resources/item/add/", {"code": "10102", "name": "x", "unit": "个"})
    assert bad.status_code == 200 and not Item.objects.exists()
    ok = admin.post(
        "/admin/resources/item/add/",
        {"code": "1010101", "name": "方便面", "unit": "箱", "expires": "on"},
    )
    assert ok.status_code == 302
    assert Item.objects.get().category.code == "10101"


def test_a_minimum_set_in_the_admin_goes_through_the_action(cast, client_for):
    item = Item.objects.create(
        code="1999901", name="大米", unit="kg", category=Category.objects.get(code="19999")
    )
    point = actions.create_point(None, cell=cast.village, name="一村储备点")
    answer = client_for(cast.users["admin"]).post(
        "/admin/resources/minimum/add/",
        {"point": point.pk, "item": item.pk, "quantity": "10"},
    )
    assert answer.status_code == 302
    assert Minimum.objects.get().short
    assert tally.matches()
