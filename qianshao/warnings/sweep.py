"""Chasing those who have not answered (催办): a periodic sweep, idempotent, catching up.

A warning's deliveries fall due together, at the level's 叫应 time after issue: the
warning keeps that time (``answer_due_at``), how far the chase has come (``chase_level``:
0 not yet, 1 resent and their own level told, 2 the level above told) and when it must go
on (``chase_at``, indexed: the sweep reads only warnings whose time has come). At the due
time, everyone who has not answered is sent the warning again and the dispatcher of their
own level is told; ``escalate`` later, the dispatcher of the level above is told of those
still silent. The warning ending, or everyone answering, ends the chase.

"Their own level" is the nearest cell at or above the recipient's with a dispatcher (调度员)
other than the recipient — for a village member, usually the township; "the level above"
is the next such cell above that one (docs/adr/0013). Each step is taken once — claimed in
the once-per-step record (``workflow.once``: the warning's "chase:1", "chase:2"), the
warning locked: a sweep that runs twice, or after the worker was down, never tells anyone
twice, and one that comes late takes every step that fell due meanwhile.

The sweep works on sets, not rows: the database writes the resent messages from the
unanswered deliveries, the first 5,000 at once and the rest by the worker
(``warnings.fanouts``, docs/adr/0028), and one count grouped by cell tells each dispatcher
how many of theirs are late, with one audit record per warning and step.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import Entry
from qianshao.audit.chain import append_all as audit_all
from qianshao.grid.dispatchers import DispatchCell, Dispatchers
from qianshao.lib.dbsql import among, bulk_cache, plain_rows
from qianshao.notify import fanout
from qianshao.notify.outbox import Notice, enqueue_all
from qianshao.warnings import actions, rules
from qianshao.warnings.models import Delivery, Status, Warning
from qianshao.workflow import once

NAMES_IN_NOTICE = 10  # up to this many late, a dispatcher's notice names them and their phones
NAMED_CELLS_AT_ONCE = 2000  # cells whose late are named, read in one query


def sweep(now: datetime | None = None) -> int:
    """Expire what has run out, then chase what is due; returns the deliveries chased."""
    now = now or timezone.now()
    expire_due(now)
    due = Warning.objects.filter(chase_at__lte=now).order_by("chase_at", "pk")
    return sum(chase_warning(pk, now) for pk in list(due.values_list("pk", flat=True)))


def expire_due(now: datetime) -> int:
    ended = Warning.objects.filter(status=Status.ISSUED, valid_until__lte=now, parent=None)
    count = 0
    for warning in ended.order_by("valid_until", "pk"):
        actions.expire(warning)
        count += 1
    return count


@transaction.atomic
def chase_warning(warning_id: int, now: datetime) -> int:
    """Take the chase of one warning as far as ``now`` asks; returns how many were late."""
    w = Warning.objects.select_for_update().get(pk=warning_id)  # one sweep at a time
    if w.chase_at is None or w.chase_at > now:
        return 0  # another sweep was first
    late = Delivery.objects.filter(warning=w, answered_at__isnull=True)
    chasers = silent = None
    if w.status == Status.ISSUED and w.valid_until > now:
        chasers = Dispatchers(w.targets.values_list("cell_path", flat=True))
        silent = _Silent.read(late, chasers)
    if silent is None or not silent.count:
        Warning.objects.filter(pk=w.pk).update(chase_at=None)
        return 0
    escalate = rules.rule(w.level).escalate
    first, second = w.answer_due_at, w.answer_due_at + escalate
    reached = max(w.chase_level, 1 if now >= first else 0, 2 if now >= second else 0)
    # every step due so far is claimed: the record decides which this sweep takes
    steps = {f"chase:{step}": step for step in range(1, reached + 1)}
    claimed = once.claim_all([(once.subject(w), name) for name in steps], now)
    taken = sorted(steps[name] for _, name in claimed)
    told = {}
    with bulk_cache(connection):  # the resend writes a message per silent recipient
        if 1 in taken:  # the warning again to each: a fan-out (``fanouts.resent``)
            fanout.start("warnings.resend", w.pk, silent.first, silent.last)
        for step in taken:
            told[step] = {}
            _count_late(told[step], step, silent, late, chasers)
        enqueue_all(_notices(w, told, chasers))
    w.chase_level, w.chase_at = reached, second if reached == 1 else None
    w.save(update_fields=["chase_level", "chase_at"])
    _audit(w, told)
    return silent.count if told else 0


@dataclass
class _Silent:
    """Those who have not answered a warning, read once for every step a sweep takes: the
    late who are not dispatchers counted by their cell, the dispatchers among them one by
    one, and how many in all with the span of their ids (the resend's range)."""

    by_cell: list[tuple[str, str, int]]  # (cell path, cell name, how many)
    dispatchers: list[tuple[str, str, int]]  # (cell path, cell name, person id)
    count: int
    first: int | None
    last: int | None

    @classmethod
    def read(cls, rows, chasers: Dispatchers) -> "_Silent":
        # the dispatchers already read, named in one array: not their posts' query again
        theirs = among(connection, "person_id", sorted(chasers.persons))
        grouped = rows.exclude(theirs).values_list("cell_path", "cell__name")
        grouped = grouped.annotate(n=Count("id"), first=Min("id"), last=Max("id")).order_by()
        found = plain_rows(grouped)  # a row per village: tens of thousands
        # the late who are dispatchers themselves, found by the (person, warning) index
        posts = rows.filter(theirs).values_list("cell_path", "cell__name", "person_id", "id")
        ids = [pk for *_, pk in posts]
        firsts = [row[3] for row in found] + ids
        return cls(
            by_cell=[row[:3] for row in found],
            dispatchers=[row[:3] for row in posts],
            count=sum(row[2] for row in found) + len(ids),
            first=min(firsts, default=None),
            last=max([row[4] for row in found] + ids, default=None),
        )


@dataclass
class _Late:
    """The late recipients one dispatcher cell is told of, at one step."""

    cell: DispatchCell
    count: int = 0
    where: dict[str, int] = field(default_factory=dict)  # cell name: how many
    names: list[str] = field(default_factory=list)  # who, when few


def _count_late(
    late: dict[int, _Late], step: int, silent: _Silent, rows, chasers: Dispatchers
) -> None:
    """Add the ``silent`` to what each dispatcher cell is told at ``step``: how many of
    theirs are late, where, and — when few — who (read from ``rows``, the late)."""

    told_of: dict[int, set[str]] = {}  # dispatcher cell: the cells of the late it is told of

    def count(path: str, name: str, n: int, person_id: int | None = None) -> None:
        # once per village of a province's warning: nothing made that is not needed
        ladder = chasers.ladder(path, person_id)
        if len(ladder) < step:
            return  # nobody above: a county recipient's second step
        cell = ladder[step - 1]
        entry = late.get(cell.pk)
        if entry is None:
            entry = late[cell.pk] = _Late(cell)
            told_of[cell.pk] = set()
        entry.count += n
        entry.where[name] = entry.where.get(name, 0) + n
        told_of[cell.pk].add(path)

    for path, name, n in silent.by_cell:
        count(path, name, n)
    for path, name, person_id in silent.dispatchers:
        count(path, name, 1, person_id)
    wanted = {e.cell.pk: e for e in late.values() if e.count <= NAMES_IN_NOTICE}
    # who, in the cells of the few: at most ten cells each, read by the warning's index
    paths = sorted({path for pk in wanted for path in told_of[pk]})
    for first in range(0, len(paths), NAMED_CELLS_AT_ONCE):
        batch = paths[first : first + NAMED_CELLS_AT_ONCE]
        people = rows.filter(cell_path__in=batch).order_by("cell_path", "id")
        for path, person_id, name, phone in people.values_list(
            "cell_path", "person_id", "person__name", "phone"
        ):
            ladder = chasers.ladder(path, person_id)
            if len(ladder) >= step and ladder[step - 1].pk in wanted:
                wanted[ladder[step - 1].pk].names.append(f"{name}（{phone}）")


def _notices(w: Warning, told: dict[int, dict[int, _Late]], chasers: Dispatchers) -> list[Notice]:
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
            notices.append(
                Notice(
                    "warnings.chase",
                    subjects[step] % {"n": late.count, "level": level, "h": w.headline},
                    body=(urge % {"who": "、".join(names) if names else where})[:500],
                    link=f"/warnings/{w.number}/board/?cell={late.cell.code}",
                    people=chasers.of(late.cell),
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
