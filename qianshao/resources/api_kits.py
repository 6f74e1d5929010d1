"""The kits part's endpoints under /api/v1/resources/: the standards with their lines, the duty
holders' kit cards (of a cell's subtree, paginated), a card with its pieces, issuing pieces
(idempotent on ``client_uuid``), a piece's steps, and the completeness of a cell and each of
its children. Everything through scope (``access_kits``) and the actions."""

from datetime import date
from uuid import UUID

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router
from ninja.pagination import paginate
from ninja.responses import Status as HttpStatus

from qianshao.grid import tree
from qianshao.grid.access import cell_or_own
from qianshao.grid.models import Cell
from qianshao.intake.idempotent import submit
from qianshao.lib.errors import NotFound
from qianshao.lib.keyset import Pagination
from qianshao.lib.schemas import Error, Id, LocalDate, OutSchema, StrictSchema
from qianshao.resources import actions_kits, permissions_kits, readiness_kits, steps_kits
from qianshao.resources.access_kits import access_card, access_item, visible_cards
from qianshao.resources.access_supplies import access_point
from qianshao.resources.models import (
    KITITEM_FLOW,
    ItemCondition,
    ItemStep,
    KitItem,
    KitStandard,
)

router = Router(tags=["resources"])
ERRORS = {400: Error, 403: Error, 404: Error, 409: Error}


# --- schemas ----------------------------------------------------------------------------


class KitLineOut(OutSchema):
    id: int
    name: str
    quantity: int
    item_code: str = Field(description="GB/T 38565 fine class (7 digits), or empty")


class StandardOut(OutSchema):
    code: str
    name: str
    duty: str
    duty_label: str
    lines: list[KitLineOut]

    @staticmethod
    def resolve_duty_label(s) -> str:
        return str(s.get_duty_display())

    @staticmethod
    def resolve_lines(s) -> list:
        return list(s.lines.all())


class CardOut(OutSchema):
    id: int
    person: int = Field(..., alias="person_id")
    person_name: str = Field(..., alias="person.name")
    standard: str = Field(..., alias="standard.code")
    standard_name: str = Field(..., alias="standard.name")
    cell: str = Field(..., alias="cell.code")
    cell_name: str = Field(..., alias="cell.name")
    active: bool = Field(description="the person holds the duty today")
    complete: bool
    missing: int = Field(description="pieces the standard still wants")


class KitItemOut(OutSchema):
    id: int
    line: int = Field(..., alias="line_id")
    line_name: str = Field(..., alias="line.name")
    issued_on: date
    condition: ItemCondition
    status: str
    changed_on: date | None
    note: str
    replaces: int | None = Field(None, alias="replaces_id")
    stock_movement: int | None = Field(
        None, alias="stock_movement_id", description="the stock issue it came from, if any"
    )
    steps: list[str] = Field(description="the steps you may take on it now")

    @staticmethod
    def resolve_steps(item, context) -> list[str]:
        user = context["request"].user
        return KITITEM_FLOW.allowed_steps(user, item, permissions_kits.item_refusal)


class CardLineOut(OutSchema):
    line: int
    name: str
    quantity: int
    in_use: int
    missing: int


class CardDetailOut(CardOut):
    lines: list[CardLineOut]
    items: list[KitItemOut]
    may_issue: bool

    @staticmethod
    def resolve_lines(card) -> list[dict]:
        in_use = actions_kits.in_use_by_line(card)
        return [
            {
                "line": line.pk,
                "name": line.name,
                "quantity": line.quantity,
                "in_use": in_use.get(line.pk, 0),
                "missing": max(0, line.quantity - in_use.get(line.pk, 0)),
            }
            for line in card.standard.lines.all()
        ]

    @staticmethod
    def resolve_items(card) -> list:
        items = list(KitItem.objects.filter(card=card).select_related("line").order_by("id"))
        for item in items:
            item.card = card
        return items

    @staticmethod
    def resolve_may_issue(card, context) -> bool:
        user = context["request"].user
        return card.active and permissions_kits.card_refusal(user, card) is None


class IssueIn(StrictSchema):
    client_uuid: UUID = Field(..., description="made by the client; a resend returns the first")
    line: Id = Field(..., description="the id of a line of the card's standard")
    quantity: int = Field(1, description="pieces issued, 1 to 50")
    issued_on: LocalDate | None = Field(None, description="today when omitted")
    condition: ItemCondition = ItemCondition.NEW
    note: str = Field("", max_length=200)
    point: int | None = Field(
        None,
        description="a storage point's id: the pieces are issued from its stock (first "
        "expiring first), each line's catalogue item (item_code); omitted: only recorded",
    )


class KitStepIn(StrictSchema):
    client_uuid: UUID | None = Field(None, description="a resend with it returns the first")
    on: LocalDate | None = Field(None, description="the day (of the new piece, for replace)")
    condition: ItemCondition = Field(ItemCondition.NEW, description="the new piece's (replace)")
    note: str = Field("", max_length=200)


class KitFigureOut(OutSchema):
    code: str
    name: str
    holders: int
    complete: int
    percent: int | None = Field(description="whole percent complete; null with no holders")


class CellKitsOut(OutSchema):
    code: str
    name: str
    holders: int
    complete: int
    percent: int | None
    kits: list[KitFigureOut]


class KitCompletenessOut(OutSchema):
    cell: CellKitsOut
    children: list[CellKitsOut]


# --- helpers ----------------------------------------------------------------------------


def _cell(user, code: str | None) -> Cell:
    try:
        return cell_or_own(user, code)
    except Http404:
        if code:
            raise NotFound(_("网格 %(c)s 不存在或不在您的辖区内") % {"c": code}, "cell") from None
        raise NotFound(_("您没有可查看的网格"), "cell") from None


def _card(user, card_id: int):
    try:
        return access_card(user, card_id)
    except Http404:
        raise NotFound(_("找不到该装备卡"), "card_id") from None


def _cell_kits(cell: Cell, figures: dict) -> dict:
    return {
        "code": cell.code,
        "name": cell.name,
        "holders": figures["kit_holders"],
        "complete": figures["kit_complete"],
        "percent": figures["kit_percent"],
        "kits": [{"code": code, **k} for code, k in figures["kits"].items()],
    }


# --- endpoints --------------------------------------------------------------------------


@router.get("/kits", response={200: list[StandardOut]})
def list_standards(request):
    """The kit standards (九个一, 四小件, those added in the admin), each with its lines."""
    return list(KitStandard.objects.prefetch_related("lines"))


@router.get("/kits/completeness", response={200: KitCompletenessOut, 400: Error, 404: Error})
def completeness(request, cell: str | None = None):
    """Of a cell (your own by default) and each of its children: the holders of each
    standard's duty, those whose kit is complete, and the share (from the tallies)."""
    where = _cell(request.user, cell)
    children = list(Cell.objects.children_of(where).only("code", "name", "path"))
    figures = readiness_kits.figures([where.path] + [c.path for c in children])
    return {
        "cell": _cell_kits(where, figures[where.path]),
        "children": [_cell_kits(c, figures[c.path]) for c in children],
    }


@router.get("/kit-cards", response={200: list[CardOut], 400: Error, 404: Error})
@paginate(Pagination)
def list_cards(
    request,
    cell: str | None = None,
    standard: str | None = None,
    incomplete: bool = False,
    active: bool = True,
):
    """The kit cards under a cell (your scope by default), by cell then standard."""
    found = visible_cards(request.user).select_related("person", "standard", "cell")
    if cell:
        found = found.filter(tree.subtree_q(_cell(request.user, cell).path, "cell_path"))
    if standard:
        found = found.filter(standard__code=standard)
    if incomplete:
        found = found.filter(complete=False)
    return found.filter(active=active).order_by("cell_path", "standard_id", "id")


@router.get("/kit-cards/{int:card_id}", response={200: CardDetailOut, 404: Error})
def get_card(request, card_id: int):
    """A kit card: each line's pieces in use and missing, the pieces and your steps."""
    return _card(request.user, card_id)


@router.post(
    "/kit-cards/{int:card_id}/items",
    response={201: CardDetailOut, 200: CardDetailOut, **ERRORS},
)
def issue_items(request, card_id: int, payload: IssueIn):
    """发放 pieces of a line to the card's holder, from a storage point's stock when ``point``
    is given (in the same transaction: the point's stock card and the pieces). Idempotent on
    ``client_uuid``; 400 naming ``line`` for a line not of the card's standard or without a
    catalogue item (with a point), ``quantity`` for fewer than 1; 404 naming ``point`` for a
    point outside your scope, 403 for one you may not issue from, 409 naming ``point`` when
    it holds too little unexpired stock."""
    user = request.user
    card = _card(user, card_id)
    point = None
    if payload.point is not None:
        try:
            point = access_point(user, payload.point)
        except Http404:
            raise NotFound(_("储备点不存在或不在您的辖区内"), "point") from None

    def act():
        return actions_kits.issue(
            user,
            card,
            line=payload.line,
            quantity=payload.quantity,
            issued_on=payload.issued_on,
            condition=payload.condition,
            note=payload.note,
            point=point,
        )

    done, created = submit(payload.client_uuid, "resources.kits.issue", user, act, on=card)
    return HttpStatus(201 if created else 200, access_card(user, done.pk))


@router.post(
    "/kit-cards/{int:card_id}/items/{int:item_id}/steps/{step}",
    response={200: KitItemOut, **ERRORS},
)
def take_step(request, card_id: int, item_id: int, step: ItemStep, payload: KitStepIn):
    """报丢失 (lose), 报损坏 (damage), 收回 (return) a piece in use, or 更换 (replace) a lost or
    damaged one: the new piece begins 在用. 409 when the piece's status does not allow it."""
    user = request.user
    card = _card(user, card_id)
    try:
        item = access_item(user, item_id)
    except Http404:
        item = None
    if item is None or item.card_id != card.pk:
        raise NotFound(_("该装备卡上没有这件物品"), "item_id")
    if step not in steps_kits.STEPS:
        raise NotFound(_("未知的操作"), "step")
    fields = payload.dict()

    def act():
        return steps_kits.take(user, item, step, fields)

    if payload.client_uuid is None:
        done = act()
    else:
        done, _created = submit(payload.client_uuid, f"resources.kits.{step}", user, act, on=item)
    done = KitItem.objects.select_related("line", "card").get(pk=done.pk)
    return done
