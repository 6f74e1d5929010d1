"""The duty desk's part of the incidents' sweep (docs/adr/0025 "Duty"), run every minute,
its candidates read by partial indexes on ``watch_at``:

- a shift nobody has confirmed the rule's ``checkin_minutes`` after its start: the cell's
  dispatchers (``checkin``), as long again later the dispatchers of the level above
  (``checkin_up``);
- a spot check's answer missing at its deadline: the people on duty again (SMS) and the
  dispatchers of the level that checked (``spot``);
- a handover not accepted in the rule's time: the incoming people and the cell's
  dispatchers (``handover``);
- once a day (``gaps``, its own hourly task): the shifts of the coming ``warn_days`` with
  nobody on them (or none planned) at each duty cell — its dispatchers are told, each cell
  once a day.

Each step once (``workflow.once``); a run after the worker was down takes what fell due.
"""

from collections import Counter
from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.grid.dispatchers import Dispatchers
from qianshao.incidents import actions_duty
from qianshao.incidents.models import DutySetting, Handover, Pattern, Shift, SpotAnswer
from qianshao.notify.outbox import Notice, enqueue_all
from qianshao.workflow import once

CHUNK = 500
GAPS = "incidents.duty_gaps"  # once.subject of the daily look ahead


def sweep(now: datetime) -> int:
    r = actions_duty.rule()
    read: dict = {}  # the dispatchers, read once a run for the chunks that need the same
    return (
        _every_chunk(lambda: _shifts(now, r, read))
        + _every_chunk(lambda: _spots(now, read))
        + _every_chunk(lambda: _handovers(now, read))
    )


def _every_chunk(step) -> int:
    """``step`` (one chunk, its own transaction: the steps taken and the rows read) run
    until a chunk comes short, so that what fell due in the minute is all taken in it — a
    province's spot check falls due for some 1,800 levels at once. Each chunk moves the
    ``watch_at`` of every row it read past ``now`` (or clears it): the next reads on."""
    taken = 0
    while True:
        n, read = step()
        taken += n
        if read < CHUNK:
            return taken


def gaps(now: datetime | None = None) -> int:
    """The daily look ahead (its own task, hourly: the first run of a day does it)."""
    return _gaps(now or timezone.now(), actions_duty.rule())


def _dispatchers(paths, read: dict | None = None) -> Dispatchers:
    key = tuple(sorted(set(paths)))
    if read is None:
        return Dispatchers(key)
    if key not in read:
        read[key] = Dispatchers(key)
    return read[key]


def _tell(dispatchers: Dispatchers, path: str, rung: int, event, subject, body, link, key):
    ladder = dispatchers.ladder(path)
    if len(ladder) <= rung:
        return None
    # the dispatchers as read once for the whole chunk (id, login, mobile: all a notice
    # needs), not a query of people per notice
    return Notice(
        event,
        subject=subject,
        body=body,
        link=link,
        people=dispatchers.of(ladder[rung]),
        sms=True,
        dedupe_key=key,
    )


def _desk(path_code: str) -> str:
    return reverse("duty-desk") + f"?cell={path_code}"


@transaction.atomic
def _shifts(now: datetime, r, read: dict) -> tuple[int, int]:
    ids = list(
        Shift.objects.filter(watch_at__lte=now)
        .order_by("watch_at")
        .values_list("pk", flat=True)[:CHUNK]
    )
    shifts = list(
        Shift.objects.select_for_update(of=("self",))
        .select_related("cell")
        .filter(pk__in=ids, watch_at__lte=now)
    )
    wait = timedelta(minutes=r.checkin_minutes)
    pairs = []
    for s in shifts:
        if s.confirmed_at is None and now < s.ends_at:
            pairs.append((once.subject(s), "checkin"))
            if now >= s.starts_at + 2 * wait:
                pairs.append((once.subject(s), "checkin_up"))
    taken = once.claim_all(pairs, now)
    dispatchers = _dispatchers((s.cell_path for s in shifts), read) if taken else None
    notices = []
    for s in shifts:
        when = f"{timezone.localtime(s.starts_at):%m-%d %H:%M}"
        for step, rung in (("checkin", 0), ("checkin_up", 1)):
            if (once.subject(s), step) in taken:
                notices.append(
                    _tell(
                        dispatchers,
                        s.cell_path,
                        rung,
                        "incidents.checkin_missing",
                        _("【未确认在岗】%(cell)s") % {"cell": s.cell.name},
                        _("%(when)s 开始的班次至今无人确认在岗，请电话核实。") % {"when": when},
                        _desk(s.cell.code),
                        f"incidents.checkin:{s.pk}:{step}",
                    )
                )
        later = s.starts_at + 2 * wait
        s.watch_at = later if s.confirmed_at is None and now < later < s.ends_at else None
    Shift.objects.bulk_update(shifts, ["watch_at"])
    _send(notices)
    return len(taken), len(ids)


@transaction.atomic
def _spots(now: datetime, read: dict) -> tuple[int, int]:
    ids = list(
        SpotAnswer.objects.filter(watch_at__lte=now)
        .order_by("watch_at")
        .values_list("pk", flat=True)[:CHUNK]
    )
    answers = list(
        SpotAnswer.objects.select_for_update(of=("self",))
        .select_related("spot", "cell", "shift__leader", "shift__post_a", "shift__post_b")
        .filter(pk__in=ids, watch_at__lte=now)
    )
    pending = [a for a in answers if a.answered_at is None and a.shift is not None]
    # each answer's chase is claimed once (``once``), in the transaction that queues it: its
    # messages need no dedupe key, and without keys the outbox writes the thousands a
    # province's spot check may leave unanswered by COPY, with no look-up of keys first
    taken = once.claim_all([(once.subject(a), "spot") for a in pending], now)
    notices = []
    dispatchers = _dispatchers((a.spot.cell_path for a in pending), read) if taken else None
    for a in pending:
        if (once.subject(a), "spot") not in taken:
            continue
        link = reverse("duty-spot", args=[a.spot_id])
        notices.append(
            Notice(
                "incidents.spot_missing",
                subject=_("【查岗未应答】%(cell)s请立即应答") % {"cell": a.cell.name},
                link=link,
                people=a.shift.people(),
                sms=True,
            )
        )
        notices.append(
            _tell(
                dispatchers,
                a.spot.cell_path,
                0,
                "incidents.spot_missing",
                _("【查岗未应答】%(cell)s") % {"cell": a.cell.name},
                _("查岗超时未应答。"),
                link,
                None,
            )
        )
    SpotAnswer.objects.filter(pk__in=[a.pk for a in answers]).update(watch_at=None)
    _send(notices)
    return len(taken), len(ids)


@transaction.atomic
def _handovers(now: datetime, read: dict) -> tuple[int, int]:
    ids = list(
        Handover.objects.filter(watch_at__lte=now)
        .order_by("watch_at")
        .values_list("pk", flat=True)[:CHUNK]
    )
    handovers = list(
        Handover.objects.select_for_update(of=("self",))
        .select_related("shift__cell", "to_shift__leader", "to_shift__post_a", "to_shift__post_b")
        .filter(pk__in=ids, watch_at__lte=now)
    )
    pending = [h for h in handovers if h.accepted_at is None and h.to_shift is not None]
    taken = once.claim_all([(once.subject(h), "handover") for h in pending], now)
    dispatchers = _dispatchers((h.cell_path for h in pending), read) if taken else None
    notices = []
    for h in pending:
        if (once.subject(h), "handover") not in taken:
            continue
        cell = h.shift.cell
        notices.append(
            Notice(
                "incidents.handover_missing",
                subject=_("【请确认接班】%(cell)s") % {"cell": cell.name},
                link=_desk(cell.code),
                people=h.to_shift.people(),
                sms=True,
                dedupe_key=f"incidents.handover_missing:{h.pk}",
            )
        )
        notices.append(
            _tell(
                dispatchers,
                h.cell_path,
                0,
                "incidents.handover_missing",
                _("【交接班未确认】%(cell)s") % {"cell": cell.name},
                _("交班后接班人员仍未确认。"),
                _desk(cell.code),
                f"incidents.handover_up:{h.pk}",
            )
        )
    Handover.objects.filter(pk__in=[h.pk for h in handovers]).update(watch_at=None)
    _send(notices)
    return len(taken), len(ids)


def _gaps(now: datetime, r) -> int:
    """Once a day: each duty cell's days of the coming ``warn_days`` with a shift nobody is on
    or none planned."""
    today = timezone.localdate(now)
    step = f"swept@{today.isoformat()}"
    if once.last(GAPS) and once.last(GAPS) >= step:
        return 0
    with transaction.atomic():
        if not once.claim(GAPS, step, now):
            return 0
        horizon = today + timedelta(days=r.warn_days)
        cells = list(actions_duty.duty_cells("").only("pk", "path", "code", "name"))
        staffed = Counter(
            Shift.objects.filter(day__gte=today, day__lt=horizon)
            .exclude(leader__isnull=True, post_a__isnull=True, post_b__isnull=True)
            .values_list("cell_id", "day")
        )
        halves = set(
            DutySetting.objects.filter(pattern=Pattern.HALF).values_list("cell_id", flat=True)
        )
        empty = {}
        for c in cells:
            wanted = 2 if c.pk in halves else 1
            days = [
                today + timedelta(days=k)
                for k in range(r.warn_days)
                if staffed[(c.pk, today + timedelta(days=k))] < wanted
            ]
            if days:
                empty[c] = days
        if not empty:
            return 0
        dispatchers = _dispatchers(c.path for c in empty)
        notices = [
            _tell(
                dispatchers,
                c.path,
                0,
                "incidents.roster_gap",
                _("【排班提醒】%(cell)s有%(n)s天无人值班") % {"cell": c.name, "n": len(days)},
                "、".join(f"{d:%m-%d}" for d in days),
                reverse("duty-roster") + f"?cell={c.code}",
                f"incidents.roster_gap:{c.pk}:{today.isoformat()}",
            )
            for c, days in empty.items()
        ]
        _send(notices)
        return len(empty)


def _send(notices) -> None:
    notices = [n for n in notices if n is not None]
    if notices:
        enqueue_all(notices)
