"""The ledger of supplies: the only code that changes a quantity (docs/adr/0023 "The ledger").

A movement is posted at one point through a ``Posting``, inside the action's transaction:

1. ``Posting(...)`` locks the ``Holding`` rows it needs (created at need) in (point, item)
   order, so that movements of one item at one point queue there, and the reads of its
   batches that follow stay true until commit;
2. ``take`` removes a quantity from a batch with ``UPDATE … SET quantity = quantity - n
   WHERE id = … AND quantity >= n``: no row updated is a 409 naming the batch and what is
   left (a safety net behind the lock, and the check constraint behind that); ``put``
   adds to a batch, ``put_new`` makes one;
3. ``close`` writes the stock-card lines (each with the holding and the batch after it),
   the holdings, the minimums' ``short`` and the counters.

First expiring, first out (``fefo``): unexpired batches by expiry (none last), then receipt.
An expired batch is never issued; it is only written off or counted.

Quantities are written rounded to their three places in SQL too, so that SQLite (which keeps
them as floating point) compares exactly what PostgreSQL does.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.lib.dbsql import insert_new
from qianshao.lib.errors import Conflict
from qianshao.resources import tally
from qianshao.resources.models import (
    Band,
    Batch,
    Holding,
    Item,
    Line,
    Minimum,
    Movement,
    Point,
)

# what a quantity column (14 digits, 3 decimals) holds
MAX_QUANTITY = Decimal("99999999999.999")

BATCHES, SHORT, POINTS, IN_TRANSIT = (
    "supplies_batches",
    "supplies_short",
    "supplies_points",
    "supplies_in_transit",
)
NEAR90, NEAR30 = 90, 30
BAND_ORDER = [Band.OK, Band.NEAR90, Band.NEAR30, Band.EXPIRED]


def band_for(expires: date | None, today: date) -> str:
    """The band of a batch expiring on ``expires`` as seen on ``today``."""
    if expires is None:
        return Band.OK
    if expires < today:
        return Band.EXPIRED
    if expires <= today + timedelta(days=NEAR30):
        return Band.NEAR30
    if expires <= today + timedelta(days=NEAR90):
        return Band.NEAR90
    return Band.OK


def batch_key(klass: str, band: str) -> str:
    return f"{klass}.{band}"


def unexpired(today: date) -> Q:
    return Q(expires__gte=today) | Q(expires__isnull=True)


def fefo(point: Point, item: Item, today: date):
    """The batches an issue takes from, in the order it takes them."""
    return (
        Batch.objects.filter(point=point, item=item, quantity__gt=0)
        .filter(unexpired(today))
        .order_by(F("expires").asc(nulls_last=True), "received_at", "id")
    )


def lock_holdings(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Holding]:
    """The holdings of ``(point id, item id)`` pairs, created at need and locked in
    (point, item) order: whoever moves the same item at the same point waits here."""
    wanted = sorted(set(pairs))
    insert_new(
        connection,
        Holding,
        ["point_id", "item_id", "quantity", "in_transit_out"],
        ["point_id", "item_id"],
        [[p, i, 0, 0] for p, i in wanted],
    )
    wanted_set = set(wanted)
    points = sorted({p for p, _i in wanted})
    items = sorted({i for _p, i in wanted})
    found: dict[tuple[int, int], Holding] = {}
    # One statement: the points' holdings of the items (for a movement, exactly its pairs;
    # for a sweep over many points, perhaps a few more rows locked than needed).
    rows = Holding.objects.select_for_update().filter(point_id__in=points, item_id__in=items)
    for h in rows.order_by("point_id", "item_id"):
        if (h.point_id, h.item_id) in wanted_set:
            found[(h.point_id, h.item_id)] = h
    return found


def lock_pairs(pairs: list[tuple[int, int]]) -> None:
    """Lock the holdings of ``(point id, item id)`` pairs that exist, in (point, item)
    order, reading nothing back (the sweep's thousands). On SQLite every writing transaction
    holds the database's one write lock already (``IMMEDIATE``): nothing to add."""
    if not pairs or connection.vendor != "postgresql":
        return
    table = connection.ops.quote_name(Holding._meta.db_table)
    points, items = zip(*sorted(set(pairs)), strict=True)
    with connection.cursor() as cursor:
        # the pairs as two arrays joined to the holdings: one statement of two parameters,
        # planned as one join (a list of (point, item) pairs is planned as an OR per pair)
        cursor.execute(
            f"SELECT h.id FROM {table} h "
            "JOIN unnest(%s::bigint[], %s::bigint[]) AS p(point_id, item_id) "
            "ON h.point_id = p.point_id AND h.item_id = p.item_id "
            "ORDER BY h.point_id, h.item_id FOR UPDATE OF h",
            [list(points), list(items)],
        )


class Posting:
    """One movement being posted at its point: the holdings it locked, the lines and the
    counters it gathers until ``close``."""

    def __init__(
        self,
        movement: Movement,
        items: Iterable[Item],
        *,
        holdings: dict[tuple[int, int], Holding] | None = None,
        today: date | None = None,
    ):
        self.movement = movement
        self.point = movement.point
        self.today = today or timezone.localdate()
        self.items = {item.pk: item for item in items}
        self.holdings = holdings or lock_holdings((self.point.pk, i) for i in self.items)
        self.lines: list[Line] = []
        self.moves: list[tuple[str, str, str, int]] = []

    def holding(self, item: Item) -> Holding:
        return self.holdings[(self.point.pk, item.pk)]

    # --- the batches ----------------------------------------------------------------

    def take(self, batch: Batch, n: Decimal) -> None:
        """Take ``n`` from ``batch`` (read under the holding's lock): 409 naming the
        batch and what is left when it holds less."""
        if batch.quantity < n:
            raise short_of(batch, batch.quantity)
        done = Batch.objects.filter(pk=batch.pk, quantity__gte=n).update(
            quantity=Round(F("quantity") - n, precision=3)
        )
        if not done:  # changed under us: what is left now, for the answer
            left = Batch.objects.filter(pk=batch.pk).values_list("quantity", flat=True).first()
            raise short_of(batch, left or Decimal(0))
        self._moved(batch, -n)

    def put(self, batch: Batch, n: Decimal) -> None:
        """Add ``n`` to an existing ``batch`` (a recall, a count found more)."""
        if batch.quantity == 0:  # back into the counters, in the band it is in today
            band = band_for(batch.expires, self.today)
            Batch.objects.filter(pk=batch.pk).update(band=band)
            batch.band = band
        Batch.objects.filter(pk=batch.pk).update(quantity=Round(F("quantity") + n, precision=3))
        self._moved(batch, n)

    def put_new(self, item: Item, n: Decimal, **fields) -> Batch:
        """A new batch of ``n`` of ``item`` at the point (a receipt)."""
        batch = Batch.objects.create(
            point=self.point,
            point_path=self.point.cell_path,
            item=item,
            klass=item.klass,
            quantity=n,
            received=n,
            received_at=self.movement.at,
            band=band_for(fields.get("expires"), self.today),
            **fields,
        )
        batch.quantity = Decimal(0)  # as before the line, for _moved
        self._moved(batch, n)
        return batch

    def _moved(self, batch: Batch, delta: Decimal) -> None:
        before = batch.quantity
        after = before + delta
        batch.quantity = after
        holding = self.holding(batch.item)
        holding.quantity += delta
        key = batch_key(batch.klass, batch.band)
        if before == 0 and after > 0:
            self.moves.append((batch.point_path, BATCHES, key, 1))
        elif before > 0 and after == 0:
            self.moves.append((batch.point_path, BATCHES, key, -1))
        self.lines.append(
            Line(
                movement=self.movement,
                batch=batch,
                point=self.point,
                item_id=batch.item_id,
                delta=delta,
                holding_after=holding.quantity,
                batch_after=after,
            )
        )

    # --- closing --------------------------------------------------------------------

    def _within_columns(self) -> None:
        """Every sum this posting made (a batch's, a holding's, its goods in transit, the
        stock card's balances) within what its column holds: one movement's quantity is
        checked as entered, but the sums it adds into are not, and an overflowing value is
        stored by SQLite only to fail every later read (PostgreSQL refuses it: a 500)."""
        for line in self.lines:
            if not (_fits(line.holding_after) and _fits(line.batch_after)):
                raise _overflow()
        for holding in self.holdings.values():
            if not (_fits(holding.quantity) and _fits(holding.in_transit_out)):
                raise _overflow()

    def close(self) -> list[Line]:
        """Write the lines, the holdings, the minimums and the counters; 409 naming
        ``quantity`` when a sum would not fit its column (nothing is written then)."""
        self._within_columns()
        Line.objects.bulk_create(self.lines)
        for holding in self.holdings.values():
            holding.save(update_fields=["quantity", "in_transit_out"])
        self.moves += reckon_minimums(self.point, self.holdings.values(), self.items)
        tally.add_many(self.moves)
        return self.lines


def _fits(value: Decimal) -> bool:
    return -MAX_QUANTITY <= value <= MAX_QUANTITY


def _overflow() -> Conflict:
    return Conflict(_("数量合计超出可记录的范围（%(m)s）") % {"m": MAX_QUANTITY}, "quantity")


def issue(posting: Posting, item: Item, n: Decimal, batch: Batch | None = None) -> None:
    """Take ``n`` of ``item`` at the posting's point: from ``batch`` when one is named (it
    must be unexpired), else first expiring first. 409 when there is not enough unexpired
    stock, naming the batch (or the item) and what is left; nothing is taken then (the
    action's transaction rolls back)."""
    if batch is not None:
        if batch.expires is not None and batch.expires < posting.today:
            raise Conflict(
                _("批次 %(lot)s 已过期（%(d)s），不能出库，只能报损")
                % {"lot": batch.label, "d": batch.expires},
                "batch",
            )
        posting.take(batch, n)
        return
    batches = list(fefo(posting.point, item, posting.today))
    left = sum((b.quantity for b in batches), Decimal(0))
    if left < n:
        raise Conflict(
            _("%(item)s 可出库库存不足：未过期的仅余 %(left)s%(unit)s")
            % {"item": item.name, "left": plain(left), "unit": item.unit},
            "quantity",
        )
    remaining = n
    for b in batches:
        if remaining <= 0:
            break
        part = min(b.quantity, remaining)
        posting.take(b, part)
        remaining -= part


def short_of(batch: Batch, left: Decimal) -> Conflict:
    return Conflict(
        _("批次 %(lot)s 库存不足：仅余 %(left)s") % {"lot": batch.label, "left": plain(left)},
        "batch",
    )


def plain(n: Decimal | None) -> str:
    """A quantity as people write it: 12, 2.5 (not 12.000)."""
    if n is None:
        return ""
    text = f"{Decimal(n):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def reckon_minimums(point: Point, holdings, items: dict[int, Item]) -> list:
    """Mark each minimum of ``point`` among the holdings short or not, and the counter
    moves that follows."""
    mine = {h.item_id: h for h in holdings if h.point_id == point.pk}
    moves = []
    for minimum in Minimum.objects.filter(point=point, item_id__in=list(mine)):
        short = mine[minimum.item_id].quantity < minimum.quantity
        if short != minimum.short:
            Minimum.objects.filter(pk=minimum.pk).update(short=short)
            item = items.get(minimum.item_id) or minimum.item
            moves.append((point.cell_path, SHORT, item.klass, 1 if short else -1))
    return moves


# --- the recount of the figures ---------------------------------------------------------


@tally.recounts(POINTS, BATCHES, SHORT, IN_TRANSIT)
def _recount():
    """Every supplies figure from the records: points by kind, batches holding something by
    (class, band), minimums short by class, transfers in transit at the sender."""
    from django.db.models import Count

    from qianshao.resources.models import Transfer, TransferStatus

    for path, kind, n in (
        Point.objects.values_list("cell_path", "kind").annotate(n=Count("id")).order_by()
    ):
        yield POINTS, path, kind, n
    rows = (
        Batch.objects.filter(quantity__gt=0)
        .values_list("point_path", "klass", "band")
        .annotate(n=Count("id"))
        .order_by()
    )
    for path, klass, band, n in rows:
        yield BATCHES, path, batch_key(klass, band), n
    rows = (
        Minimum.objects.filter(short=True)
        .values_list("point__cell_path", "item__code")
        .annotate(n=Count("id"))
        .order_by()
    )
    for path, code, n in rows:
        yield SHORT, path, code[:1], n
    rows = (
        Transfer.objects.filter(status=TransferStatus.IN_TRANSIT)
        .values_list("source_path")
        .annotate(n=Count("id"))
        .order_by()
    )
    for path, n in rows:
        yield IN_TRANSIT, path, "", n
