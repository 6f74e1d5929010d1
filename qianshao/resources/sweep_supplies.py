"""The supplies' expiry sweep (docs/adr/0023 "Sweep"): each batch that still holds something
moves into its band — 90 days from expiry (near90), 30 (near30), expired — with the counters
moved in the same transaction. The band is the batch's state: it moves only forward, under
the lock of the batch's holding that every movement takes, so a band moves once however
many sweeps run (every action that writes a batch sets the band it is in that day, and
says nothing: the person knows). Each point is told once per band, naming its batches and
suggesting 轮换 (an issue with purpose 轮换, a named batch): its manager, and the
dispatchers of the level above (the ladder of ``grid.dispatchers``).

Catching up without reading what rests: a finished sweep records its day (``once``:
``swept@<date>``), and the next reads only the batches whose expiry crossed a threshold
since — a range of the (expires) index per band — so a day's sweep reads one day's
expiries, and a week's downtime a week's. The band is in no index, so moving it rewrites
no index entry (PostgreSQL: a HOT update in the room the table's fillfactor leaves).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qianshao.audit.chain import append as audit
from qianshao.grid.dispatchers import Dispatchers
from qianshao.grid.models import Cell
from qianshao.lib.dbsql import among, update_rows
from qianshao.notify.outbox import Notice, enqueue_all
from qianshao.resources import ledger_supplies as ledger
from qianshao.resources import tally
from qianshao.resources.models import Agreement, Band, Batch, Item, Point
from qianshao.workflow import once

CHUNK = 5000
SWEPT = "resources.supplies_expiry"  # once.subject of the sweep's days: swept@<date>
NAMES_IN_NOTICE = 10
RANK = {band: n for n, band in enumerate(ledger.BAND_ORDER)}
HEADLINE = {
    Band.NEAR90: gettext_lazy("【物资临期】%(point)s 有 %(n)s 个批次将在 90 天内到期"),
    Band.NEAR30: gettext_lazy("【物资临期】%(point)s 有 %(n)s 个批次将在 30 天内到期"),
    Band.EXPIRED: gettext_lazy("【物资过期】%(point)s 有 %(n)s 个批次已过期"),
}


def sweep(now: datetime | None = None) -> int:
    """Move every batch due into its band by ``now``; returns how many moved."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    # the candidates with their point and item (which never change), taken in chunks
    # grouped by point: a chunk moves the counters of its own points (and their
    # ancestors), not a share of every point's
    found = sorted(
        {
            row
            for q in due_ranges(last_swept(), today)
            for row in Batch.objects.filter(q, quantity__gt=0)
            .order_by()
            .values_list("point_id", "item_id", "pk")
        }
    )
    dispatchers = _Lazy()
    moved = 0
    for at in range(0, len(found), CHUNK):
        chunk = found[at : at + CHUNK]
        pairs = [(point, item) for point, item, _pk in chunk]
        moved += move_bands([pk for *_pair, pk in chunk], now, dispatchers, pairs=pairs)
    remind_agreements(now, dispatchers)
    once.claim(SWEPT, f"swept@{today.isoformat()}", now)  # all done: the next starts here
    return moved


def last_swept() -> date | None:
    """The last day a sweep finished, or None before the first."""
    step = once.last(SWEPT)
    return date.fromisoformat(step.removeprefix("swept@")) if step else None


@transaction.atomic
def remind_agreements(now: datetime, dispatchers: "_Lazy | None" = None) -> int:
    """协议储备 ending within 30 days: the dispatchers of the agreement's cell (the nearest
    at or above it) are told once per agreement and end date (``expires:30@<ends>``: an
    extended agreement is told again before its new end). Returns how many were told."""
    today = timezone.localdate(now)
    ending = (
        Agreement.objects.filter(ends__gte=today, ends__lte=today + timedelta(days=ledger.NEAR30))
        .select_related("cell", "item")
        .order_by("pk")
    )
    due = {(once.subject(a), f"expires:30@{a.ends.isoformat()}"): a for a in ending}
    taken = once.claim_all(due, now)
    if not taken:
        return 0
    ladder = (dispatchers or _Lazy()).get()
    found = []
    for pair in sorted(taken):
        a = due[pair]
        above = ladder.ladder(a.cell_path)
        people = ladder.of(above[0]) if above else []
        if people:
            found.append(
                Notice(
                    "resources.supplies_agreement",
                    _("【协议储备到期】%(s)s 的%(i)s协议将于 %(d)s 到期")
                    % {"s": a.supplier, "i": a.item.name, "d": a.ends.isoformat()},
                    body=_("可调用 %(n)s%(u)s，请及时续签或另行安排储备。")
                    % {"n": ledger.plain(a.quantity), "u": a.item.unit},
                    link=f"/resources/supplies/?cell={a.cell.code}",
                    people=people,
                    dedupe_key=f"supplies.agreement:{a.pk}:{a.ends.isoformat()}",
                )
            )
    enqueue_all(found)
    audit(
        actor=None,
        action="supplies.agreement_reminder",
        object_type="resources.agreement",
        label=str(today),
        after={"agreements": sorted(due[p].pk for p in taken)},
    )
    return len(taken)


def due_ranges(since: date | None, today: date) -> list[Q]:
    """The batches that may be behind their band on ``today`` when the last sweep finished
    on ``since``: those whose expiry crossed a threshold in between, one range of the
    (expires) index per band (a batch written in between was put in its band that day, and
    is only filtered out here). Before the first sweep, every expiry up to each threshold."""
    found = []
    for band, days in [
        (Band.NEAR90, ledger.NEAR90),
        (Band.NEAR30, ledger.NEAR30),
        (Band.EXPIRED, -1),
    ]:
        behind = ledger.BAND_ORDER[: ledger.BAND_ORDER.index(band)]
        q = Q(band__in=behind, expires__lte=today + timedelta(days=days))
        if since is not None:
            q &= Q(expires__gt=since + timedelta(days=days))
        found.append(q)
    return found


class _Lazy:
    """The dispatchers of the whole tree, read once per sweep and only if someone is told."""

    found: Dispatchers | None = None

    def get(self) -> Dispatchers:
        if self.found is None:
            roots = Cell.objects.filter(parent=None).values_list("path", flat=True)
            self.found = Dispatchers(list(roots))
        return self.found


@dataclass(frozen=True)
class Due:
    """A batch as the sweep reads it (plain values: thousands are read at once)."""

    pk: int
    point_id: int
    point_path: str
    item_id: int
    klass: str
    band: str
    expires: date
    quantity: Decimal
    lot: str

    @property
    def label(self) -> str:
        return self.lot or f"#{self.pk}"


@transaction.atomic
def move_bands(
    ids: list[int],
    now: datetime,
    dispatchers: "_Lazy | None" = None,
    pairs: list[tuple[int, int]] | None = None,
) -> int:
    """Move the batches ``ids`` into the bands ``now`` puts them in, those behind it; the
    holdings of their items are locked first, as every movement does, so that a batch's
    band and quantity change under one lock (and two sweeps move a band once). ``pairs``:
    their (point, item), when the caller has read them already (a batch's point and item
    never change). Returns how many moved."""
    today = timezone.localdate(now)
    if pairs is None:
        pairs = list(
            Batch.objects.filter(pk__in=ids)
            .order_by()
            .values_list("point_id", "item_id")
            .distinct()
        )
    ledger.lock_pairs(pairs)
    rows = (
        Batch.objects.filter(among(connection, "pk", ids), quantity__gt=0)
        .order_by("pk")
        .values_list(*Due.__annotations__)
    )
    by_band: dict[str, list[int]] = defaultdict(list)
    told: dict[tuple[int, str], list[Due]] = defaultdict(list)
    moves: Counter = Counter()  # summed per point first: thousands of batches, few points
    for row in rows:
        b = Due(*row)
        band = ledger.band_for(b.expires, today)
        if RANK[band] <= RANK[b.band]:
            continue  # in its band already (or moved by another sweep)
        by_band[band].append(b.pk)
        moves[(b.point_path, ledger.batch_key(b.klass, b.band))] -= 1
        moves[(b.point_path, ledger.batch_key(b.klass, band))] += 1
        told[(b.point_id, band)].append(b)
    if not by_band:
        return 0
    update_rows(
        connection,
        Batch,
        ["band"],
        [[band, pk] for band, pks in sorted(by_band.items()) for pk in pks],
    )
    tally.add_many((path, ledger.BATCHES, key, n) for (path, key), n in moves.items())
    enqueue_all(notices(told, today, (dispatchers or _Lazy()).get()))
    audit(
        actor=None,
        action="supplies.expiry_sweep",
        object_type="resources.batch",
        label=str(today),
        after={band: pks for band, pks in by_band.items()},
    )
    return sum(len(pks) for pks in by_band.values())


def notices(told: dict, today, dispatchers: Dispatchers) -> list[Notice]:
    """One notice per point and band: to its manager and the dispatchers above it."""
    points = Point.objects.select_related("manager").in_bulk({p for p, _band in told})
    items = Item.objects.in_bulk({b.item_id for batches in told.values() for b in batches})
    found = []
    for (point_id, band), batches in sorted(told.items()):
        point = points[point_id]
        above = [c for c in dispatchers.ladder(point.cell_path) if c.path != point.cell_path]
        people = [point.manager] if point.manager_id else []
        if above:
            people += dispatchers.of(above[0])
        if not people:
            continue
        names = [
            f"{items[b.item_id].name} {b.label} {ledger.plain(b.quantity)}{items[b.item_id].unit}"
            f"（{b.expires:%Y-%m-%d}）"
            for b in batches[:NAMES_IN_NOTICE]
        ]
        if len(batches) > NAMES_IN_NOTICE:
            names.append(_("等"))
        advice = (
            _("请按规定报损处理。")
            if band == Band.EXPIRED
            else _("建议轮换：以“轮换”为用途出库指定批次（如用于演练、发放），并补充新储备。")
        )
        found.append(
            Notice(
                "resources.supplies_expiry",
                str(HEADLINE[band]) % {"point": point.name, "n": len(batches)},
                body="；".join(names) + "。" + str(advice),
                link=f"/resources/supplies/points/{point.pk}/",
                people=people,
                dedupe_key=f"supplies.expiry:{point.pk}:{band}:{today.isoformat()}",
                payload={"point": point.pk, "band": band, "batches": [b.pk for b in batches]},
            )
        )
    return found
