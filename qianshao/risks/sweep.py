"""The missed-patrol sweep (docs/adr/0024 "Patrols"), run every minute.

Its candidates are the points in force it has something to do for (``watch_at <= now``),
read by the partial index ``risk_point_watch`` alone — never the patrols. A point's
``watch_at`` is its due time when the due time is saved; each visit moves it on to the
next moment a step below falls due (its reminder, its escalation, the due time after), so
a point is read a few times per due time, never every minute while it waits. For each due
time D of a point, each step once (``workflow.once``, the step named with the due time):

- ``remind@D`` at D + grace: the point's patroller is told;
- ``escalate@D`` at D + grace + escalate, or when D is missed first: the dispatchers of
  the point's cell (the nearest at or above it, ``grid.dispatchers``' ladder);
- when the next due time (D + interval) has come with no check-in: a missed patrol for D
  (counted), and the point's due time moves on by one interval — several intervals after a
  downtime, each its own missed row (at most ``MAX_CATCH_UP`` a run: the rest next minute),
  and only the due time still open is reminded.

Idempotent and catching up: the points are locked and read again inside the transaction, a
check-in meanwhile having moved the due time; the steps are claimed once.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.grid import tree
from qianshao.grid.dispatchers import Dispatchers
from qianshao.grid.models import Person
from qianshao.lib.dbsql import update_rows
from qianshao.notify.outbox import Notice, enqueue_all
from qianshao.risks import schedule, tally
from qianshao.risks.models import Outcome, Patrol, RiskKind, RiskPoint, RiskStatus
from qianshao.workflow import once

CHUNK = 1000
MAX_CATCH_UP = schedule.MAX_CATCH_UP  # missed due times written per point and run
SUBJECT = RiskPoint._meta.label_lower  # once.subject of a point: risks.riskpoint:<pk>
REMIND = "remind"
ESCALATE = "escalate"


def candidates(now: datetime) -> list[int]:
    """The points in force the sweep has something to do for by ``now``, by the partial
    index."""
    return list(
        RiskPoint.objects.filter(status=RiskStatus.ACTIVE, watch_at__lte=now)
        .order_by()
        .values_list("pk", flat=True)
    )


def sweep(now: datetime | None = None) -> int:
    """Chase and close the overdue patrols as of ``now``; returns the missed patrols it
    wrote plus the chase steps it took."""
    now = now or timezone.now()
    r = schedule.rule()
    found = sorted(candidates(now))
    done = 0
    for at in range(0, len(found), CHUNK):
        done += _sweep_points(found[at : at + CHUNK], now, r)
    return done


def step_name(step: str, due: datetime) -> str:
    return f"{step}@{due.isoformat()}"


@transaction.atomic
def _sweep_points(ids: list[int], now: datetime, r) -> int:
    grace = timedelta(hours=r.grace_hours)
    escalate_after = grace + timedelta(hours=r.escalate_hours)
    hours = schedule.frequencies()
    kinds = {k.pk: k for k in RiskKind.objects.all()}
    # read again under the lock: a check-in meanwhile has moved the due time (and the watch)
    points = list(
        RiskPoint.objects.select_for_update()
        .filter(pk__in=ids, status=RiskStatus.ACTIVE, watch_at__lte=now)
        .order_by("pk")
        .only("pk", "name", "cell_path", "grade", "kind_id", "patroller_id", "next_due_at")
    )
    missed: list[Patrol] = []
    moved: list[list] = []
    wanted: dict[tuple[str, str], tuple[RiskPoint, str, datetime]] = {}
    for p in points:
        subject = f"{SUBJECT}:{p.pk}"
        due = p.next_due_at
        kind = kinds[p.kind_id]
        following = due
        for _n in range(MAX_CATCH_UP):
            following = due + schedule.interval(p.grade, kind, due, r=r, hours=hours)
            if following > now:
                break
            missed.append(
                Patrol(
                    point_id=p.pk,
                    cell_path=p.cell_path,
                    patroller_id=p.patroller_id,
                    due_at=due,
                    outcome=Outcome.MISSED,
                )
            )
            wanted[(subject, step_name(ESCALATE, due))] = (p, ESCALATE, due)
            due = following
        if due <= now - grace:
            wanted[(subject, step_name(REMIND, due))] = (p, REMIND, due)
        if due <= now - escalate_after:
            wanted[(subject, step_name(ESCALATE, due))] = (p, ESCALATE, due)
        # the next look: the first of its steps still ahead (``now`` when the catch-up
        # stopped short: the rest next minute)
        ahead = [t for t in (due + grace, due + escalate_after, following) if t > now]
        watch = min(ahead) if following > now else now
        adapt = connection.ops.adapt_datetimefield_value
        moved.append([adapt(due), adapt(watch), p.pk])
        p.next_due_at = due
    update_rows(connection, RiskPoint, ["next_due_at", "watch_at"], moved)
    taken = once.claim_all(wanted, now)
    steps = [wanted[pair] for pair in sorted(taken)]
    if missed:
        Patrol.objects.bulk_create(missed)
        tally.add_many(
            (m.cell_path, tally.PATROLS, tally.patrol_key(m.due_at, Outcome.MISSED), 1)
            for m in missed
        )
    if not missed and not steps:
        return 0
    enqueue_all(notices(steps, {m.point_id for m in missed}))
    audit(
        actor=None,
        action="risks.patrol.sweep",
        object_type="risks.riskpoint",
        label=f"{timezone.localtime(now):%Y-%m-%d %H:%M}",
        after={
            "missed": sorted({m.point_id for m in missed}),
            "missed_rows": len(missed),
            REMIND: sorted({p.pk for p, step, _due in steps if step == REMIND}),
            ESCALATE: sorted({p.pk for p, step, _due in steps if step == ESCALATE}),
        },
    )
    return len(missed) + len(steps)


def notices(steps: list[tuple[RiskPoint, str, datetime]], missed: set[int]) -> list[Notice]:
    """One notice per point and step: the patroller reminded of the due time still open;
    the cell's dispatchers told of the overdue or missed due times."""
    if not steps:
        return []
    patrollers = Person.objects.in_bulk({p.patroller_id for p, _s, _d in steps if p.patroller_id})
    escalated = sorted({p.cell_path for p, step, _d in steps if step == ESCALATE})
    ladder = Dispatchers(escalated) if escalated else None
    grouped: dict[tuple[int, str], list] = defaultdict(list)
    for p, step, due in steps:
        grouped[(p.pk, step)].append((p, due))
    found = []
    for (pk, step), rows in sorted(grouped.items()):
        p = rows[0][0]
        dues = sorted(due for _p, due in rows)
        when = f"{timezone.localtime(dues[-1]):%m-%d %H:%M}"
        link = f"/risks/points/{pk}/checkin/"
        if step == REMIND:
            person = patrollers.get(p.patroller_id)
            if person is None:
                continue
            found.append(
                Notice(
                    "risks.patrol_remind",
                    _("【巡查提醒】%(p)s 应于 %(t)s 巡查，尚未打卡") % {"p": p.name, "t": when},
                    body=_("请尽快到现场巡查并打卡。"),
                    link=link,
                    people=[person],
                    dedupe_key=f"risks.patrol:{pk}:{step_name(step, dues[-1])}",
                    action=_("打卡"),
                )
            )
            continue
        cells = ladder.ladder(p.cell_path, p.patroller_id) if ladder else []
        people = ladder.of(cells[0]) if cells else []
        if not people:
            continue
        if pk in missed:
            subject = _("【漏巡】%(p)s 有 %(n)s 次巡查未按期完成（最近应巡 %(t)s）") % {
                "p": p.name,
                "n": len(dues),
                "t": when,
            }
        else:
            subject = _("【巡查超时】%(p)s 应于 %(t)s 巡查，至今未打卡") % {
                "p": p.name,
                "t": when,
            }
        found.append(
            Notice(
                "risks.patrol_escalate",
                subject,
                body=_("请督促巡查人员尽快巡查。"),
                link=f"/risks/patrols/?cell={_code(p.cell_path)}",
                people=people,
                dedupe_key=f"risks.patrol:{pk}:{step_name(step, dues[-1])}",
            )
        )
    return found


def _code(path: str) -> str:
    return tree.codes_of(path)[-1]
