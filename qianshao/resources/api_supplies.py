"""The supplies part's endpoints under /api/v1/resources/ (docs/adr/0023 "API"): the
catalogue, storage points with their stock and stock cards, movements (POST by ``kind``),
transfers and their steps, requisitions and theirs, agreement and capacity reserves, and the
shortage list. Everything through scope (``access_supplies``) and the actions; every POST
carries a ``client_uuid`` (a resend answers the first result)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router
from ninja.pagination import paginate
from ninja.responses import Status as HttpStatus

from qianshao.grid import tree
from qianshao.grid.access import cell_or_own
from qianshao.grid.models import Person
from qianshao.grid.scope import restrict, scope_of
from qianshao.intake.idempotent import submit
from qianshao.lib.errors import ActionError, NotFound
from qianshao.lib.keyset import Pagination
from qianshao.lib.panels import first
from qianshao.lib.schemas import Error, Id, LocalDate, OutSchema, StrictSchema
from qianshao.resources import access_supplies as access
from qianshao.resources import actions_supplies as actions
from qianshao.resources import ledger_supplies as ledger
from qianshao.resources import steps_supplies as steps
from qianshao.resources import tally
from qianshao.resources.models import (
    Batch,
    Holding,
    Item,
    Line,
    Minimum,
    PointKind,
    Source,
    WriteOffReason,
)

router = Router(tags=["resources"])
ERRORS = {400: Error, 403: Error, 404: Error, 409: Error}
STOCK_BATCHES = 500


# --- schemas ----------------------------------------------------------------------------


class CatalogueItemOut(OutSchema):
    code: str
    name: str
    unit: str
    expires: bool
    category: str = Field(..., alias="category.code")


class PointIn(StrictSchema):
    client_uuid: UUID
    cell: str = Field(..., min_length=1, max_length=20, description="the keeping cell's code")
    name: str = Field(..., max_length=64)
    kind: PointKind | None = Field(None, description="县/乡/村 level; from the cell if omitted")
    lon: float | None = None
    lat: float | None = None
    address: str = Field("", max_length=200)
    manager: Id | None = Field(None, description="the manager's person id (in your scope)")


class PointOut(OutSchema):
    id: int
    name: str
    kind: str
    cell: str = Field(..., alias="cell.code")
    cell_name: str = Field(..., alias="cell.name")
    lon: float | None
    lat: float | None
    address: str
    manager: str | None

    @staticmethod
    def resolve_manager(p) -> str | None:
        return p.manager.name if p.manager_id else None


class BatchOut(OutSchema):
    id: int
    item: str = Field(..., alias="item.code")
    lot: str
    quantity: Decimal
    expires: date | None
    produced_on: date | None
    source: str
    unit_price: Decimal | None
    band: str


class HoldingOut(OutSchema):
    item: str = Field(..., alias="item.code")
    name: str = Field(..., alias="item.name")
    unit: str = Field(..., alias="item.unit")
    quantity: Decimal
    in_transit_out: Decimal
    minimum: Decimal | None = None
    short: bool = False


class StockOut(OutSchema):
    point: PointOut
    holdings: list[HoldingOut]
    batches: list[BatchOut] = Field(description="the first 500 by item and expiry")
    batches_truncated: bool


class StockCardLineOut(OutSchema):
    id: int
    movement: int = Field(..., alias="movement_id")
    kind: str = Field(..., alias="movement.kind")
    at: datetime = Field(..., alias="movement.at")
    batch: int = Field(..., alias="batch_id")
    lot: str = Field(..., alias="batch.lot")
    delta: Decimal
    holding_after: Decimal
    batch_after: Decimal


class MovementIn(StrictSchema):
    client_uuid: UUID
    kind: Literal["receive", "issue", "count", "write_off"]
    point: Id = Field(..., description="the storage point's id")
    item: str | None = Field(
        None, max_length=7, description="catalogue code (receive, issue, count)"
    )
    quantity: Decimal | None = Field(None, description="receive, issue, write_off")
    unit: str | None = Field(None, max_length=8, description="must be the catalogue's")
    batch: Id | None = Field(None, description="a named batch (issue: 轮换; write_off)")
    expires: LocalDate | None = None
    produced_on: LocalDate | None = None
    source: Source = Source.PURCHASE
    unit_price: Decimal | None = None
    lot: str = Field("", max_length=40)
    origin: str = Field("", max_length=100)
    purpose: str = Field("", max_length=100, description="issue: what for (轮换, 救灾 …)")
    reason: str = Field("", max_length=200, description="count: why; write_off: 报损原因 code")
    note: str = Field("", max_length=150)
    counted: dict[Id, Decimal] | None = Field(None, description="count: {batch id: found}")


class MovementOut(OutSchema):
    id: int
    kind: str
    point: int = Field(..., alias="point_id")
    at: datetime
    purpose: str
    reason: str
    lines: list[StockCardLineOut]

    @staticmethod
    def resolve_lines(m) -> list:
        return list(m.lines.select_related("movement", "batch").order_by("id"))


class MinimumIn(StrictSchema):
    item: str = Field(..., max_length=7)
    quantity: Decimal


class MinimumOut(OutSchema):
    point: int = Field(..., alias="point_id")
    item: str = Field(..., alias="item.code")
    name: str = Field(..., alias="item.name")
    point_name: str = Field(..., alias="point.name")
    quantity: Decimal
    short: bool


class TransferLineIn(StrictSchema):
    item: str = Field(..., max_length=7)
    quantity: Decimal
    unit: str | None = Field(None, max_length=8)
    batch: Id | None = None


class TransferIn(StrictSchema):
    client_uuid: UUID
    source: Id
    destination: Id
    lines: list[TransferLineIn] = Field(..., max_length=50)
    note: str = Field("", max_length=200)


class TransferOut(OutSchema):
    id: int
    number: str
    status: str
    source: int = Field(..., alias="source_id")
    source_name: str = Field(..., alias="source.name")
    destination: int = Field(..., alias="destination_id")
    destination_name: str = Field(..., alias="destination.name")
    sent_at: datetime
    closed_at: datetime | None
    note: str

    @staticmethod
    def resolve_number(t) -> str:
        return str(t)


class SuppliesStepIn(StrictSchema):
    client_uuid: UUID | None = None
    reason: str = Field("", max_length=200, description="recall: why")
    amount: Decimal | None = Field(None, description="compensate: 元")
    note: str = Field("", max_length=200)


class RequisitionLineIn(StrictSchema):
    item: str = Field(..., max_length=7)
    quantity: Decimal
    unit: str | None = Field(None, max_length=8)
    expires: LocalDate | None = None


class RequisitionIn(StrictSchema):
    client_uuid: UUID
    point: Id
    owner: str = Field(..., max_length=100)
    owner_phone: str = Field("", max_length=20)
    value: Decimal
    lines: list[RequisitionLineIn] = Field(..., max_length=50)
    note: str = Field("", max_length=200)


class RequisitionOut(OutSchema):
    id: int
    number: str
    status: str
    point: int = Field(..., alias="point_id")
    owner: str
    value: Decimal
    compensation: Decimal | None
    taken_at: datetime

    @staticmethod
    def resolve_number(r) -> str:
        return str(r)


class AgreementIn(StrictSchema):
    client_uuid: UUID
    cell: str = Field(..., max_length=20)
    supplier: str = Field(..., max_length=100)
    contact: str = Field("", max_length=20)
    item: str = Field(..., max_length=7)
    quantity: Decimal
    unit: str | None = Field(None, max_length=8)
    starts: LocalDate
    ends: LocalDate


class AgreementOut(OutSchema):
    id: int
    cell: str = Field(..., alias="cell.code")
    supplier: str
    item: str = Field(..., alias="item.code")
    quantity: Decimal
    starts: date
    ends: date


class CapacityIn(StrictSchema):
    client_uuid: UUID
    cell: str = Field(..., max_length=20)
    enterprise: str = Field(..., max_length=100)
    contact: str = Field("", max_length=20)
    item: str = Field(..., max_length=7)
    per_day: Decimal
    unit: str | None = Field(None, max_length=8)


class CapacityOut(OutSchema):
    id: int
    cell: str = Field(..., alias="cell.code")
    enterprise: str
    item: str = Field(..., alias="item.code")
    per_day: Decimal


class ShortagesOut(OutSchema):
    cell: str
    short_by_class: dict[str, int]
    items: list[MinimumOut]


# --- helpers ----------------------------------------------------------------------------


def _cell(user, code: str | None, field: str = "cell"):
    try:
        return cell_or_own(user, code)
    except Http404:
        if code:
            raise NotFound(_("网格 %(c)s 不存在或不在您的辖区内") % {"c": code}, field) from None
        raise NotFound(_("您没有可查看的网格"), field) from None


def _point(user, point_id: int, field: str = "point"):
    try:
        return access.access_point(user, point_id)
    except Http404:
        raise NotFound(_("储备点 %(p)s 不存在或不在您的辖区内") % {"p": point_id}, field) from None


def _item(code: str | None, field: str = "item") -> Item:
    if not code:
        raise ActionError(_("请填写物资代码"), field)
    item = access.item_by_code(code)
    if item is None:
        raise ActionError(_("目录中没有物资代码 %(c)s") % {"c": code}, field)
    return item


def _batch(point, batch_id: int | None, field: str = "batch") -> Batch | None:
    if batch_id is None:
        return None
    found = Batch.objects.select_related("item").filter(pk=batch_id, point=point).first()
    if found is None:
        raise ActionError(_("批次 %(b)s 不在此储备点") % {"b": batch_id}, field)
    return found


def _required(value, field: str):
    if value is None or value == "":
        raise ActionError(_("不能为空"), field)
    return value


def _answer(result, created: bool):
    return HttpStatus(201 if created else 200, result)


# --- the catalogue and points -----------------------------------------------------------


@router.get("/catalogue", response={200: list[CatalogueItemOut]})
@paginate(Pagination)
def list_catalogue(request, q: str = ""):
    """The catalogue's items (GB/T 38565-2020 codes), by code; ``q``: a code prefix or a
    part of the name."""
    found = Item.objects.select_related("category").order_by("code")
    q = q.strip()
    if q.isascii() and q.isdigit():
        found = found.filter(code__startswith=q)
    elif q:
        found = found.filter(name__contains=q)
    return found


@router.get("/points", response={200: list[PointOut], 404: Error})
@paginate(Pagination)
def list_points(request, cell: str | None = None):
    """Storage points in ``cell``'s subtree (your own cell by default)."""
    root = _cell(request.user, cell)
    return (
        access.visible_points(request.user)
        .filter(tree.subtree_q(root.path, "cell_path"))
        .select_related("cell", "manager")
        .order_by("cell_path", "id")
    )


@router.post("/points", response={201: PointOut, 200: PointOut, **ERRORS})
def create_point(request, payload: PointIn):
    """A storage point kept by ``cell`` (a managing post at it or above)."""
    user = request.user
    cell = _cell(user, payload.cell)
    manager = None
    if payload.manager is not None:
        manager = access_manager(user, payload.manager)

    def make():
        return actions.create_point(
            user,
            cell=cell,
            name=payload.name,
            kind=payload.kind or "",
            lon=payload.lon,
            lat=payload.lat,
            address=payload.address,
            manager=manager,
        )

    return _answer(*submit(payload.client_uuid, "supplies.point", user, make))


def access_manager(user, person_id: int) -> Person:
    from qianshao.grid.access import access_person

    try:
        return access_person(user, person_id)
    except Http404:
        raise NotFound(
            _("人员 %(p)s 不存在或不在您的辖区内") % {"p": person_id}, "manager"
        ) from None


@router.get("/points/{point_id}", response={200: PointOut, 404: Error})
def get_point(request, point_id: int):
    """One storage point."""
    return _point(request.user, point_id)


@router.get("/points/{point_id}/stock", response={200: StockOut, 404: Error})
def point_stock(request, point_id: int):
    """What a point holds: each item's holding (with its minimum) and the batches that hold
    something, first expiring first."""
    point = _point(request.user, point_id)
    holdings = list(
        Holding.objects.filter(point=point).select_related("item").order_by("item__code")
    )
    minimums = {m.item_id: m for m in Minimum.objects.filter(point=point)}
    for h in holdings:
        m = minimums.get(h.item_id)
        h.minimum, h.short = (m.quantity, m.short) if m else (None, False)
    batches, truncated = first(
        Batch.objects.filter(point=point, quantity__gt=0)
        .select_related("item")
        .order_by("item__code", "expires", "id"),
        STOCK_BATCHES,
    )
    return {
        "point": point,
        "holdings": holdings,
        "batches": batches,
        "batches_truncated": truncated,
    }


@router.get(
    "/points/{point_id}/card", response={200: list[StockCardLineOut], 400: Error, 404: Error}
)
@paginate(Pagination)
def stock_card(request, point_id: int, item: str):
    """An item's stock card at a point: every line, newest first, with the balance after."""
    point = _point(request.user, point_id)
    found = _item(item)
    return (
        Line.objects.filter(point=point, item=found)
        .select_related("movement", "batch")
        .order_by("-id")
    )


@router.post("/points/{point_id}/minimums", response={200: MinimumOut, **ERRORS})
def set_minimum(request, point_id: int, payload: MinimumIn):
    """The least a point should hold of an item (0: no level)."""
    point = _point(request.user, point_id)
    minimum = actions.set_minimum(
        request.user, point, item=_item(payload.item), quantity=payload.quantity
    )
    return Minimum.objects.select_related("item", "point").get(pk=minimum.pk)


# --- movements --------------------------------------------------------------------------


@router.post("/movements", response={201: MovementOut, 200: MovementOut, **ERRORS})
def post_movement(request, payload: MovementIn):
    """One movement of stock at a point, by ``kind``: receive (入库), issue (出库, first
    expiring first or the named batch), count (盘点: ``counted`` and ``reason``), write_off
    (报损: ``batch``, ``quantity``, ``reason`` one of expired, damaged, lost, other). More
    than a batch holds is a 409 naming ``batch``; a unit not the catalogue's, 400 naming
    ``unit``."""
    user = request.user
    p = payload
    point = _point(user, p.point)
    run = {
        "receive": lambda: actions.receive(
            user,
            point,
            item=_item(p.item),
            quantity=_required(p.quantity, "quantity"),
            unit=p.unit,
            expires=p.expires,
            produced_on=p.produced_on,
            source=p.source,
            unit_price=p.unit_price,
            lot=p.lot,
            origin=p.origin,
            purpose=p.purpose,
        ),
        "issue": lambda: actions.issue(
            user,
            point,
            item=_item(p.item),
            quantity=_required(p.quantity, "quantity"),
            unit=p.unit,
            purpose=p.purpose,
            batch=_batch(point, p.batch),
        ),
        "count": lambda: actions.count(
            user, point, item=_item(p.item), counted=p.counted or {}, reason=p.reason
        ),
        "write_off": lambda: actions.write_off(
            user,
            point,
            batch=_required(_batch(point, p.batch), "batch"),
            quantity=_required(p.quantity, "quantity"),
            reason=p.reason if p.reason in WriteOffReason.values else "",
            note=p.note,
        ),
    }[p.kind]
    return _answer(*submit(p.client_uuid, f"supplies.{p.kind}", user, run, on=point))


# --- transfers --------------------------------------------------------------------------


def _transfer(user, transfer_id: int):
    try:
        return access.access_transfer(user, transfer_id)
    except Http404:
        raise NotFound(_("调拨单不存在或不在您的辖区内"), "transfer") from None


@router.get("/transfers", response={200: list[TransferOut], 404: Error})
@paginate(Pagination)
def list_transfers(request, cell: str | None = None, status: str | None = None):
    """Transfers from or to the points of ``cell``'s subtree, newest first."""
    root = _cell(request.user, cell)
    found = access.visible_transfers(request.user).filter(access.transfers_q([root.path]))
    if status:
        found = found.filter(status=status)
    return found.select_related("source", "destination").order_by("-id")


@router.post("/transfers", response={201: TransferOut, 200: TransferOut, **ERRORS})
def dispatch(request, payload: TransferIn):
    """调拨: the lines leave ``source`` now and are in transit until ``destination`` receives
    them."""
    user = request.user
    source = _point(user, payload.source, "source")
    destination = access.Point.objects.filter(pk=payload.destination).first()
    if destination is None or not (
        scope_of(user).covers(destination.cell_path)
        or tree.is_within(source.cell_path, destination.cell_path)
    ):  # neither seen nor above the source: as if it did not exist
        raise NotFound(_("调入储备点不存在或不可调入"), "destination")
    lines = [
        (_item(line.item, "lines"), line.quantity, line.unit, _batch(source, line.batch, "lines"))
        for line in payload.lines
    ]

    def send():
        return actions.dispatch(user, source, destination, lines=lines, note=payload.note)

    return _answer(*submit(payload.client_uuid, "supplies.transfer", user, send, on=source))


@router.get("/transfers/{transfer_id}", response={200: TransferOut, 404: Error})
def get_transfer(request, transfer_id: int):
    """One transfer, seen from either end."""
    return _transfer(request.user, transfer_id)


@router.post("/transfers/{transfer_id}/steps/{step}", response={200: TransferOut, **ERRORS})
def transfer_step(
    request, transfer_id: int, step: Literal["receive", "recall"], payload: SuppliesStepIn
):
    """接收 (the destination's managers; a second receipt is a 409) or 撤回 (the source's,
    while in transit)."""
    t = _transfer(request.user, transfer_id)
    fields = {"reason": payload.reason}
    if payload.client_uuid:
        result, _created = submit(
            payload.client_uuid,
            f"supplies.transfer.{step}",
            request.user,
            lambda: steps.take_transfer(request.user, t, step, fields),
            on=t,
        )
        return result
    return steps.take_transfer(request.user, t, step, fields)


# --- requisitions -----------------------------------------------------------------------


def _requisition(user, requisition_id: int):
    try:
        return access.access_requisition(user, requisition_id)
    except Http404:
        raise NotFound(_("征用记录不存在或不在您的辖区内"), "requisition") from None


@router.get("/requisitions", response={200: list[RequisitionOut], 404: Error})
@paginate(Pagination)
def list_requisitions(request, cell: str | None = None):
    """Requisitions into the points of ``cell``'s subtree, newest first."""
    root = _cell(request.user, cell)
    return (
        access.visible_requisitions(request.user)
        .filter(tree.subtree_q(root.path, "point_path"))
        .order_by("-id")
    )


@router.post("/requisitions", response={201: RequisitionOut, 200: RequisitionOut, **ERRORS})
def requisition(request, payload: RequisitionIn):
    """征用: goods taken from an owner into a point, to be returned or compensated."""
    user = request.user
    point = _point(user, payload.point)
    lines = [
        (_item(line.item, "lines"), line.quantity, line.unit, line.expires)
        for line in payload.lines
    ]

    def take():
        return actions.requisition(
            user,
            point,
            owner=payload.owner,
            owner_phone=payload.owner_phone,
            lines=lines,
            value=payload.value,
            note=payload.note,
        )

    return _answer(*submit(payload.client_uuid, "supplies.requisition", user, take, on=point))


@router.post(
    "/requisitions/{requisition_id}/steps/{step}", response={200: RequisitionOut, **ERRORS}
)
def requisition_step(
    request, requisition_id: int, step: Literal["return", "compensate"], payload: SuppliesStepIn
):
    """归还 (what is left goes back) or 补偿 (``amount`` 元 paid)."""
    r = _requisition(request.user, requisition_id)
    fields = {"amount": payload.amount, "note": payload.note}
    if payload.client_uuid:
        result, _created = submit(
            payload.client_uuid,
            f"supplies.requisition.{step}",
            request.user,
            lambda: steps.take_requisition(request.user, r, step, fields),
            on=r,
        )
        return result
    return steps.take_requisition(request.user, r, step, fields)


# --- reserves beside held stock ---------------------------------------------------------


@router.get("/agreements", response={200: list[AgreementOut], 404: Error})
@paginate(Pagination)
def list_agreements(request, cell: str | None = None):
    """协议储备 in ``cell``'s subtree."""
    root = _cell(request.user, cell)
    return (
        access.visible_agreements(request.user)
        .filter(tree.subtree_q(root.path, "cell_path"))
        .select_related("cell", "item")
        .order_by("cell_path", "id")
    )


@router.post("/agreements", response={201: AgreementOut, 200: AgreementOut, **ERRORS})
def add_agreement(request, payload: AgreementIn):
    """协议储备: a supplier bound to deliver up to ``quantity`` within a period."""
    user = request.user
    cell = _cell(user, payload.cell)
    item = _item(payload.item)

    def add():
        return actions.add_agreement(
            user,
            cell=cell,
            supplier=payload.supplier,
            contact=payload.contact,
            item=item,
            quantity=payload.quantity,
            unit=payload.unit,
            starts=payload.starts,
            ends=payload.ends,
        )

    return _answer(*submit(payload.client_uuid, "supplies.agreement", user, add))


@router.get("/capacities", response={200: list[CapacityOut], 404: Error})
@paginate(Pagination)
def list_capacities(request, cell: str | None = None):
    """产能储备 in ``cell``'s subtree."""
    root = _cell(request.user, cell)
    return (
        access.visible_capacities(request.user)
        .filter(tree.subtree_q(root.path, "cell_path"))
        .select_related("cell", "item")
        .order_by("cell_path", "id")
    )


@router.post("/capacities", response={201: CapacityOut, 200: CapacityOut, **ERRORS})
def add_capacity(request, payload: CapacityIn):
    """产能储备: an enterprise able to make ``per_day`` of an item a day."""
    user = request.user
    cell = _cell(user, payload.cell)
    item = _item(payload.item)

    def add():
        return actions.add_capacity(
            user,
            cell=cell,
            enterprise=payload.enterprise,
            contact=payload.contact,
            item=item,
            per_day=payload.per_day,
            unit=payload.unit,
        )

    return _answer(*submit(payload.client_uuid, "supplies.capacity", user, add))


# --- shortages --------------------------------------------------------------------------

SHORTAGE_LIMIT = 200


@router.get("/shortages", response={200: ShortagesOut, 404: Error})
def shortages(request, cell: str | None = None):
    """The shortage list of ``cell``'s subtree: how many minimums are short by class (from
    the counters), and the first 200 short items with their points."""
    root = _cell(request.user, cell)
    counts = tally.read(root.path, ledger.SHORT).get(ledger.SHORT, {})
    items = (
        restrict(Minimum.objects.filter(short=True), request.user)
        .filter(tree.subtree_q(root.path, "point__cell_path"))
        .select_related("item", "point")
        .order_by("point__cell_path", "point_id", "item__code")[:SHORTAGE_LIMIT]
    )
    return {
        "cell": root.code,
        "short_by_class": {k: n for k, n in counts.items() if n},
        "items": list(items),
    }
