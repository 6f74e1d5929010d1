"""The zero report's deadline sweep: at the day's deadline the dispatchers over the cells
that have not reported are told which; ``escalate`` later, the level above is told of
those still missing. Once per day and step (``workflow.once``: the day's "chase:<level>"),
whatever runs twice; after downtime it takes every step that fell due, yesterday's
included. Days before a county began reporting (the rule's start, or the county's first
zero report) are not chased.

Who is told is the dispatcher ladder of ``grid.dispatchers`` (docs/adr/0013): for a
village, its township's dispatchers first, then the county's.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.disasters import schedule
from qianshao.disasters.models import ZeroReport
from qianshao.grid.dispatchers import Dispatchers
from qianshao.grid.models import Cell
from qianshao.notify.outbox import Notice, enqueue_all
from qianshao.workflow import once

NAMES_IN_NOTICE = 20
LOOK_BACK_DAYS = 1  # after downtime, yesterday's steps are still taken
NOT_BEGUN = date.max


def sweep(now: datetime | None = None) -> int:
    """Take every step due by ``now``; returns how many cells were reported missing."""
    now = now or timezone.now()
    today, starts = timezone.localdate(now), schedule.starts()
    begun = [d for d in starts.values() if d is not None]
    if not begun:
        return 0  # nobody has begun reporting: nobody is late
    told = 0
    back = LOOK_BACK_DAYS + (1 if schedule.rule().next_day else 0)  # due the day after
    for day in [today - timedelta(days=n) for n in range(back, -1, -1)]:
        if day < min(begun):
            continue
        due = schedule.deadline(day)
        for level, at in [(1, due), (2, due + schedule.rule().escalate)]:
            if now >= at:
                told += chase_day(day, level, now, starts)
    return told


@transaction.atomic
def chase_day(day: date, level: int, now: datetime, starts: dict[str, date | None]) -> int:
    """Tell the dispatchers at ``level`` of the cells missing ``day``'s report, once: those
    in the counties that had begun reporting by then (``starts``)."""
    if not once.claim(once.subject("disasters.day", day), f"chase:{level}", now):
        return 0  # taken before (or by another worker now)
    reported = ZeroReport.objects.filter(day=day).values("cell_id")
    unreported = (
        Cell.objects.filter(kind__in=schedule.rule().kinds)
        .exclude(pk__in=reported)
        .values_list("path", "name")
        .order_by("path")
    )
    missing = [
        (path, name)
        for path, name in unreported
        if (starts[schedule.county_of(path, starts)] or NOT_BEGUN) <= day
    ]
    roots = Cell.objects.filter(parent=None).values_list("path", flat=True)
    dispatchers = Dispatchers(list(roots))
    late: dict = defaultdict(list)
    for path, name in missing:
        ladder = dispatchers.ladder(path)
        if len(ladder) >= level:
            late[ladder[level - 1]].append(name)
    enqueue_all([_notice(day, level, cell, names, dispatchers) for cell, names in late.items()])
    audit(
        actor=None,
        action="disasters.chase_zero",
        object_type="disasters.day",
        object_id=day.isoformat(),
        label=f"{day} {level}",
        after={
            "day": day,
            "level": level,
            "missing": len(missing),
            "told": sorted(c.code for c in late),
        },
    )
    return len(missing)


def _notice(day: date, level: int, cell, names: list[str], dispatchers) -> Notice:
    shown = "、".join(names[:NAMES_IN_NOTICE])
    if len(names) > NAMES_IN_NOTICE:
        shown += _("等")
    subject = (
        _("【零报告未报】%(n)s 个网格未报送 %(day)s 零报告")
        if level == 1
        else _("【零报告未报·上报】%(n)s 个网格仍未报送 %(day)s 零报告")
    )
    return Notice(
        "disasters.zero_missing",
        subject % {"n": len(names), "day": day.strftime("%m-%d")},
        body=_("请督促：%(cells)s") % {"cells": shown},
        link=f"/disasters/board/?cell={cell.code}&day={day.isoformat()}",
        people=dispatchers.of(cell),
        sms=True,
        dedupe_key=f"disasters.zero_missing:{day.isoformat()}:{level}:{cell.pk}",
        payload={"day": day.isoformat(), "level": level, "missing": len(names)},
    )
