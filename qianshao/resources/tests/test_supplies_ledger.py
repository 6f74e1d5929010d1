# ruff: noqa: F811 - the fixtures are imported from supplies_fixtures
"""The supplies ledger through its actions: 入库, 出库 first-expiring first, 盘点, 报损,
调拨 with receipt and recall, 征用 with return and compensation, minimums, and every refusal
(negative stock, expired stock, a second receipt, a wrong unit, another's point)."""

from decimal import Decimal

import pytest

from qianshao.audit.models import AuditRecord
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.resources import actions_supplies as actions
from qianshao.resources import catalogue_supplies as catalogue
from qianshao.resources import tally
from qianshao.resources.models import (
    Band,
    Batch,
    Holding,
    Line,
    Minimum,
    Movement,
    MovementKind,
    RequisitionStatus,
    Source,
    TransferStatus,
)
from qianshao.resources.tests.supplies_fixtures import (  # noqa: F401
    card_balance,
    days,
    items,
    points,
    stock,
)


def receive(point, item, n, expires=None, lot="", **kw):
    return actions.receive(None, point, item=item, quantity=n, expires=expires, lot=lot, **kw)


def test_receive_makes_a_batch_a_card_line_and_counts_it(cast, points, items):
    p, rice = points["county"], items["rice"]
    movement = receive(p, rice, "100.5", days(400), lot="R1", unit="kg", unit_price="3.20")
    batch = Batch.objects.get(point=p)
    assert batch.quantity == Decimal("100.5") and batch.band == Band.OK and batch.klass == "1"
    assert stock(p, rice) == Decimal("100.5") == card_balance(p, rice)
    assert movement.kind == MovementKind.RECEIVE
    assert tally.read(cast.county.path, "supplies_batches") == {"supplies_batches": {"1.ok": 1}}
    record = AuditRecord.objects.filter(action="supplies.receive").get()
    assert record.after["lines"] == [[batch.pk, rice.pk, "100.5", "100.5", "100.5"]]
    assert tally.matches()


def test_receive_inside_a_band_is_marked_so(cast, points, items):
    receive(points["county"], items["rice"], 5, days(20))
    assert Batch.objects.get().band == Band.NEAR30


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -1}, "quantity"),
        ({"quantity": "1.0001"}, "quantity"),
        ({"quantity": "abc"}, "quantity"),
        ({"quantity": "NaN"}, "quantity"),
        ({"unit": "箱"}, "unit"),
        ({"expires": "past"}, "expires"),
        ({"source": "stolen"}, "source"),
        ({"unit_price": "-1"}, "unit_price"),
    ],
)
def test_receive_refuses_bad_input_naming_the_field(cast, points, items, kwargs, field):
    args = {"item": items["rice"], "quantity": 1} | kwargs
    if args.get("expires") == "past":
        args["expires"] = days(-1)
    with pytest.raises(ActionError) as refused:
        actions.receive(None, points["county"], **args)
    assert refused.value.field == field
    assert not Batch.objects.exists() and not Movement.objects.exists()


def test_issue_takes_first_expiring_first_and_never_expired(cast, points, items):
    p, rice = points["county"], items["rice"]
    receive(p, rice, 10, days(300), lot="LATE")
    soon = receive(p, rice, 10, days(50), lot="SOON")
    expired = Batch.objects.create(  # as if it had been received long ago
        point=p,
        point_path=p.cell_path,
        item=rice,
        klass="1",
        quantity=0,
        received=0,
        received_at=soon.at,
        expires=days(-1),
        source=Source.PURCHASE,
        lot="OLD",
    )
    actions.issue(None, p, item=rice, quantity=15, purpose="救灾发放")
    by_lot = dict(Batch.objects.values_list("lot", "quantity"))
    assert by_lot == {"SOON": 0, "LATE": 5, "OLD": 0}
    assert stock(p, rice) == 5 == card_balance(p, rice)
    assert expired.lines.count() == 0
    assert tally.matches()


def test_expired_stock_is_refused_to_an_issue_and_written_off(cast, points, items):
    p, rice = points["county"], items["rice"]
    receive(p, rice, 10, days(10), lot="A")
    batch = Batch.objects.get(lot="A")
    Batch.objects.filter(pk=batch.pk).update(expires=days(-2))  # time has passed
    with pytest.raises(Conflict) as refused:
        actions.issue(None, p, item=rice, quantity=1, purpose="发放")
    assert refused.value.field == "quantity" and "仅余 0" in refused.value.message
    with pytest.raises(Conflict) as refused:
        actions.issue(None, p, item=rice, quantity=1, purpose="发放", batch=batch)
    assert refused.value.field == "batch" and "已过期" in refused.value.message
    actions.write_off(None, p, batch=batch, quantity=10, reason="expired")
    assert stock(p, rice) == 0 == card_balance(p, rice)
    assert Movement.objects.filter(kind=MovementKind.WRITE_OFF).get().reason == "过期"


def test_an_issue_beyond_a_batch_is_a_409_naming_the_batch_and_what_is_left(cast, points, items):
    p, rice = points["county"], items["rice"]
    receive(p, rice, 4, days(100), lot="B7")
    batch = Batch.objects.get()
    lines_before = Line.objects.count()
    with pytest.raises(Conflict) as refused:
        actions.issue(None, p, item=rice, quantity=5, purpose="发放", batch=batch)
    assert refused.value.field == "batch" and "B7" in refused.value.message
    assert "仅余 4" in refused.value.message
    assert Line.objects.count() == lines_before and stock(p, rice) == 4


def test_a_unit_other_than_the_catalogues_is_refused_naming_unit(cast, points, items):
    p = points["county"]
    receive(p, items["water"], 3, days(200))
    with pytest.raises(ActionError) as refused:
        actions.issue(None, p, item=items["water"], quantity=1, unit="瓶", purpose="发放")
    assert refused.value.field == "unit" and "箱" in refused.value.message


def test_count_posts_each_difference_with_its_reason(cast, points, items):
    p, rice = points["county"], items["rice"]
    receive(p, rice, 10, days(100), lot="A")
    receive(p, rice, 10, days(200), lot="B")
    a, b = Batch.objects.order_by("lot")
    with pytest.raises(ActionError) as refused:
        actions.count(None, p, item=rice, counted={a.pk: 8}, reason="")
    assert refused.value.field == "reason"
    with pytest.raises(ActionError) as refused:
        actions.count(None, p, item=rice, counted={a.pk: 10}, reason="月末盘点")
    assert refused.value.field == "counted"
    actions.count(None, p, item=rice, counted={a.pk: 8, b.pk: 11}, reason="月末盘点")
    assert stock(p, rice) == 19 == card_balance(p, rice)
    deltas = list(
        Line.objects.filter(movement__kind=MovementKind.COUNT).values_list("delta", flat=True)
    )
    assert sorted(deltas) == [-2, 1]
    assert Movement.objects.get(kind=MovementKind.COUNT).reason == "月末盘点"


def test_write_off_needs_a_reason_and_a_batch_of_the_point(cast, points, items):
    p, rice = points["county"], items["rice"]
    receive(p, rice, 10, days(100))
    receive(points["township"], rice, 10, days(100))
    mine, theirs = Batch.objects.order_by("id")
    with pytest.raises(ActionError) as refused:
        actions.write_off(None, p, batch=mine, quantity=1, reason="")
    assert refused.value.field == "reason"
    with pytest.raises(ActionError) as refused:
        actions.write_off(None, p, batch=theirs, quantity=1, reason="damaged", note="雨淋")
    assert refused.value.field == "batch"
    with pytest.raises(Conflict):
        actions.write_off(None, p, batch=mine, quantity=11, reason="lost", note="清点丢失")
    actions.write_off(None, p, batch=mine, quantity=3, reason="damaged", note="雨淋")
    assert stock(p, rice) == 7


def test_a_minimum_marks_the_point_short_and_the_ledger_keeps_it(cast, points, items):
    p, tent = points["township"], items["tent"]
    actions.set_minimum(None, p, item=tent, quantity=10)
    assert Minimum.objects.get().short
    assert tally.read(cast.county.path, "supplies_short") == {"supplies_short": {"1": 1}}
    receive(p, tent, 12)
    assert not Minimum.objects.get().short
    actions.issue(None, p, item=tent, quantity=3, purpose="安置")
    assert Minimum.objects.get().short
    assert tally.matches()


def test_transfer_is_in_transit_until_received_once(cast, points, items):
    county, township, rice = points["county"], points["township"], items["rice"]
    receive(county, rice, 50, days(200), lot="T1", unit_price="4.5", origin="粮油公司")
    t = actions.dispatch(
        cast.users["county"], county, township, lines=[(rice, 20, "kg", None)], note="支援"
    )
    assert t.status == TransferStatus.IN_TRANSIT
    h = Holding.objects.get(point=county, item=rice)
    assert h.quantity == 30 and h.in_transit_out == 20
    assert stock(township, rice) == 0
    assert tally.read(cast.county.path, "supplies_in_transit")["supplies_in_transit"][""] == 1
    with pytest.raises(NotAllowed):  # the receipt belongs to the destination
        actions.receive_transfer(cast.users["village"], t)
    actions.receive_transfer(cast.users["township"], t)
    t.refresh_from_db()
    assert t.status == TransferStatus.RECEIVED
    arrived = Batch.objects.get(point=township)
    assert (arrived.quantity, arrived.expires, arrived.unit_price, arrived.lot) == (
        20,
        days(200),
        Decimal("4.5"),
        "T1",
    )
    assert arrived.origin == "粮油公司"
    assert Holding.objects.get(point=county, item=rice).in_transit_out == 0
    assert stock(township, rice) == 20 == card_balance(township, rice)
    with pytest.raises(Conflict) as again:
        actions.receive_transfer(cast.users["township"], t)
    assert again.value.status == 409 and stock(township, rice) == 20
    with pytest.raises(Conflict):
        actions.recall_transfer(cast.users["county"], t)
    assert tally.matches()


def test_recall_puts_the_stock_back_into_its_batches(cast, points, items):
    county, township, rice = points["county"], points["township"], items["rice"]
    receive(county, rice, 20, days(200))
    t = actions.dispatch(None, county, township, lines=[(rice, 20, None, None)])
    assert Batch.objects.get().quantity == 0
    with pytest.raises(NotAllowed):  # the sender recalls, not the receiver alone
        actions.recall_transfer(cast.users["village"], t)
    actions.recall_transfer(cast.users["county"], t, reason="路断")
    assert Batch.objects.get().quantity == 20 and stock(county, rice) == 20
    assert Holding.objects.get(point=county, item=rice).in_transit_out == 0
    with pytest.raises(Conflict):
        actions.receive_transfer(cast.users["township"], t)
    assert tally.matches()


def test_a_transfer_goes_within_scope_or_up_the_tree_only(cast, points, items):
    village, other, rice = points["village"], points["other"], items["rice"]
    receive(village, rice, 5, days(200))
    with pytest.raises(ActionError) as refused:
        actions.dispatch(cast.users["township"], village, other, lines=[(rice, 1, None, None)])
    assert refused.value.field == "destination"
    with pytest.raises(ActionError) as refused:
        actions.dispatch(cast.users["township"], village, village, lines=[(rice, 1, None, None)])
    assert refused.value.field == "destination"
    with pytest.raises(ActionError) as refused:
        actions.dispatch(
            cast.users["township"], village, points["county"], lines=[(rice, 1, "袋", None)]
        )
    assert refused.value.field == "unit"
    actions.dispatch(
        cast.users["township"], village, points["county"], lines=[(rice, 1, None, None)]
    )


def test_nobody_moves_stock_outside_what_they_manage(cast, points, items):
    rice = items["rice"]
    receive(points["county"], rice, 5, days(200))
    for who in ["village", "department", "outsider"]:
        with pytest.raises(NotAllowed):
            actions.issue(cast.users[who], points["county"], item=rice, quantity=1, purpose="x")
        with pytest.raises(NotAllowed):
            actions.receive(cast.users[who], points["county"], item=rice, quantity=1)
    with pytest.raises(NotAllowed):  # the township does not manage the county's point
        actions.issue(cast.users["township"], points["county"], item=rice, quantity=1, purpose="x")
    actions.receive(cast.users["township"], points["village"], item=rice, quantity=1)
    assert stock(points["county"], rice) == 5 and stock(points["village"], rice) == 1


def test_requisition_is_returned_then_compensated(cast, points, items):
    p, tent = points["township"], items["tent"]
    req = actions.requisition(
        cast.users["township"], p, owner="某帐篷厂", lines=[(tent, 10, "顶", None)], value="5000"
    )
    assert req.status == RequisitionStatus.TAKEN and stock(p, tent) == 10
    assert Batch.objects.get().source == Source.REQUISITION
    actions.issue(None, p, item=tent, quantity=4, purpose="安置")
    actions.return_requisition(cast.users["township"], req)
    req.refresh_from_db()
    assert req.status == RequisitionStatus.RETURNED and stock(p, tent) == 0
    with pytest.raises(ActionError) as refused:
        actions.compensate(cast.users["township"], req, amount="-1")
    assert refused.value.field == "compensation"
    actions.compensate(cast.users["township"], req, amount="2000")
    req.refresh_from_db()
    assert req.status == RequisitionStatus.COMPENSATED and req.compensation == 2000
    with pytest.raises(Conflict):
        actions.return_requisition(cast.users["township"], req)
    assert tally.matches()


def test_the_stock_card_refuses_edits_and_deletes(cast, points, items):
    receive(points["county"], items["rice"], 5, days(200))
    line, movement = Line.objects.get(), Movement.objects.get()
    line.delta = 1
    with pytest.raises(TypeError):
        line.save()
    with pytest.raises(TypeError):
        movement.delete()
    with pytest.raises(TypeError):
        Line.objects.update(delta=0)
    with pytest.raises(TypeError):
        Line.objects.all().delete()


def test_the_catalogue_checks_digits_and_parents(db):
    with pytest.raises(ActionError) as refused:
        catalogue.add_item(None, code="123", name="x", unit="个")
    assert refused.value.field == "code"
    with pytest.raises(ActionError) as refused:
        catalogue.add_item(None, code="1010101", name="x", unit="个")
    assert "101" in refused.value.message  # its middle class is not in the catalogue
    with pytest.raises(ActionError):
        catalogue.add_category(None, code="10101", name="小类")  # no 101 yet
    catalogue.add_category(None, code="101", name="生活类")
    catalogue.add_category(None, code="10101", name="食品")
    item = catalogue.add_item(None, code="1010101", name="方便面", unit="箱")
    assert item.category.code == "10101" and item.klass == "1"
    with pytest.raises(ActionError):
        catalogue.add_item(None, code="1010101", name="again", unit="箱")


def test_supplies_follow_a_moved_cell_and_their_counters_too(cast, points, items):
    from qianshao.grid import actions as grid_actions

    village = points["village"]
    receive(village, items["rice"], 5, days(200))
    actions.set_minimum(None, village, item=items["tent"], quantity=1)
    grid_actions.move_cell(cast.users["admin"], cast.village, cast.cell("450901101"))
    village.refresh_from_db()
    assert village.cell_path.startswith(cast.cell("450901101").path)
    assert Batch.objects.get().point_path == village.cell_path
    assert tally.read(cast.cell("450901101").path, "supplies_short") == {"supplies_short": {"1": 1}}
    assert tally.read(cast.township.path, "supplies_short")["supplies_short"]["1"] == 0
    assert tally.matches()
