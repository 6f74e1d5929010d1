"""The incidents' sweep (docs/adr/0025 "Timers"), run every minute (the duty desk's part:
``sweep_duty``).

Its candidates are read by three partial indexes on ``watch_at`` alone (when the sweep next
has something to do for a record), never the whole tables:

- a level that has not passed an incident up (``Relay``): at its deadline its own
  dispatchers are told (``due``), half the rule's ``level_minutes`` later the dispatchers
  of the level above (``escalate``);
- an open incident whose 续报 is due (``update@<due>``): the dispatchers of its cell;
- an order nobody answered (``Order`` 已下达): after the rule's ``order_minutes`` its
  team's leader (``remind``, SMS), after twice that the incident's dispatchers
  (``escalate``).

Each step once (``workflow.once``), in the transaction that moves ``watch_at`` on; a run
after the worker was down takes every step that fell due meanwhile, once.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.grid import tree
from qianshao.incidents import rules, sweep_duty
from qianshao.incidents.actions import _tell, incident_url
from qianshao.incidents.actions_orders import silent_notice
from qianshao.incidents.models import Incident, Order, OrderStatus, Relay
from qianshao.notify.outbox import enqueue_all
from qianshao.workflow import once

CHUNK = 500
DUE, ESCALATE, REMIND = "due", "escalate", "remind"


def sweep(now: datetime | None = None) -> int:
    """Every step due by ``now``; returns how many were taken."""
    now = now or timezone.now()
    r = rules.rule()
    return _relays(now, r) + _updates(now, r) + _orders(now, r) + sweep_duty.sweep(now)


def _ids(model, now) -> list[int]:
    return list(
        model.objects.filter(watch_at__lte=now)
        .order_by("watch_at")
        .values_list("pk", flat=True)[:CHUNK]
    )


@transaction.atomic
def _relays(now: datetime, r) -> int:
    ids = _ids(Relay, now)
    relays = list(
        Relay.objects.select_for_update(of=("self",))
        .select_related("incident", "cell")
        .filter(pk__in=ids, watch_at__lte=now, passed_at__isnull=True)
    )
    half = timedelta(minutes=max(r.level_minutes // 2, 1))
    pairs = []
    for relay in relays:
        subject = once.subject(relay)
        pairs.append((subject, DUE))
        if now >= relay.due_at + half:
            pairs.append((subject, ESCALATE))
    taken = once.claim_all(pairs, now)
    notices = []
    for relay in relays:
        subject = once.subject(relay)
        i = relay.incident
        due = f"{timezone.localtime(relay.due_at):%m-%d %H:%M}"
        if (subject, DUE) in taken:
            notices.append(
                _tell(
                    "incidents.relay_due",
                    relay.cell_path,
                    _("【请上报】%(title)s") % {"title": i.title},
                    _("%(level)s应于 %(due)s 前上报，尚未上报。")
                    % {"level": relay.cell.name, "due": due},
                    incident_url(i),
                    f"incidents.relay_due:{relay.pk}",
                )
            )
        if (subject, ESCALATE) in taken:
            parent = tree.ancestor_paths(relay.cell_path)
            notices.append(
                _tell(
                    "incidents.relay_escalate",
                    parent[-1] if parent else relay.cell_path,
                    _("【迟报】%(level)s：%(title)s")
                    % {"level": relay.cell.name, "title": i.title},
                    _("%(level)s应于 %(due)s 前上报，至今未报，请督促。")
                    % {"level": relay.cell.name, "due": due},
                    incident_url(i),
                    f"incidents.relay_escalate:{relay.pk}",
                )
            )
        relay.watch_at = relay.due_at + half if now < relay.due_at + half else None
    Relay.objects.bulk_update(relays, ["watch_at"])
    Relay.objects.filter(pk__in=ids, passed_at__isnull=False).update(watch_at=None)
    _send(notices)
    return len(taken)


@transaction.atomic
def _updates(now: datetime, r) -> int:
    ids = _ids(Incident, now)
    incidents = list(Incident.objects.select_for_update().filter(pk__in=ids, watch_at__lte=now))
    pairs = [(once.subject(i), f"update@{i.watch_at.isoformat()}") for i in incidents if i.open]
    taken = once.claim_all(pairs, now)
    notices = []
    for i in incidents:
        if i.open and (once.subject(i), f"update@{i.watch_at.isoformat()}") in taken:
            notices.append(
                _tell(
                    "incidents.update_due",
                    i.cell_path,
                    _("【请续报】%(title)s") % {"title": i.title},
                    _("上次报告于 %(at)s，已超过 %(h)s 小时未续报。")
                    % {
                        "at": f"{timezone.localtime(i.last_report_at):%m-%d %H:%M}",
                        "h": r.update_hours,
                    },
                    incident_url(i),
                    f"incidents.update_due:{i.pk}:{i.reports_n}",
                )
            )
        i.watch_at = None  # the next report sets the next one
    Incident.objects.bulk_update(incidents, ["watch_at"])
    _send(notices)
    return len(taken)


@transaction.atomic
def _orders(now: datetime, r) -> int:
    ids = _ids(Order, now)
    orders = list(
        Order.objects.select_for_update(of=("self",))
        .select_related("incident", "team")
        .filter(pk__in=ids, watch_at__lte=now)
    )
    every = timedelta(minutes=r.order_minutes)
    pairs = []
    for o in orders:
        if o.status != OrderStatus.ORDERED:
            continue
        pairs.append((once.subject(o), REMIND))
        if now >= o.ordered_at + 2 * every:
            pairs.append((once.subject(o), ESCALATE))
    taken = once.claim_all(pairs, now)
    notices = []
    for o in orders:
        subject = once.subject(o)
        if (subject, REMIND) in taken:
            notices.append(silent_notice(o, o.incident, escalate=False))
        if (subject, ESCALATE) in taken:
            notices.append(silent_notice(o, o.incident, escalate=True))
        later = o.ordered_at + 2 * every
        o.watch_at = later if o.status == OrderStatus.ORDERED and now < later else None
    Order.objects.bulk_update(orders, ["watch_at"])
    _send(notices)
    return len(taken)


def _send(notices) -> None:
    notices = [n for n in notices if n is not None]
    if notices:
        enqueue_all(notices)
