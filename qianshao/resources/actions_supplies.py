"""The supplies part's actions (docs/adr/0023): storage points, minimums, every movement of
stock (入库, 出库, 盘点, 报损, 调拨 and its receipt or recall, 征用 and its return and
compensation), the reserves beside held stock (协议, 产能).

Each is one function: the permission first, the input checked (a clear 4xx naming the field),
then the rows in one transaction — quantities only through ``ledger_supplies`` — one audit
record listing the stock-card lines, and the notices.

``actor`` is the user, or ``None`` for the system (imports, the demo).
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.grid.models import Cell, CellKind, Person
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.lib.schemas import MAX_ID
from qianshao.lib.text import clean_text
from qianshao.notify.outbox import Notice, enqueue_all
from qianshao.resources import ledger_supplies as ledger
from qianshao.resources import permissions_supplies as rules
from qianshao.resources import tally
from qianshao.resources.models import (
    REQUISITION_FLOW,
    TRANSFER_FLOW,
    Agreement,
    Batch,
    Capacity,
    Item,
    Line,
    Minimum,
    Movement,
    MovementKind,
    Point,
    PointKind,
    Requisition,
    RequisitionStep,
    Source,
    Transfer,
    TransferStep,
    WriteOffReason,
)

MAX_QUANTITY = ledger.MAX_QUANTITY
MAX_PRICE = Decimal("9999999999.99")
KIND_OF_CELL = {
    CellKind.COUNTY: PointKind.COUNTY,
    CellKind.TOWNSHIP: PointKind.TOWNSHIP,
    CellKind.PARK: PointKind.TOWNSHIP,
}


# --- checks of input --------------------------------------------------------------------


def quantity_of(raw, field: str = "quantity", *, zero: bool = False) -> Decimal:
    """A quantity as entered: a number above zero (or zero, when ``zero``) with at most
    three decimals, within what the column holds."""
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ActionError(_("数量须为数字"), field) from None
    if not value.is_finite():
        raise ActionError(_("数量须为数字"), field)
    if value < 0 or (value == 0 and not zero):
        raise ActionError(_("数量须大于零") if not zero else _("数量不能为负数"), field)
    if value > MAX_QUANTITY:
        raise ActionError(_("数量超出合理范围"), field)
    if value != round(value, 3):
        raise ActionError(_("数量最多保留三位小数"), field)
    return value.quantize(Decimal("0.001"))


def money_of(raw, field: str, *, required: bool = False) -> Decimal | None:
    """An amount in 元: not negative, two decimals at most."""
    if raw in (None, ""):
        if required:
            raise ActionError(_("不能为空"), field)
        return None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ActionError(_("金额须为数字"), field) from None
    if not value.is_finite() or value < 0:
        raise ActionError(_("金额须为不小于零的数字"), field)
    if value > MAX_PRICE or value != round(value, 2):
        raise ActionError(_("金额超出范围或多于两位小数"), field)
    return value


def check_unit(item: Item, unit: str | None) -> None:
    """A unit other than the catalogue's is refused (a box is not a piece)."""
    if unit not in (None, "") and unit.strip() != item.unit:
        raise ActionError(
            _("计量单位须为 %(unit)s（%(item)s 在目录中的单位）")
            % {"unit": item.unit, "item": item.name},
            "unit",
        )


def check_allowed(actor, point: Point) -> None:
    if actor is not None:
        refused = rules.point_refusal(actor, point)
        if refused is not None:
            raise NotAllowed(refused, "point")


def check_dates(
    produced_on: date | None, expires: date | None, today: date, item: Item | None = None
) -> None:
    """The dates of goods taken in; an expiry for an ``item`` the catalogue says never
    expires is refused (as ``correct_expiry`` refuses it)."""
    if expires is not None and item is not None and not item.expires:
        raise ActionError(_("%(item)s 在目录中没有保质期") % {"item": item.name}, "expires")
    if produced_on is not None and produced_on > today:
        raise ActionError(_("生产日期不能晚于今天"), "produced_on")
    if expires is not None and produced_on is not None and expires < produced_on:
        raise ActionError(_("有效期不能早于生产日期"), "expires")
    if expires is not None and expires < today:
        raise ActionError(_("已过期的物资不能入库"), "expires")


def _lines_record(lines: list[Line]) -> list[list]:
    """The stock-card lines as the audit record lists them: batch, item, change, the
    holding and the batch after."""
    return [
        [
            line.batch_id,
            line.item_id,
            ledger.plain(line.delta),
            ledger.plain(line.holding_after),
            ledger.plain(line.batch_after),
        ]
        for line in lines
    ]


def _movement(kind: str, point: Point, actor, **fields) -> Movement:
    movement = Movement(
        kind=kind,
        point=point,
        point_path=point.cell_path,
        actor=actor if getattr(actor, "pk", None) else None,
        at=timezone.now(),
        **fields,
    )
    movement.save()
    return movement


def _audit(actor, movement: Movement, lines: list[Line], **after) -> None:
    audit(
        actor=actor,
        action=f"supplies.{movement.kind}",
        obj=movement,
        cell_path=movement.point_path,
        after={"point": movement.point_id, "lines": _lines_record(lines), **after},
        note=movement.reason or movement.purpose,
    )


# --- points and minimums ----------------------------------------------------------------


@transaction.atomic
def create_point(
    actor,
    *,
    cell: Cell,
    name: str,
    kind: str = "",
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
    manager: Person | None = None,
) -> Point:
    """A storage point (储备点) kept by ``cell``. Side effects: the points counter, one
    audit record."""
    if actor is not None:
        refused = rules.change_refusal(actor, cell.path)
        if refused is not None:
            raise NotAllowed(refused, "cell")
    name = clean_text(name, "name", limit=64)
    kind = kind or KIND_OF_CELL.get(cell.kind, PointKind.VILLAGE)
    if kind not in PointKind.values:
        raise ActionError(_("未知的储备点级别"), "kind")
    if (lon is None) != (lat is None):
        raise ActionError(_("经纬度须同时填写"), "lon")
    if lon is not None and not (73 <= lon <= 136 and 3 <= lat <= 54):
        raise ActionError(_("坐标不在中国境内"), "lon")
    point = Point.objects.create(
        cell=cell,
        cell_path=cell.path,
        name=name,
        kind=kind,
        lon=lon,
        lat=lat,
        address=clean_text(address, "address", limit=200, required=False),
        manager=manager,
    )
    tally.add(cell.path, ledger.POINTS, 1, key=kind)
    audit(
        actor=actor,
        action="supplies.point",
        obj=point,
        cell_path=cell.path,
        after={"name": name, "kind": kind, "manager": manager.pk if manager else None},
    )
    return point


@transaction.atomic
def set_minimum(actor, point: Point, *, item: Item, quantity) -> Minimum:
    """The least ``point`` should hold of ``item`` (0 keeps no level). Side effects: the
    minimum's ``short`` and the shortage counter, one audit record."""
    check_allowed(actor, point)
    quantity = quantity_of(quantity, zero=True)
    holding = ledger.lock_holdings([(point.pk, item.pk)])[(point.pk, item.pk)]
    minimum = Minimum.objects.filter(point=point, item=item).first()
    before = minimum.quantity if minimum else None
    was_short = bool(minimum and minimum.short)
    short = holding.quantity < quantity
    if minimum is None:
        minimum = Minimum.objects.create(point=point, item=item, quantity=quantity, short=short)
    else:
        minimum.quantity, minimum.short = quantity, short
        minimum.save(update_fields=["quantity", "short"])
    if short != was_short:
        tally.add(point.cell_path, ledger.SHORT, 1 if short else -1, key=item.klass)
    audit(
        actor=actor,
        action="supplies.minimum",
        obj=minimum,
        cell_path=point.cell_path,
        before={"quantity": ledger.plain(before)} if before is not None else None,
        after={"item": item.code, "quantity": ledger.plain(quantity), "short": short},
    )
    return minimum


# --- movements at one point -------------------------------------------------------------


@transaction.atomic
def receive(
    actor,
    point: Point,
    *,
    item: Item,
    quantity,
    unit: str | None = None,
    expires: date | None = None,
    produced_on: date | None = None,
    source: str = Source.PURCHASE,
    unit_price=None,
    lot: str = "",
    origin: str = "",
    purpose: str = "",
) -> Movement:
    """入库: a new batch of ``item`` at ``point``. Side effects: the batch, its stock-card
    line, the holding, minimums and counters, one audit record."""
    check_allowed(actor, point)
    quantity = quantity_of(quantity)
    check_unit(item, unit)
    today = timezone.localdate()
    check_dates(produced_on, expires, today, item)
    if source not in Source.values or source == Source.REQUISITION:
        raise ActionError(_("来源须为采购、捐赠或调拨"), "source")
    price = money_of(unit_price, "unit_price")
    lot = clean_text(lot, "lot", limit=40, required=False)
    origin = clean_text(origin, "origin", limit=100, required=False)
    movement = _movement(
        MovementKind.RECEIVE,
        point,
        actor,
        purpose=clean_text(purpose, "purpose", limit=100, required=False),
    )
    posting = ledger.Posting(movement, [item], today=today)
    posting.put_new(
        item,
        quantity,
        expires=expires,
        produced_on=produced_on,
        source=source,
        unit_price=price,
        lot=lot,
        origin=origin,
    )
    lines = posting.close()
    _audit(actor, movement, lines, item=item.code, source=source)
    return movement


@transaction.atomic
def issue(
    actor,
    point: Point,
    *,
    item: Item,
    quantity,
    purpose: str,
    unit: str | None = None,
    batch: Batch | None = None,
) -> Movement:
    """出库: ``quantity`` of ``item`` from ``point``, first expiring first, or from the
    named ``batch`` (轮换). Expired stock is not issued; more than there is, is a 409
    naming the batch and what is left. Side effects: lines, holding, minimums, counters,
    one audit record."""
    check_allowed(actor, point)
    quantity = quantity_of(quantity)
    check_unit(item, unit)
    purpose = clean_text(purpose, "purpose", limit=100)
    _check_batch(batch, point, item)
    movement = _movement(MovementKind.ISSUE, point, actor, purpose=purpose)
    posting = ledger.Posting(movement, [item])
    ledger.issue(posting, item, quantity, _fresh(batch))
    lines = posting.close()
    _audit(actor, movement, lines, item=item.code)
    return movement


def issue_within(actor, point: Point, wanted: list[tuple[Item, Decimal]], *, purpose: str):
    """出库 of several items at ``point`` inside another action's transaction (a kit handed
    out from a point's stock): the same permission and ledger as ``issue`` (first expiring
    first, expired stock never issued, short stock a 409 naming ``point`` with what is left),
    but no audit record of its own — the calling action's one record lists the movement and
    its stock-card lines (``lines_record``). Returns the movement and its lines."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("issue_within runs inside the calling action's transaction")
    check_allowed(actor, point)
    purpose = clean_text(purpose, "purpose", limit=100)
    movement = _movement(MovementKind.ISSUE, point, actor, purpose=purpose)
    posting = ledger.Posting(movement, [item for item, _n in wanted])
    for item, n in wanted:
        try:
            ledger.issue(posting, item, quantity_of(n))
        except Conflict as short:
            raise Conflict(short.message, "point") from None
    return movement, posting.close()


lines_record = _lines_record


def _check_batch(batch: Batch | None, point: Point, item: Item | None) -> None:
    if batch is None:
        return
    if batch.point_id != point.pk:
        raise ActionError(_("该批次不在此储备点"), "batch")
    if item is not None and batch.item_id != item.pk:
        raise ActionError(_("该批次不是所选物资"), "batch")


def _fresh(batch: Batch | None) -> Batch | None:
    """``batch`` as it is now (read after its holding was locked)."""
    if batch is None:
        return None
    return Batch.objects.select_related("item").get(pk=batch.pk)


def _batch_id(raw) -> int:
    """A batch id of a count, within what the id column holds (a larger one would overflow
    the lookup: a 500)."""
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        raise ActionError(_("批次编号须为整数"), "counted") from None
    if not 1 <= pk <= MAX_ID:
        raise ActionError(_("批次 %(id)s 不存在") % {"id": raw}, "counted")
    return pk


@transaction.atomic
def count(actor, point: Point, *, item: Item, counted: dict[int, object], reason: str) -> Movement:
    """盘点: the quantities found of ``item``'s batches at ``point`` (``{batch id: found}``);
    each difference is posted with the required ``reason``. A count that finds every
    batch as booked is refused (nothing to post)."""
    check_allowed(actor, point)
    reason = clean_text(reason, "reason", limit=200)
    if not counted:
        raise ActionError(_("请填写盘点数量"), "counted")
    found = {_batch_id(pk): quantity_of(n, "counted", zero=True) for pk, n in counted.items()}
    movement = _movement(MovementKind.COUNT, point, actor, reason=reason)
    posting = ledger.Posting(movement, [item])
    batches = Batch.objects.filter(point=point, item=item, pk__in=list(found)).order_by("id")
    batches = {b.pk: b for b in batches}
    unknown = set(found) - set(batches)
    if unknown:
        raise ActionError(
            _("批次 %(ids)s 不在此储备点或不是该物资")
            % {"ids": "、".join(str(i) for i in sorted(unknown))},
            "counted",
        )
    for pk in sorted(found):
        batch, n = batches[pk], found[pk]
        if n < batch.quantity:
            posting.take(batch, batch.quantity - n)
        elif n > batch.quantity:
            posting.put(batch, n - batch.quantity)
    if not posting.lines:
        raise ActionError(_("盘点数量与账面一致，无需记录差异"), "counted")
    lines = posting.close()
    _audit(actor, movement, lines, item=item.code)
    return movement


@transaction.atomic
def write_off(
    actor, point: Point, *, batch: Batch, quantity, reason: str, note: str = ""
) -> Movement:
    """报损: ``quantity`` of ``batch`` written off (过期, 损坏, 丢失, 其他; expired stock
    leaves this way). Side effects: lines, holding, minimums, counters, one audit record."""
    check_allowed(actor, point)
    quantity = quantity_of(quantity)
    if reason not in WriteOffReason.values:
        raise ActionError(_("请选择报损原因"), "reason")
    note = clean_text(note, "note", limit=150, required=reason == WriteOffReason.OTHER)
    _check_batch(batch, point, None)
    label = WriteOffReason(reason).label
    movement = _movement(
        MovementKind.WRITE_OFF, point, actor, reason=f"{label}：{note}" if note else str(label)
    )
    posting = ledger.Posting(movement, [batch.item])
    posting.take(_fresh(batch), quantity)
    lines = posting.close()
    _audit(actor, movement, lines, reason=reason)
    return movement


@transaction.atomic
def correct_expiry(actor, batch: Batch, *, expires: date | None, reason: str) -> Batch:
    """更正有效期 of a batch (a typing slip, a supplier's extension): its band follows at
    once, as seen today (the person correcting knows: no notice), and the sweep moves it on
    from there as the new date's thresholds pass. Side effects: the batch, counters, one
    audit record."""
    point = batch.point
    check_allowed(actor, point)
    reason = clean_text(reason, "reason", limit=200)
    ledger.lock_holdings([(point.pk, batch.item_id)])
    b = Batch.objects.select_related("item").get(pk=batch.pk)
    if expires == b.expires:
        raise ActionError(_("有效期未改变"), "expires")
    if expires is not None and b.produced_on is not None and expires < b.produced_on:
        raise ActionError(_("有效期不能早于生产日期"), "expires")
    if expires is not None and not b.item.expires:
        raise ActionError(_("%(item)s 在目录中没有保质期") % {"item": b.item.name}, "expires")
    before = {"expires": b.expires, "band": b.band}
    band = ledger.band_for(expires, timezone.localdate())
    if b.quantity > 0 and band != b.band:
        tally.add_many(
            [
                (b.point_path, ledger.BATCHES, ledger.batch_key(b.klass, b.band), -1),
                (b.point_path, ledger.BATCHES, ledger.batch_key(b.klass, band), 1),
            ]
        )
    Batch.objects.filter(pk=b.pk).update(expires=expires, band=band)
    b.expires, b.band = expires, band
    audit(
        actor=actor,
        action="supplies.correct_expiry",
        obj=b,
        cell_path=b.point_path,
        before=before,
        after={"expires": expires, "band": band},
        note=reason,
    )
    return b


# --- transfers --------------------------------------------------------------------------


def _transfer_lines(lines) -> list[tuple[Item, Decimal, Batch | None]]:
    """``[(item, quantity, unit, batch or None)]`` as given, checked: each a quantity in the
    item's unit."""
    if not lines:
        raise ActionError(_("请填写调拨的物资"), "lines")
    checked = []
    for item, quantity, unit, batch in lines:
        check_unit(item, unit)
        checked.append((item, quantity_of(quantity), batch))
    return checked


@transaction.atomic
def dispatch(actor, source: Point, destination: Point, *, lines, note: str = "") -> Transfer:
    """调拨: take ``lines`` (item, quantity, unit, batch or None) from ``source`` now; they
    are in transit until ``destination`` receives them. Side effects: the transfer, the
    source's lines and holdings (in transit out), counters, one audit record; the
    destination's manager is told."""
    check_allowed(actor, source)
    if actor is not None:
        refused = rules.destination_refusal(actor, source, destination)
        if refused is not None:
            raise ActionError(refused, "destination")
    elif destination.pk == source.pk:
        raise ActionError(_("调入储备点不能与调出储备点相同"), "destination")
    checked = _transfer_lines(lines)
    for _item, _n, batch in checked:
        _check_batch(batch, source, _item)
    now = timezone.now()
    transfer = Transfer(
        source=source,
        destination=destination,
        source_path=source.cell_path,
        destination_path=destination.cell_path,
        note=clean_text(note, "note", limit=200, required=False),
        sent_by=actor if getattr(actor, "pk", None) else None,
        sent_at=now,
    )
    TRANSFER_FLOW.begin(transfer, TransferStep.DISPATCH)
    transfer.save()
    movement = _movement(
        MovementKind.TRANSFER_OUT,
        source,
        actor,
        transfer=transfer,
        purpose=_("调往%(to)s") % {"to": destination.name},
    )
    posting = ledger.Posting(movement, [item for item, _n, _b in checked])
    for item, n, batch in checked:
        ledger.issue(posting, item, n, _fresh(batch))
        posting.holding(item).in_transit_out += n
    posting.moves.append((source.cell_path, ledger.IN_TRANSIT, "", 1))
    posting_lines = posting.close()
    _audit(actor, movement, posting_lines, transfer=transfer.pk, destination=destination.pk)
    if destination.manager_id:
        enqueue_all([_transfer_notice(transfer, destination.manager)])
    return transfer


def _transfer_notice(transfer: Transfer, person) -> Notice:
    return Notice(
        event="resources.transfer",
        subject=_("%(from)s 调拨物资至 %(to)s，请接收")
        % {"from": transfer.source.name, "to": transfer.destination.name},
        body=_("调拨单 %(n)s 在途，请核对后接收。") % {"n": transfer},
        link=f"/resources/supplies/transfers/{transfer.pk}/",
        people=[person],
        dedupe_key=f"supplies.transfer:{transfer.pk}",
    )


def _dispatched(transfer: Transfer) -> list[Line]:
    """The lines that took ``transfer``'s stock from its source."""
    return list(
        Line.objects.filter(movement__transfer=transfer, movement__kind=MovementKind.TRANSFER_OUT)
        .select_related("batch", "item")
        .order_by("id")
    )


@transaction.atomic
def receive_transfer(actor, transfer: Transfer) -> Transfer:
    """接收: the transfer's stock becomes batches at the destination (expiry, price,
    source, origin kept); received once (a second receipt is a 409). Side effects: the
    destination's lines and holdings, the source's in transit out, counters, one audit
    record."""
    t = TRANSFER_FLOW.take(
        Transfer.objects.select_related("source", "destination"),
        transfer.pk,
        TransferStep.RECEIVE,
        actor=actor,
        rule=rules.transfer_refusal,
    )
    sent = _dispatched(t)
    items = {line.item_id: line.item for line in sent}
    holdings = ledger.lock_holdings(
        [(t.source_id, i) for i in items] + [(t.destination_id, i) for i in items]
    )
    movement = _movement(
        MovementKind.TRANSFER_IN,
        t.destination,
        actor,
        transfer=t,
        purpose=_("自%(from)s调入") % {"from": t.source.name},
    )
    posting = ledger.Posting(movement, items.values(), holdings=holdings)
    for line in sent:
        b = line.batch
        posting.put_new(
            line.item,
            -line.delta,
            expires=b.expires,
            produced_on=b.produced_on,
            source=b.source,
            unit_price=b.unit_price,
            lot=b.lot,
            origin=b.origin,
        )
        holdings[(t.source_id, line.item_id)].in_transit_out += line.delta  # delta < 0
    posting.moves.append((t.source_path, ledger.IN_TRANSIT, "", -1))
    lines = posting.close()
    t.closed_by = actor if getattr(actor, "pk", None) else None
    t.closed_at = movement.at
    TRANSFER_FLOW.finish(
        actor,
        t,
        fields=["closed_by", "closed_at"],
        extra={"movement": movement.pk, "lines": _lines_record(lines)},
    )
    return t


@transaction.atomic
def recall_transfer(actor, transfer: Transfer, *, reason: str = "") -> Transfer:
    """撤回: the sender takes back a transfer still in transit; its stock returns to the
    batches it left. Side effects: the source's lines and holdings, counters, one audit
    record."""
    t = TRANSFER_FLOW.take(
        Transfer.objects.select_related("source", "destination"),
        transfer.pk,
        TransferStep.RECALL,
        actor=actor,
        rule=rules.transfer_refusal,
    )
    reason = clean_text(reason, "reason", limit=200, required=False)
    sent = _dispatched(t)
    items = {line.item_id: line.item for line in sent}
    movement = _movement(MovementKind.RECALL, t.source, actor, transfer=t, reason=reason)
    posting = ledger.Posting(movement, items.values())
    for line in sent:
        posting.put(Batch.objects.get(pk=line.batch_id), -line.delta)
        posting.holding(line.item).in_transit_out += line.delta
    posting.moves.append((t.source_path, ledger.IN_TRANSIT, "", -1))
    lines = posting.close()
    t.closed_by = actor if getattr(actor, "pk", None) else None
    t.closed_at = movement.at
    TRANSFER_FLOW.finish(
        actor,
        t,
        fields=["closed_by", "closed_at"],
        note=reason,
        extra={"movement": movement.pk, "lines": _lines_record(lines)},
    )
    return t


# --- requisition with compensation ------------------------------------------------------


@transaction.atomic
def requisition(
    actor,
    point: Point,
    *,
    owner: str,
    owner_phone: str = "",
    lines,
    value,
    note: str = "",
) -> Requisition:
    """征用: goods taken from ``owner`` into ``point`` (``lines``: item, quantity, unit,
    expires or None), to be returned or compensated. Side effects: the requisition, new
    batches of source 征用 and their lines, counters, one audit record."""
    check_allowed(actor, point)
    owner = clean_text(owner, "owner", limit=100)
    owner_phone = clean_text(owner_phone, "owner_phone", limit=20, required=False)
    value = money_of(value, "value", required=True)
    if not lines:
        raise ActionError(_("请填写征用的物资"), "lines")
    today = timezone.localdate()
    checked = []
    for item, quantity, unit, expires in lines:
        check_unit(item, unit)
        check_dates(None, expires, today, item)
        checked.append((item, quantity_of(quantity), expires))
    req = Requisition(
        point=point,
        point_path=point.cell_path,
        owner=owner,
        owner_phone=owner_phone,
        value=value,
        note=clean_text(note, "note", limit=200, required=False),
        taken_by=actor if getattr(actor, "pk", None) else None,
        taken_at=timezone.now(),
    )
    REQUISITION_FLOW.begin(req, RequisitionStep.REQUISITION)
    req.save()
    movement = _movement(
        MovementKind.REQUISITION,
        point,
        actor,
        requisition=req,
        purpose=_("征用：%(owner)s") % {"owner": owner},
    )
    posting = ledger.Posting(movement, [item for item, _n, _e in checked], today=today)
    for item, n, expires in checked:
        posting.put_new(item, n, expires=expires, source=Source.REQUISITION, origin=owner)
    lines_ = posting.close()
    _audit(actor, movement, lines_, requisition=req.pk, owner=owner, value=str(value))
    return req


@transaction.atomic
def return_requisition(actor, requisition: Requisition) -> Requisition:
    """归还: what is left of the requisitioned batches goes back to the owner. Side
    effects: the point's lines and holdings, counters, one audit record."""
    req = REQUISITION_FLOW.take(
        Requisition.objects.select_related("point"),
        requisition.pk,
        RequisitionStep.RETURN,
        actor=actor,
        rule=rules.requisition_refusal,
    )
    taken = Line.objects.filter(
        movement__requisition=req, movement__kind=MovementKind.REQUISITION
    ).select_related("item")
    items = {line.item_id: line.item for line in taken}
    movement = _movement(
        MovementKind.RETURN,
        req.point,
        actor,
        requisition=req,
        purpose=_("归还：%(owner)s") % {"owner": req.owner},
    )
    posting = ledger.Posting(movement, items.values())
    returned = Batch.objects.filter(pk__in=[line.batch_id for line in taken], quantity__gt=0)
    for batch in returned.order_by("id"):
        posting.take(batch, batch.quantity)
    lines = posting.close()
    REQUISITION_FLOW.finish(
        actor, req, extra={"movement": movement.pk, "lines": _lines_record(lines)}
    )
    return req


@transaction.atomic
def compensate(actor, requisition: Requisition, *, amount, note: str = "") -> Requisition:
    """补偿: the owner is paid ``amount`` 元. Side effects: one audit record."""
    amount = money_of(amount, "compensation", required=True)
    req = REQUISITION_FLOW.take(
        Requisition.objects.all(),
        requisition.pk,
        RequisitionStep.COMPENSATE,
        actor=actor,
        rule=rules.requisition_refusal,
    )
    req.compensation = amount
    REQUISITION_FLOW.finish(
        actor,
        req,
        fields=["compensation"],
        note=clean_text(note, "note", limit=200, required=False),
    )
    return req


# --- reserves beside held stock ---------------------------------------------------------


@transaction.atomic
def add_agreement(
    actor,
    *,
    cell: Cell,
    supplier: str,
    item: Item,
    quantity,
    unit: str | None = None,
    starts: date,
    ends: date,
    contact: str = "",
) -> Agreement:
    """协议储备: a supplier bound to deliver up to ``quantity`` of ``item`` between
    ``starts`` and ``ends``. Side effects: one audit record."""
    _check_cell(actor, cell)
    check_unit(item, unit)
    if ends < starts:
        raise ActionError(_("协议截止日期不能早于开始日期"), "ends")
    agreement = Agreement.objects.create(
        cell=cell,
        cell_path=cell.path,
        supplier=clean_text(supplier, "supplier", limit=100),
        contact=clean_text(contact, "contact", limit=20, required=False),
        item=item,
        quantity=quantity_of(quantity),
        starts=starts,
        ends=ends,
    )
    audit(
        actor=actor,
        action="supplies.agreement",
        obj=agreement,
        cell_path=cell.path,
        after={
            "supplier": agreement.supplier,
            "item": item.code,
            "quantity": ledger.plain(agreement.quantity),
            "ends": ends,
        },
    )
    return agreement


@transaction.atomic
def add_capacity(
    actor,
    *,
    cell: Cell,
    enterprise: str,
    item: Item,
    per_day,
    unit: str | None = None,
    contact: str = "",
) -> Capacity:
    """产能储备: an enterprise able to make ``per_day`` of ``item`` a day. Side effects:
    one audit record."""
    _check_cell(actor, cell)
    check_unit(item, unit)
    capacity = Capacity.objects.create(
        cell=cell,
        cell_path=cell.path,
        enterprise=clean_text(enterprise, "enterprise", limit=100),
        contact=clean_text(contact, "contact", limit=20, required=False),
        item=item,
        per_day=quantity_of(per_day, "per_day"),
    )
    audit(
        actor=actor,
        action="supplies.capacity",
        obj=capacity,
        cell_path=cell.path,
        after={
            "enterprise": capacity.enterprise,
            "item": item.code,
            "per_day": ledger.plain(capacity.per_day),
        },
    )
    return capacity


@transaction.atomic
def change_agreement(
    actor,
    agreement: Agreement,
    *,
    supplier: str,
    item: Item,
    quantity,
    unit: str | None = None,
    starts: date,
    ends: date,
    contact: str = "",
) -> Agreement:
    """A 协议储备 corrected or renewed (a new period, another quantity); its cell stays.
    Side effects: one audit record with what it was and what it is."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    _check_cell(actor, agreement.cell)
    check_unit(item, unit)
    if ends < starts:
        raise ActionError(_("协议截止日期不能早于开始日期"), "ends")
    before = _agreement_record(agreement)
    agreement.supplier = clean_text(supplier, "supplier", limit=100)
    agreement.contact = clean_text(contact, "contact", limit=20, required=False)
    agreement.item = item
    agreement.quantity = quantity_of(quantity)
    agreement.starts, agreement.ends = starts, ends
    agreement.save()
    audit(
        actor=actor,
        action="supplies.agreement.change",
        obj=agreement,
        cell_path=agreement.cell_path,
        before=before,
        after=_agreement_record(agreement),
    )
    return agreement


def _agreement_record(a: Agreement) -> dict:
    return {
        "supplier": a.supplier,
        "contact": a.contact,
        "item": a.item.code,
        "quantity": ledger.plain(a.quantity),
        "starts": a.starts,
        "ends": a.ends,
    }


@transaction.atomic
def change_capacity(
    actor,
    capacity: Capacity,
    *,
    enterprise: str,
    item: Item,
    per_day,
    unit: str | None = None,
    contact: str = "",
) -> Capacity:
    """A 产能储备 corrected; its cell stays. Side effects: one audit record."""
    capacity = Capacity.objects.select_for_update().get(pk=capacity.pk)
    _check_cell(actor, capacity.cell)
    check_unit(item, unit)
    before = _capacity_record(capacity)
    capacity.enterprise = clean_text(enterprise, "enterprise", limit=100)
    capacity.contact = clean_text(contact, "contact", limit=20, required=False)
    capacity.item = item
    capacity.per_day = quantity_of(per_day, "per_day")
    capacity.save()
    audit(
        actor=actor,
        action="supplies.capacity.change",
        obj=capacity,
        cell_path=capacity.cell_path,
        before=before,
        after=_capacity_record(capacity),
    )
    return capacity


def _capacity_record(c: Capacity) -> dict:
    return {
        "enterprise": c.enterprise,
        "contact": c.contact,
        "item": c.item.code,
        "per_day": ledger.plain(c.per_day),
    }


def _check_cell(actor, cell: Cell) -> None:
    if actor is not None:
        refused = rules.change_refusal(actor, cell.path)
        if refused is not None:
            raise NotAllowed(refused, "cell")
