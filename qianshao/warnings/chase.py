"""Chasing those who have not answered (催办): a periodic sweep, idempotent, catching up.

Every unanswered delivery carries ``watch_at``: when the sweep must next look at it. At its
due time (the level's 叫应 time after issue) the warning is sent to the recipient again and
the dispatcher of their own level is told; if still unanswered ``escalate`` later, the
dispatcher of the level above is told. Answering, or the warning ending, clears the watch.

"Their own level" is the nearest cell at or above the recipient's with a dispatcher (调度员)
other than the recipient — for a village member, usually the township; "the level above"
is the next such cell above that one (docs/adr/0013). Each step raises the delivery's
``chase_level`` once: a sweep that runs twice, or after the worker was down, never tells
anyone twice, and one that comes late takes every step that fell due meanwhile.

The sweep works on sets, not rows: the deliveries of one warning fall due together, so
it takes each warning's due deliveries by (level, due time) — one UPDATE moves them, the
database writes their resent messages (``notify.outbox.enqueue_query``), one grouped count
by cell tells each dispatcher how many of theirs are late, in one transaction per warning
with the warning locked, and one audit record per warning and step.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import Entry
from qianshao.audit.chain import append_all as audit_all
from qianshao.grid import tree
from qianshao.grid.models import Cell, Person, Role, RoleAssignment, active_on
from qianshao.notify.outbox import Notice, enqueue_all, enqueue_query
from qianshao.warnings import actions, rules
from qianshao.warnings.actions import inbox_link, recipients
from qianshao.warnings.models import Delivery, Status, Warning

NAMES_IN_NOTICE = 10  # up to this many late, a dispatcher's notice names them and their phones


def sweep(now: datetime | None = None) -> int:
    """Expire what has run out, then chase what is due; returns the deliveries handled."""
    now = now or timezone.now()
    expire_due(now)
    due = (
        Delivery.objects.filter(watch_at__lte=now)
        .values_list("warning_id", flat=True)
        .distinct()
        .order_by("warning_id")
    )
    return sum(chase_warning(warning_id, now) for warning_id in list(due))


def expire_due(now: datetime) -> int:
    ended = Warning.objects.filter(status=Status.ISSUED, valid_until__lte=now, parent=None)
    count = 0
    for warning in ended.order_by("valid_until", "pk"):
        actions.expire(warning)
        count += 1
    return count


@transaction.atomic
def chase_warning(warning_id: int, now: datetime) -> int:
    """Take the due deliveries of one warning a step further; returns how many."""
    w = Warning.objects.select_for_update().get(pk=warning_id)  # one sweep at a time
    due = Delivery.objects.filter(warning=w, watch_at__lte=now)
    if w.status != Status.ISSUED or w.valid_until <= now:
        return due.update(watch_at=None)
    rule = rules.rule(w.level)
    groups = list(due.values_list("chase_level", "due_at").annotate(n=Count("id")).order_by())
    chasers, told, handled, moves = _Chasers(w), defaultdict(dict), 0, []
    for level, due_at, _n in groups:
        first, second = due_at, due_at + rule.escalate
        reached = max(level, 1 if now >= first else 0, 2 if now >= second else 0)
        rows = due.filter(chase_level=level, due_at=due_at)
        if level < 1 <= reached:
            _resend(w, rows)
        for step in range(level + 1, reached + 1):
            _count_late(told[step], step, rows, chasers)
        moves.append((rows, reached, second if reached == 1 else None))
    enqueue_all(_notices(w, told, chasers))
    for rows, reached, watch in moves:
        handled += rows.update(chase_level=reached, watch_at=watch, updated_at=now)
    _audit(w, told)
    return handled


@dataclass
class _Late:
    """The late recipients one dispatcher cell is told of, at one step."""

    cell: Cell
    count: int = 0
    where: dict[str, int] = field(default_factory=dict)  # cell name: how many
    names: list[str] = field(default_factory=list)  # who, when few


class _Chasers:
    """The dispatcher cells over one warning's recipients, and who holds them."""

    def __init__(self, w: Warning):
        within = Q(pk__in=[])
        for path in w.targets.values_list("cell_path", flat=True):
            within |= tree.subtree_q(path, "cell__path")
            within |= Q(cell__path__in=tree.ancestor_paths(path))
        posts = RoleAssignment.objects.filter(
            active_on(), within, role=Role.DISPATCHER, department__isnull=True
        ).select_related("cell", "person")
        self.people: dict[str, dict[int, Person]] = defaultdict(dict)
        self.cells: dict[str, Cell] = {}
        for post in posts:
            self.people[post.cell.path][post.person_id] = post.person
            self.cells[post.cell.path] = post.cell
        self.dispatchers = {pk for people in self.people.values() for pk in people}
        self._ladders: dict[str, list[Cell]] = {}

    def ladder(self, path: str, person_id: int | None = None) -> list[Cell]:
        """The dispatcher cells at or above ``path``, nearest first, leaving out a cell
        whose only dispatcher is the recipient ``person_id``."""
        found = self._ladders.get(path)
        if found is None:  # the parent's ladder, with this cell first if it dispatches
            parent = path[: path.rfind(tree.SEPARATOR, 0, len(path) - 1) + 1]
            found = [self.cells[path]] if path in self.cells else []
            found += self.ladder(parent) if parent else []
            self._ladders[path] = found
        if person_id in self.dispatchers:
            return [c for c in found if set(self.people[c.path]) - {person_id}]
        return found


def _resend(w: Warning, rows) -> None:
    """The warning again, to each late recipient: by SMS (in-app when there is no SMS)."""
    sms = bool(settings.SMS_GATEWAY_URL)
    enqueue_query(
        "warnings.resend",
        recipients(rows),
        subject=_("【催办·请立即叫应】%(level)s预警：%(h)s")
        % {"level": w.get_level_display(), "h": w.headline},
        body=_("您尚未回复，请点击链接回复“收到”。"),
        link=inbox_link(w.number),
        payload={"warning": w.number, "level": w.level},
        ref_as="delivery",
        sms=sms,
        inapp=not sms,
    )


def _count_late(late: dict[int, _Late], step: int, rows, chasers: _Chasers) -> None:
    """Add the late ``rows`` to what each dispatcher cell is told at ``step``: how many of
    theirs are late, where, and — when few — who."""

    def count(cell_path: str, name: str, n: int, person_id: int | None = None) -> None:
        ladder = chasers.ladder(cell_path, person_id)
        if len(ladder) < step:
            return  # nobody above: a county recipient's second step
        cell = ladder[step - 1]
        entry = late.setdefault(cell.pk, _Late(cell))
        entry.count += n
        entry.where[name] = entry.where.get(name, 0) + n

    ordinary = rows.exclude(person_id__in=chasers.dispatchers)
    for path, name, n in ordinary.values_list("cell_path", "cell__name").annotate(n=Count("id")):
        count(path, name, n)
    for path, name, person_id in rows.filter(person_id__in=chasers.dispatchers).values_list(
        "cell_path", "cell__name", "person_id"
    ):
        count(path, name, 1, person_id)
    few = [e for e in late.values() if e.count <= NAMES_IN_NOTICE]
    if not few:
        return
    within = Q(pk__in=[])
    for entry in few:
        within |= tree.subtree_q(entry.cell.path, "cell_path")
    wanted = {e.cell.pk: e for e in few}
    people = rows.filter(within).order_by("cell_path", "id")
    for path, person_id, name, phone in people.values_list(
        "cell_path", "person_id", "person__name", "phone"
    ):
        ladder = chasers.ladder(path, person_id)
        if len(ladder) >= step and ladder[step - 1].pk in wanted:
            wanted[ladder[step - 1].pk].names.append(f"{name}（{phone}）")


def _notices(w: Warning, told: dict[int, dict[int, _Late]], chasers: _Chasers) -> list[Notice]:
    """One notice per step and dispatcher cell: how many are late, where, and — when few —
    who, with their phones."""
    subjects = {
        1: _("【未叫应】%(n)s 人未回复%(level)s预警：%(h)s"),
        2: _("【未叫应·上报】%(n)s 人仍未回复%(level)s预警：%(h)s"),
    }
    level, urge = w.get_level_display(), _("请督促：%(who)s")
    notices = []
    for step, found in told.items():
        for late in found.values():
            names = late.names if len(late.names) == late.count else []
            where = "、".join(f"{name} {n} 人" for name, n in sorted(late.where.items()))
            people = chasers.people[late.cell.path]
            notices.append(
                Notice(
                    "warnings.chase",
                    subjects[step] % {"n": late.count, "level": level, "h": w.headline},
                    body=(urge % {"who": "、".join(names) if names else where})[:500],
                    link=f"/warnings/{w.number}/board/?cell={late.cell.code}",
                    people=[people[pk] for pk in sorted(people)],
                    sms=True,
                    # once per warning, step and dispatcher cell: what comes due later for
                    # the same cell (a relay's deliveries are another warning) is on the board
                    dedupe_key=f"warnings.chase:{w.pk}:{step}:{late.cell.pk}",
                    payload={"warning": w.number, "level": step, "late": late.count},
                )
            )
    return notices


def _audit(w: Warning, told: dict[int, dict[int, _Late]]) -> None:
    audit_all(
        [
            Entry(
                actor=None,
                action="warnings.chase",
                obj=w,
                cell_path=w.cell_path,
                after={
                    "level": step,
                    "late": sum(e.count for e in found.values()),
                    "told": sorted(e.cell.code for e in found.values()),
                },
            )
            for step, found in sorted(told.items())
            if found
        ]
    )
