"""The kits part's actions (docs/adr/0023 "Kits"): issuing pieces to a duty holder, each
piece's steps (报丢失, 报损坏, 收回, 更换), and keeping one card per holder of a duty.

Each action locks the card, changes the pieces, works out the card's completeness again from
its pieces in use, and moves the ``kit_holders`` / ``kit_complete`` tallies (keyed by the
standard's code) only when the card's holder-ness or completeness changed — all in one
transaction with one audit record.

``actor`` is the user, or ``None`` for the system (the grid's receiver, the sweep, the demo).
"""

from collections import Counter
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.grid.models import RoleAssignment
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.lib.text import clean_text
from qianshao.resources import actions_supplies, permissions_kits, permissions_supplies, tally
from qianshao.resources.models import (
    KITITEM_FLOW,
    Item,
    ItemCondition,
    ItemStatus,
    ItemStep,
    KitCard,
    KitItem,
    KitLine,
    KitStandard,
)

HOLDERS, COMPLETE = "kit_holders", "kit_complete"
MAX_QUANTITY = 50  # pieces of one line issued at once


# --- the tallies ----------------------------------------------------------------------


def _counted(card: KitCard) -> list[tuple[str, str, str, int]]:
    """What ``card`` adds to the tallies as it stands: a holder while active, and complete."""
    if not card.active:
        return []
    code = card.standard.code
    moves = [(card.cell_path, HOLDERS, code, 1)]
    if card.complete:
        moves.append((card.cell_path, COMPLETE, code, 1))
    return moves


def _move(before: list, after: list) -> None:
    """Move the tallies from what a card counted ``before`` to what it counts ``after``."""
    tally.add_many([(p, f, k, -n) for p, f, k, n in before] + list(after))


@tally.recounts(HOLDERS, COMPLETE)
def _recount():
    """Active cards per cell path and standard, and the complete ones among them."""
    rows = (
        KitCard.objects.filter(active=True)
        .values_list("cell_path", "standard__code", "complete")
        .annotate(n=Count("id"))
        .order_by()
    )
    for path, code, complete, n in rows.iterator():
        yield HOLDERS, path, code, n
        if complete:
            yield COMPLETE, path, code, n


# --- completeness ---------------------------------------------------------------------


def in_use_by_line(card: KitCard) -> Counter:
    """{line id: pieces in use} of ``card``: one indexed query."""
    rows = (
        KitItem.objects.filter(card=card, status=ItemStatus.IN_USE)
        .values_list("line")
        .annotate(n=Count("id"))
        .order_by()
    )
    return Counter(dict(rows))


def shortfall(lines, in_use: Counter) -> int:
    """How many pieces the standard's ``lines`` still want, given those ``in_use``."""
    return sum(max(0, line.quantity - in_use.get(line.pk, 0)) for line in lines)


def _recompute(card: KitCard, lines=None, in_use: Counter | None = None) -> None:
    """Set ``card``'s ``missing`` and ``complete`` from its pieces in use (not saved)."""
    lines = list(card.standard.lines.all()) if lines is None else lines
    if in_use is None:
        in_use = in_use_by_line(card) if card.pk else Counter()
    card.missing = shortfall(lines, in_use)
    card.complete = card.missing == 0


def _locked_card(card_id: int) -> KitCard:
    return (
        KitCard.objects.select_for_update(of=("self",)).select_related("standard").get(pk=card_id)
    )


def _save_counts(card: KitCard, before: list) -> None:
    """Save the worked-out completeness and move the tallies by what changed."""
    card.save(update_fields=["missing", "complete"])
    _move(before, _counted(card))


# --- issuing --------------------------------------------------------------------------


def _checked_quantity(quantity) -> int:
    try:
        n = int(quantity)
    except (TypeError, ValueError):
        raise ActionError(_("数量应为整数"), "quantity") from None
    if n <= 0:
        raise ActionError(_("数量须大于 0"), "quantity")
    if n > MAX_QUANTITY:
        raise ActionError(_("一次最多发放 %(n)s 件") % {"n": MAX_QUANTITY}, "quantity")
    return n


def _checked_day(day: date | None, field: str) -> date:
    today = timezone.localdate()
    day = day or today
    if not isinstance(day, date):
        raise ActionError(_("日期格式不正确"), field)
    if day > today:
        raise ActionError(_("日期不能晚于今天"), field)
    return day


def _checked_condition(condition: str) -> str:
    if condition not in ItemCondition.values:
        raise ActionError(_("未知的物品状况"), "condition")
    return condition


def _line_of(card: KitCard, line, lines: dict[int, KitLine]) -> KitLine:
    """The line of the card's standard (``lines``, by id) named by ``line`` (an id), else
    400 naming ``line``."""
    if isinstance(line, KitLine):
        line = line.pk
    try:
        line_id = int(line)
    except (TypeError, ValueError):
        line_id = None
    found = lines.get(line_id)
    if found is None:
        raise ActionError(
            _("“%(s)s”标准中没有该物品") % {"s": card.standard.name},
            "line",
        )
    return found


def issue(
    actor,
    card: KitCard,
    *,
    line,
    quantity=1,
    issued_on: date | None = None,
    condition: str = ItemCondition.NEW,
    note: str = "",
    point=None,
) -> KitCard:
    """发放 ``quantity`` pieces of ``line`` to the card's holder on ``issued_on`` (today),
    from ``point``'s stock when one is given (see ``issue_lines``).

    Side effects: the card's completeness and the tallies; one audit record."""
    return issue_lines(
        actor,
        card,
        {line: quantity},
        issued_on=issued_on,
        condition=condition,
        note=note,
        point=point,
    )


def issue_missing(actor, card: KitCard, **options) -> KitCard:
    """配齐: every piece the card's standard still wants, worked out under the card's lock
    (two clicks at once do not issue twice). 409 naming ``card`` when nothing is missing.
    Options as ``issue_lines``'."""
    return issue_lines(actor, card, None, **options)


def issue_lines(
    actor,
    card: KitCard,
    quantities: dict | None,
    *,
    issued_on: date | None = None,
    condition: str = ItemCondition.NEW,
    note: str = "",
    point=None,
) -> KitCard:
    """发放 pieces of several lines at once ({line id: quantity}; None: what is missing): a
    whole kit handed over in one go. Nothing is issued if any line or quantity is refused.

    From a storage point (``point``, whose stock the actor may move): each line's catalogue
    item (``KitLine.item_code``) is issued there through the supplies' ledger — first
    expiring first, purpose "装备发放：<holder>" — in this same transaction, and each piece
    keeps its movement (``stock_movement_id``). A line without an item code, or a code not in
    the catalogue, is a 400 naming ``line``; too little unexpired stock a 409 naming
    ``point``: nothing is written on either side.

    Side effects: the card's completeness and the tallies; with a point, its stock card,
    holdings, minimums and counters; one audit record (this action's, listing the movement
    and its lines: the ledger writes none of its own here)."""
    refused = permissions_kits.card_refusal(actor, card) if actor is not None else None
    if refused:
        raise NotAllowed(refused, "card")
    wanted = None
    if quantities is not None:
        wanted = [(line, _checked_quantity(quantity)) for line, quantity in quantities.items()]
        if not wanted:
            raise ActionError(_("请选择物品"), "line")
    issued_on = _checked_day(issued_on, "issued_on")
    condition = _checked_condition(condition)
    note = clean_text(note, "note", limit=200, required=False)
    if point is not None and actor is not None:
        refused = permissions_supplies.point_refusal(actor, point)
        if refused:
            raise NotAllowed(refused, "point")
    with transaction.atomic():
        c = _locked_card(card.pk)
        lines = {line.pk: line for line in c.standard.lines.all()}
        if wanted is None:
            given = _missing(c, list(lines.values()))
        else:
            given = [(_line_of(c, line, lines), quantity) for line, quantity in wanted]
        if not c.active:
            raise Conflict(_("该人员已不再担任此职责，不能发放"), "card")
        stock = _issue_stock(actor, c, point, given) if point is not None else None
        before = _counted(c)
        items = [
            KITITEM_FLOW.begin(
                KitItem(
                    card=c,
                    line=line,
                    issued_on=issued_on,
                    condition=condition,
                    note=note,
                    stock_movement_id=stock["movement"] if stock else None,
                ),
                ItemStep.ISSUE,
            )
            for line, quantity in given
            for _i in range(quantity)
        ]
        KitItem.objects.bulk_create(items)
        _recompute(c, list(lines.values()))
        _save_counts(c, before)
        after = {
            "lines": {line.name: quantity for line, quantity in given},
            "issued_on": issued_on.isoformat(),
            "condition": condition,
            "missing": c.missing,
            "complete": c.complete,
        }
        if stock:
            after["stock"] = stock
        audit(
            actor=actor,
            action="resources.kits.issue",
            obj=c,
            cell_path=c.cell_path,
            after=after,
            note=note,
        )
    return c


def _missing(card: KitCard, lines: list[KitLine]) -> list[tuple[KitLine, int]]:
    """Each line the card still wants, with how many (read under the card's lock)."""
    in_use = in_use_by_line(card)
    given = [(line, line.quantity - in_use.get(line.pk, 0)) for line in lines]
    given = [(line, n) for line, n in given if n > 0]
    if not given:
        raise Conflict(_("该装备卡已配齐，没有缺少的物品"), "card")
    return given


def catalogue_items(given: list[tuple[KitLine, int]]) -> dict[int, Item]:
    """{line id: catalogue item} of the lines issued, else 400 naming ``line``: a line with
    no item code, or one the catalogue does not hold (one query)."""
    for line, _n in given:
        if not line.item_code:
            raise ActionError(
                _("“%(line)s”未设置物资编码，不能从储备点发放（请在配备标准中填写）")
                % {"line": line.name},
                "line",
            )
    found = {i.code: i for i in Item.objects.filter(code__in={ln.item_code for ln, _n in given})}
    items = {}
    for line, _n in given:
        if line.item_code not in found:
            raise ActionError(
                _("“%(line)s”的物资编码 %(code)s 不在物资目录中")
                % {"line": line.name, "code": line.item_code},
                "line",
            )
        items[line.pk] = found[line.item_code]
    return items


def _issue_stock(actor, card: KitCard, point, given) -> dict:
    """出库 of the lines' items at ``point`` for ``card``'s holder, through the supplies'
    ledger in the caller's transaction; what the audit record keeps of it."""
    items = catalogue_items(given)
    wanted: dict[int, tuple[Item, int]] = {}
    for line, n in given:  # two lines of one item (a standard may list it twice) add up
        item = items[line.pk]
        wanted[item.pk] = (item, wanted.get(item.pk, (item, 0))[1] + n)
    movement, lines = actions_supplies.issue_within(
        actor,
        point,
        list(wanted.values()),
        purpose=_("装备发放：%(person)s") % {"person": card.person.name},
    )
    return {
        "point": point.pk,
        "movement": movement.pk,
        "lines": actions_supplies.lines_record(lines),
    }


# --- a piece's steps ------------------------------------------------------------------


def step(
    actor,
    item: KitItem,
    step: str,
    *,
    on: date | None = None,
    condition: str = ItemCondition.NEW,
    note: str = "",
) -> KitItem:
    """报丢失, 报损坏 or 收回 a piece in use, or 更换 a lost or damaged one (the new piece,
    issued ``on`` in ``condition``, begins 在用). Returns the piece stepped.

    Side effects: the card's completeness and the tallies; one audit record."""
    if step not in ItemStep.values or step == ItemStep.ISSUE:
        raise ActionError(_("未知的操作"), "step")
    on = _checked_day(on, "on")
    if step == ItemStep.REPLACE:
        condition = _checked_condition(condition)
    note = clean_text(note, "note", limit=200, required=False)
    with transaction.atomic():
        c = _locked_card(item.card_id)
        taken = KITITEM_FLOW.take(
            KitItem.objects.select_related("card", "line"),
            item.pk,
            step,
            actor=actor,
            rule=permissions_kits.item_refusal,
        )
        before = _counted(c)
        taken.changed_on, taken.note = on, note or taken.note
        extra = {}
        if step == ItemStep.REPLACE:
            new = KITITEM_FLOW.begin(
                KitItem(
                    card=c,
                    line=taken.line,
                    issued_on=on,
                    condition=condition,
                    replaces=taken,
                ),
                ItemStep.REPLACE,
            )
            new.save(force_insert=True)
            extra["new_item"] = new.pk
        # the pieces in use as they will be: the stepped one leaves them (a replaced one
        # had left already, its new piece is in)
        in_use = in_use_by_line(c)
        if step != ItemStep.REPLACE:
            in_use[taken.line_id] -= 1
        _recompute(c, in_use=in_use)
        _save_counts(c, before)
        extra |= {"missing": c.missing, "complete": c.complete}
        KITITEM_FLOW.finish(actor, taken, fields=["changed_on", "note"], note=note, extra=extra)
    return taken


# --- cards: one per holder of a duty --------------------------------------------------


def _plan(holding: list[RoleAssignment], today: date):
    """Where and whether a card stands, from the person's terms carrying its duty: the cell
    of the earliest term running today (active), else of the next to begin (inactive);
    with the next day that may change it. None: no term now or to come."""
    running = sorted((a for a in holding if a.is_active(today)), key=lambda a: (a.start, a.pk))
    coming = sorted((a for a in holding if a.start > today), key=lambda a: (a.start, a.pk))
    turns = [a.end + timedelta(days=1) for a in running if a.end] + [a.start for a in coming]
    recheck = min(turns) if turns else None
    if running:
        return running[0].cell, True, recheck
    if coming:
        return coming[0].cell, False, recheck
    return None


def reconcile_person(person_id: int, today: date | None = None) -> list[tuple[KitCard, dict]]:
    """Make the person's kit cards agree with their terms today: a card opened, moved or
    closed per standard as the terms carrying its duty say. Returns the cards changed with
    what they were. Runs in the caller's transaction (the grid's action, the sweep)."""
    today = today or timezone.localdate()
    standards = list(KitStandard.objects.prefetch_related("lines"))
    terms = list(RoleAssignment.objects.filter(person_id=person_id).select_related("cell"))
    duties = {d for a in terms for d in (a.duties or [])}
    cards = {
        c.standard_id: c
        for c in KitCard.objects.select_for_update(of=("self",))
        .select_related("standard")
        .filter(person_id=person_id)
    }
    changed = []
    for standard in standards:
        card = cards.get(standard.pk)
        if card is None and standard.duty not in duties:
            continue
        plan = _plan([a for a in terms if standard.duty in (a.duties or [])], today)
        if card is None and plan is None:
            continue
        if card is None:
            cell, active, recheck = plan
            card = KitCard(
                person_id=person_id,
                standard=standard,
                cell=cell,
                cell_path=cell.path,
                active=active,
                recheck_on=recheck,
            )
            _recompute(card, list(standard.lines.all()))
            card.save(force_insert=True)
            _move([], _counted(card))
            changed.append((card, {}))
            continue
        was = {"cell": card.cell_path, "active": card.active, "recheck_on": card.recheck_on}
        before = _counted(card)
        if plan is None:
            card.active, card.recheck_on = False, None
        else:
            cell, card.active, card.recheck_on = plan
            card.cell, card.cell_path = cell, cell.path
        now = {"cell": card.cell_path, "active": card.active, "recheck_on": card.recheck_on}
        if now != was:
            card.save(update_fields=["cell", "cell_path", "active", "recheck_on"])
            _move(before, _counted(card))
            changed.append((card, was))
    return changed


def open_cards(standard: KitStandard) -> int:
    """Cards for everyone holding (or about to hold) ``standard``'s duty: after an admin
    adds a standard. Reads the terms not ended (the duty is inside a JSON list, so it is
    picked out here). Returns how many cards changed."""
    today = timezone.localdate()
    people = set()
    terms = RoleAssignment.objects.exclude(end__lt=today).values_list("person_id", "duties")
    for person_id, duties in terms.iterator():
        if standard.duty in (duties or []):
            people.add(person_id)
    return sum(len(reconcile_person(p, today)) for p in sorted(people))


def recompute_standard(standard: KitStandard) -> int:
    """Work every card of ``standard`` out again: after an admin changes its lines."""
    lines = list(standard.lines.all())
    in_use: dict[int, Counter] = {}
    rows = (
        KitItem.objects.filter(card__standard=standard, status=ItemStatus.IN_USE)
        .values_list("card", "line")
        .annotate(n=Count("id"))
        .order_by()
    )
    for card_id, line_id, n in rows.iterator():
        in_use.setdefault(card_id, Counter())[line_id] = n
    changed = 0
    for card in (
        KitCard.objects.select_for_update().select_related("standard").filter(standard=standard)
    ):
        before = _counted(card)
        missing = shortfall(lines, in_use.get(card.pk, Counter()))
        if missing != card.missing or (missing == 0) != card.complete:
            card.missing, card.complete = missing, missing == 0
            _save_counts(card, before)
            changed += 1
    return changed
