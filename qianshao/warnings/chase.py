"""Chasing those who have not answered (催办): a periodic sweep, idempotent, catching up.

Every unanswered delivery carries ``watch_at``: when the sweep must next look at it. At its
due time (the level's 叫应 time after issue) the warning is sent to the recipient again and
the dispatcher of their own level is told; if still unanswered ``escalate`` later, the
dispatcher of the level above is told. Answering, or the warning ending, clears the watch.

"Their own level" is the nearest cell at or above the recipient's with a dispatcher (调度员)
other than the recipient — for a village member, usually the township; "the level above"
is the next such cell above that one. Each step raises the delivery's ``chase_level`` once:
a sweep that runs twice, or after the worker was down, never tells anyone twice, and one
that comes late takes every step that fell due meanwhile.

Deliveries are handled in batches, each in one transaction: the chase marks, the resent
messages and the notices (one per dispatcher and warning, naming who has not answered) and
one audit record per warning and level.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import Entry
from qianshao.audit.chain import append_all as audit_all
from qianshao.grid import tree
from qianshao.grid.models import Cell, Person, Role, RoleAssignment, active_on
from qianshao.lib.dbsql import update_rows
from qianshao.notify.outbox import Letter, Notice, enqueue_all, enqueue_letters
from qianshao.warnings import actions, links, rules
from qianshao.warnings.models import Delivery, Status, Warning

BATCH = 10_000
MAX_PER_SWEEP = 500_000
NAMES_IN_NOTICE = 10


def sweep(now: datetime | None = None) -> int:
    """Expire what has run out, then chase what is due; returns the deliveries handled."""
    now = now or timezone.now()
    expire_due(now)
    handled, chasers = 0, {}
    while handled < MAX_PER_SWEEP:
        done = chase_batch(now, BATCH, chasers)
        handled += done
        if done < BATCH:
            break
    return handled


def expire_due(now: datetime) -> int:
    ended = Warning.objects.filter(status=Status.ISSUED, valid_until__lte=now, parent=None)
    count = 0
    for warning in ended.order_by("valid_until", "pk"):
        actions.expire(warning)
        count += 1
    return count


@dataclass
class _Due:
    pk: int
    warning_id: int
    person_id: int
    cell_path: str
    level: int
    due_at: datetime
    phone: str
    user_id: int | None
    name: str


@dataclass
class _Step:
    """One chase step of one warning to one dispatcher cell: who is late."""

    level: int
    cell: Cell
    late: list[_Due] = field(default_factory=list)


@transaction.atomic
def chase_batch(now: datetime, size: int, chasers: dict | None = None) -> int:
    """Take the next ``size`` due deliveries a step further; returns how many were due.
    ``chasers`` keeps each warning's dispatcher cells from batch to batch of one sweep."""
    due = _due(now, size)
    if not due:
        return 0
    warnings = {w.pk: w for w in Warning.objects.filter(pk__in={d.warning_id for d in due})}
    ended = [d for d in due if not _live(warnings[d.warning_id], now)]
    moves, resend, steps = [], [], {}
    chasers = {} if chasers is None else chasers
    for w in warnings.values():
        if _live(w, now) and w.pk not in chasers:
            chasers[w.pk] = _Chasers(w)
    for d in due:
        w = warnings[d.warning_id]
        if not _live(w, now):
            continue
        first, second = d.due_at, d.due_at + rules.rule(w.level).escalate
        level = d.level
        if level < 1 and now >= first:
            level = 1
            resend.append(d)
        if level < 2 and now >= second:
            level = 2
        for step in range(d.level + 1, level + 1):
            cell = chasers[w.pk].cell_for(d, step)
            if cell is not None:
                key = (w.pk, step, cell.pk)
                steps.setdefault(key, _Step(step, cell)).late.append(d)
        moves.append((d, level, second if level == 1 else None))
    adapt = connection.ops.adapt_datetimefield_value
    stamp = adapt(now)
    update_rows(
        connection,
        Delivery._meta.db_table,
        ["chase_level", "watch_at", "updated_at"],
        [[level, adapt(watch), stamp, d.pk] for d, level, watch in moves]
        + [[d.level, None, stamp, d.pk] for d in ended],
    )
    _resend(warnings, resend)
    _tell_dispatchers(warnings, chasers, steps)
    _audit(warnings, steps)
    return len(due)


def _due(now: datetime, size: int) -> list[_Due]:
    rows = (
        Delivery.objects.filter(watch_at__lte=now)
        .order_by("watch_at", "id")
        .values_list(
            "pk",
            "warning_id",
            "person_id",
            "cell_path",
            "chase_level",
            "due_at",
            "phone",
            "person__user_id",
            "person__name",
        )[:size]
    )
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    return [_Due(*row) for row in rows]


def _live(w: Warning, now: datetime) -> bool:
    return w.status == Status.ISSUED and w.valid_until > now


class _Chasers:
    """The dispatcher cells over one warning's recipients, read once per sweep."""

    def __init__(self, w: Warning):
        roots = list(w.targets.values_list("cell_path", flat=True))
        within = Q(pk__in=[])
        for path in roots:
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
        self._ladders: dict[str, list[Cell]] = {}

    def ladder(self, d: _Due) -> list[Cell]:
        """The dispatcher cells at or above the recipient's, nearest first, leaving out a
        cell whose only dispatcher is the recipient."""
        found = self._ladders.get(d.cell_path)
        if found is None:
            lineage = reversed(tree.lineage(d.cell_path))
            found = self._ladders[d.cell_path] = [self.cells[p] for p in lineage if p in self.cells]
        if any(d.person_id in self.people[c.path] for c in found):
            return [c for c in found if set(self.people[c.path]) - {d.person_id}]
        return found

    def cell_for(self, d: _Due, step: int) -> Cell | None:
        ladder = self.ladder(d)
        return ladder[step - 1] if len(ladder) >= step else None


def _resend(warnings: dict[int, Warning], due: list[_Due]) -> None:
    """The warning again, to each late recipient: by SMS (in-app when there is no SMS)."""
    by_warning = defaultdict(list)
    for d in due:
        by_warning[d.warning_id].append(d)
    sms = bool(settings.SMS_GATEWAY_URL)
    for warning_id, late in by_warning.items():
        w = warnings[warning_id]
        page = f"/m/warnings/{w.number}/"
        enqueue_letters(
            "warnings.resend",
            [
                Letter(d.person_id, d.user_id, d.phone, page, link, {"delivery": d.pk})
                for d, link in zip(late, links.links_for(d.pk for d in late), strict=True)
            ],
            subject=_("【催办·请立即叫应】%(level)s预警：%(h)s")
            % {"level": w.get_level_display(), "h": w.headline},
            body=_("您尚未回复，请点击链接回复“收到”。"),
            payload={"warning": w.number, "level": w.level},
            sms=sms,
            inapp=not sms,
        )


def _tell_dispatchers(warnings: dict[int, Warning], chasers: dict, steps: dict) -> None:
    notices = []
    for (warning_id, level, _cell), step in steps.items():
        w = warnings[warning_id]
        people = chasers[warning_id].people[step.cell.path]
        names = "、".join(f"{d.name}（{d.phone}）" for d in step.late[:NAMES_IN_NOTICE])
        more = len(step.late) - NAMES_IN_NOTICE
        if more > 0:
            names += _("等 %(n)s 人") % {"n": len(step.late)}
        subject = (
            _("【未叫应】%(n)s 人未回复%(level)s预警：%(h)s")
            if level == 1
            else _("【未叫应·上报】%(n)s 人仍未回复%(level)s预警：%(h)s")
        )
        notices.append(
            Notice(
                "warnings.chase",
                subject % {"n": len(step.late), "level": w.get_level_display(), "h": w.headline},
                body=_("请督促：%(names)s") % {"names": names},
                link=f"/warnings/{w.number}/board/?unanswered=1",
                people=[people[pk] for pk in sorted(people)],
                sms=True,
                # once per warning, level and dispatcher cell: when a batch boundary splits
                # one cell's late recipients, the later part is on the board, not told again
                dedupe_key=f"warnings.chase:{w.pk}:{level}:{step.cell.pk}",
                payload={"warning": w.number, "level": level, "late": len(step.late)},
            )
        )
    enqueue_all(notices)


def _audit(warnings: dict[int, Warning], steps: dict) -> None:
    grouped: dict[tuple[int, int], list[_Step]] = defaultdict(list)
    for (warning_id, level, _cell), step in steps.items():
        grouped[(warning_id, level)].append(step)
    audit_all(
        [
            Entry(
                actor=None,
                action="warnings.chase",
                obj=warnings[warning_id],
                cell_path=warnings[warning_id].cell_path,
                after={
                    "level": level,
                    "told": sorted(s.cell.code for s in found),
                    "deliveries": sorted(d.pk for s in found for d in s.late),
                },
            )
            for (warning_id, level), found in sorted(grouped.items())
        ]
    )
