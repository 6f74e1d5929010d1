"""Kit pieces issued from a storage point's stock (docs/adr/0023 "Kits": a stock issue if
from a point): the point's stock card and the kit card change in one transaction with one
audit record, or neither does."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from qianshao.accounts.actions import create_login
from qianshao.audit.models import AuditRecord
from qianshao.grid.models import Duty, Role
from qianshao.lib.errors import ActionError, Conflict
from qianshao.resources import actions_kits, tally
from qianshao.resources import actions_supplies as supplies
from qianshao.resources import catalogue_supplies as catalogue
from qianshao.resources.models import (
    Holding,
    ItemStatus,
    KitCard,
    KitItem,
    KitLine,
    Line,
    Movement,
    MovementKind,
)
from qianshao.resources.tests.supplies_fixtures import days
from qianshao.testing import PASSWORD, appoint
from qianshao.tests.test_openapi import client_for

BASE = "/api/v1/resources"
KIT = {"雨衣": "2999901", "救生衣": "2999902", "雨靴": "2999903"}


@pytest.fixture
def kit(cast):
    """The 九个一's first three lines bound to catalogue items; a village point holding
    5 of each, one 网格长 of 一村 and its emergency officer's card."""
    items = {
        name: catalogue.add_item(None, code=code, name=name, unit="件", expires=False)
        for name, code in KIT.items()
    }
    for name, code in KIT.items():
        KitLine.objects.filter(standard__code="nine_ones", name=name).update(item_code=code)
    point = supplies.create_point(None, cell=cast.village, name="一村储备点")
    for item in items.values():
        supplies.receive(None, point, item=item, quantity=5)
    head = appoint(cast.village, Role.HEAD, name="网格长李")
    user = create_login(None, head, username="head", password=PASSWORD)
    officer = appoint(cast.village, Role.MEMBER, name="应急员王", duties=[Duty.EMERGENCY_OFFICER])
    card = KitCard.objects.get(person=officer)
    lines = {line.name: line for line in card.standard.lines.all()}
    return {"items": items, "point": point, "user": user, "card": card, "lines": lines}


def held(point, item) -> Decimal:
    return Holding.objects.get(point=point, item=item).quantity


def written() -> tuple[int, ...]:
    """What an action could have written, on either side."""
    return (
        KitItem.objects.count(),
        Movement.objects.count(),
        Line.objects.count(),
        AuditRecord.objects.count(),
    )


@pytest.mark.django_db
def test_issuing_from_a_point_moves_its_stock_and_the_card_with_one_audit_record(kit):
    point, items, card, lines = kit["point"], kit["items"], kit["card"], kit["lines"]
    records = AuditRecord.objects.count()
    actions_kits.issue_lines(
        kit["user"], card, {lines["雨衣"].pk: 2, lines["雨靴"].pk: 1}, point=point
    )
    assert (held(point, items["雨衣"]), held(point, items["雨靴"])) == (3, 4)
    movement = Movement.objects.get(kind=MovementKind.ISSUE)
    assert (movement.point, movement.purpose) == (point, "装备发放：应急员王")
    assert sorted((ln.item.name, ln.delta, ln.holding_after) for ln in movement.lines.all()) == [
        ("雨衣", -2, 3),
        ("雨靴", -1, 4),
    ]
    pieces = KitItem.objects.filter(card=card)
    assert pieces.count() == 3
    assert {p.stock_movement_id for p in pieces} == {movement.pk}
    card.refresh_from_db()
    assert card.missing == 7
    assert AuditRecord.objects.count() == records + 1  # the kit's, naming the stock lines
    record = AuditRecord.objects.latest("seq")
    assert record.action == "resources.kits.issue"
    assert record.after["stock"]["movement"] == movement.pk
    assert len(record.after["stock"]["lines"]) == 2
    assert tally.matches()


@pytest.mark.django_db
def test_the_whole_kit_from_a_point_needs_every_line_to_have_an_item(kit):
    point, card = kit["point"], kit["card"]
    before = written()
    with pytest.raises(ActionError) as refused:
        actions_kits.issue_missing(kit["user"], card, point=point)
    assert refused.value.field == "line" and "强光手电" in refused.value.message
    assert written() == before
    # without a point, the whole kit is recorded as handed over
    actions_kits.issue_missing(kit["user"], card)
    card.refresh_from_db()
    assert card.complete and not Movement.objects.filter(kind=MovementKind.ISSUE).exists()
    with pytest.raises(Conflict) as refused:
        actions_kits.issue_missing(kit["user"], card)
    assert refused.value.field == "card"
    assert tally.matches()


@pytest.mark.django_db
def test_expired_stock_is_not_issued_and_too_little_writes_nothing_on_either_side(kit):
    point, card, lines = kit["point"], kit["card"], kit["lines"]
    water = catalogue.add_item(None, code="2999904", name="救援绳", unit="根", expires=True)
    KitLine.objects.filter(pk=lines["救援绳"].pk).update(item_code="2999904")
    supplies.receive(None, point, item=water, quantity=3, expires=days(10), lot="OLD")
    supplies.receive(None, point, item=water, quantity=1, expires=days(200), lot="NEW")
    with time_machine.travel(timezone.now() + timedelta(days=20), tick=False):
        before = written()
        with pytest.raises(Conflict) as refused:
            actions_kits.issue(kit["user"], card, line=lines["救援绳"].pk, quantity=2, point=point)
        assert refused.value.field == "point"
        assert "仅余 1" in refused.value.message  # the 3 expired are not counted
        assert written() == before
        assert held(point, water) == 4
        actions_kits.issue(kit["user"], card, line=lines["救援绳"].pk, quantity=1, point=point)
    taken = Line.objects.get(movement__kind=MovementKind.ISSUE)
    assert taken.batch.lot == "NEW"
    assert tally.matches()


@pytest.mark.django_db
def test_the_api_issues_from_a_point_idempotently_and_refuses_by_field(kit, cast):
    point, card, lines = kit["point"], kit["card"], kit["lines"]
    head = client_for(kit["user"])
    url = f"{BASE}/kit-cards/{card.pk}/items"
    body = {
        "client_uuid": str(uuid.uuid4()),
        "line": lines["救生衣"].pk,
        "quantity": 1,
        "point": point.pk,
    }
    made = head.post(url, body, content_type="application/json")
    assert made.status_code == 201, made.content
    assert made.json()["missing"] == 8
    again = head.post(url, body, content_type="application/json")
    assert again.status_code == 200
    assert Movement.objects.filter(kind=MovementKind.ISSUE).count() == 1
    assert held(point, kit["items"]["救生衣"]) == 4
    item = KitItem.objects.get()
    assert item.status == ItemStatus.IN_USE and item.stock_movement_id is not None

    def refused(**changes):
        before = written()
        answer = head.post(
            url,
            body | {"client_uuid": str(uuid.uuid4())} | changes,
            content_type="application/json",
        )
        assert written() == before
        return answer.status_code, answer.json()["field"]

    assert refused(quantity=5) == (409, "point")  # 4 left
    assert refused(line=lines["强光手电"].pk) == (400, "line")  # no item code
    other = supplies.create_point(None, cell=cast.other_county, name="B县物资库")
    assert refused(point=other.pk) == (404, "point")
    township = supplies.create_point(None, cell=cast.township, name="甲镇储备点")
    assert refused(point=township.pk) == (404, "point")  # above the village head: unseen
    assert tally.matches()


@pytest.mark.django_db
def test_the_card_page_offers_the_points_and_issues_the_whole_kit_from_one(kit, cast):
    point, card = kit["point"], kit["card"]
    for name, line in kit["lines"].items():
        if name not in KIT:
            KitLine.objects.filter(pk=line.pk).delete()
    head = client_for(kit["user"])
    page = head.get(f"/resources/kits/cards/{card.pk}/")
    assert page.status_code == 200
    options = page.context["issue_form"].fields["point"].choices
    assert [label for _v, label in options] == ["不从储备点出库", "一村储备点"]
    url = f"/resources/kits/cards/{card.pk}/issue/"
    form = {"client_uuid": str(uuid.uuid4()), "issued_on": str(timezone.localdate())}
    form |= {"condition": "new", "point": str(point.pk), "whole": "1"}
    answer = head.post(url, form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    card.refresh_from_db()
    assert card.complete
    assert {str(held(point, i)) for i in kit["items"].values()} == {"4.000"}
    page = head.get(f"/resources/kits/cards/{card.pk}/")
    assert "出自一村储备点" in page.content.decode()
    # a second whole kit: nothing missing, the error shown on the page
    answer = head.post(url, form | {"client_uuid": str(uuid.uuid4())})
    assert answer.status_code == 409
    assert "已配齐" in answer.content.decode()
    # a point not offered is an error on the field
    answer = head.post(url, form | {"client_uuid": str(uuid.uuid4()), "point": "999999"})
    assert answer.status_code == 400
    assert answer.context["issue_form"].errors["point"]
    assert tally.matches()
