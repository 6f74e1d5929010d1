"""The supplies' expiry sweep (docs/adr/0023 "Sweep"): each batch that still holds something
moves into its band — 90 days from expiry (near90), 30 (near30), expired — by a step claimed
once (``workflow.once``: ``expiry:90@<expires>``, ``expiry:30@…``, ``expired@…``; a corrected
expiry is a new step), with the counters moved in the same transaction. Each point is told
once per band, naming its batches and suggesting 轮换 (an issue with purpose 轮换, a named
batch): its manager, and the dispatchers of the level above (the ladder of
``grid.dispatchers``). Idempotent and catching up: run twice, or after a week's downtime, it
takes each step once. Candidates come from the partial index (band, expires) of batches
holding something.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qianshao.audit.chain import append as audit
from qianshao.grid.dispatchers import Dispatchers
from qianshao.notify.outbox import Notice, enqueue_all
from qianshao.resources import ledger_supplies as ledger
from qianshao.resources import tally
from qianshao.resources.models import Band, Batch, Point
from qianshao.workflow import once

CHUNK = 500
NAMES_IN_NOTICE = 10
HEADLINE = {
    Band.NEAR90: gettext_lazy("【物资临期】%(point)s 有 %(n)s 个批次将在 90 天内到期"),
    Band.NEAR30: gettext_lazy("【物资临期】%(point)s 有 %(n)s 个批次将在 30 天内到期"),
    Band.EXPIRED: gettext_lazy("【物资过期】%(point)s 有 %(n)s 个批次已过期"),
}


def sweep(now: datetime | None = None) -> int:
    """Move every batch due into its band by ``now``; returns how many moved."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    moved, after = 0, 0
    while True:
        ids = list(
            Batch.objects.filter(
                quantity__gt=0,
                band__in=[Band.OK, Band.NEAR90, Band.NEAR30],
                expires__lte=today + timedelta(days=ledger.NEAR90),
                pk__gt=after,
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:CHUNK]
        )
        if not ids:
            return moved
        moved += move_bands(ids, now)
        after = ids[-1]


@transaction.atomic
def move_bands(ids: list[int], now: datetime) -> int:
    """Move the batches ``ids`` into the bands ``now`` puts them in, each step once; the
    holdings of their items are locked first, as every movement does, so that a batch's
    band and quantity change under one lock."""
    today = timezone.localdate(now)
    pairs = Batch.objects.filter(pk__in=ids).values_list("point_id", "item_id").distinct()
    ledger.lock_holdings(list(pairs))
    due = {}
    for b in Batch.objects.filter(pk__in=ids, quantity__gt=0).select_related("point", "item"):
        band = ledger.band_for(b.expires, today)
        if ledger.BAND_ORDER.index(band) > ledger.BAND_ORDER.index(b.band):
            due[(once.subject(b), ledger.band_step(band, b.expires))] = (b, band)
    taken = once.claim_all(due, now)
    if not taken:
        return 0
    by_band: dict[str, list[int]] = defaultdict(list)
    told: dict[tuple[Point, str], list[Batch]] = defaultdict(list)
    moves = []
    for pair in sorted(taken):
        b, band = due[pair]
        by_band[band].append(b.pk)
        moves += [
            (b.point_path, ledger.BATCHES, ledger.batch_key(b.klass, b.band), -1),
            (b.point_path, ledger.BATCHES, ledger.batch_key(b.klass, band), 1),
        ]
        told[(b.point, band)].append(b)
    for band, pks in by_band.items():
        Batch.objects.filter(pk__in=pks).update(band=band)
    tally.add_many(moves)
    enqueue_all(notices(told, today))
    audit(
        actor=None,
        action="supplies.expiry_sweep",
        object_type="resources.batch",
        label=str(today),
        after={band: sorted(pks) for band, pks in by_band.items()},
    )
    return len(taken)


def notices(told: dict, today) -> list[Notice]:
    """One notice per point and band: to its manager and the dispatchers above it."""
    points = {point for point, _band in told}
    dispatchers = Dispatchers(sorted({p.cell_path for p in points}))
    found = []
    for (point, band), batches in sorted(told.items(), key=lambda kv: (kv[0][0].pk, kv[0][1])):
        above = [c for c in dispatchers.ladder(point.cell_path) if c.path != point.cell_path]
        people = [point.manager] if point.manager_id else []
        if above:
            people += dispatchers.of(above[0])
        names = [
            f"{b.item.name} {b.label} {ledger.plain(b.quantity)}{b.item.unit}"
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
