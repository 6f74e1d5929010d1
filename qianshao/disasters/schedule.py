"""The reporting day: which cells report (零报告), by when, and when the level above is
told of those missing — the rule in the admin (零报告规则), read through ``lib.settled``."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.disasters.models import REPORTING_KINDS, DayTally, ReportingRule
from qianshao.grid import tree
from qianshao.grid.models import Cell, CellKind
from qianshao.lib.settled import Settled


@dataclass(frozen=True)
class Rule:
    deadline: time
    kinds: tuple[str, ...]
    escalate: timedelta
    start: date | None = None
    next_day: bool = False  # a day's report is due at ``deadline`` on the following day


def _load() -> Rule:
    found = ReportingRule.objects.order_by("pk").first()
    if found is None:
        return Rule(time(16, 0), tuple(REPORTING_KINDS), timedelta(minutes=60))
    kinds = tuple(found.kinds) or tuple(REPORTING_KINDS)
    return Rule(
        found.deadline,
        kinds,
        timedelta(minutes=found.escalate_minutes),
        found.start,
        found.deadline_next_day,
    )


def starts() -> dict[str, date | None]:
    """The first day chased in each county, by the county's path: the rule's start when set,
    else the day of the county's first zero report — ``None`` for a county that has not
    begun reporting (it is not told it is late). The key ``""`` stands for the cells under
    no county, which begin with the first report anywhere."""
    counties = list(Cell.objects.filter(kind=CellKind.COUNTY).values_list("path", flat=True))
    first = rule().start
    if first is not None:
        return dict.fromkeys([*counties, ""], first)
    found = dict(
        DayTally.objects.filter(path__in=counties, n__gt=0)
        .values_list("path")
        .annotate(first=Min("day"))
        .order_by()
    )
    roots = Cell.objects.filter(parent=None).values("path")  # they count every report
    anywhere = DayTally.objects.filter(path__in=roots, n__gt=0).aggregate(first=Min("day"))
    anywhere = anywhere["first"]
    return {p: found.get(p) for p in counties} | {"": anywhere}


def county_of(path: str, counties) -> str:
    """The path of the county ``path`` lies in (itself included), or ``""``."""
    return next((p for p in tree.lineage(path) if p in counties), "")


_rule = Settled(_load).forget_on(ReportingRule)


def rule() -> Rule:
    return _rule.get()


def forget() -> None:
    _rule.forget()


def today() -> date:
    """The reporting day now: the local day — or yesterday, while yesterday's report is
    still due (its deadline on today's morning, when the rule puts it on the next day)."""
    now = timezone.localtime()
    if rule().next_day and now <= deadline(now.date() - timedelta(days=1)):
        return now.date() - timedelta(days=1)
    return now.date()


def deadline(day: date) -> datetime:
    """When the zero report of ``day`` is due (local time): on the day, or on the next."""
    due_on = day + timedelta(days=1) if rule().next_day else day
    return timezone.make_aware(datetime.combine(due_on, rule().deadline))


def deadline_label() -> str:
    """The deadline as the forms say it: "16:00", or "次日 08:00" when it is on the next day."""
    at = rule().deadline.strftime("%H:%M")
    return _("次日 %(t)s") % {"t": at} if rule().next_day else at


def before_deadline(day: date) -> bool:
    """Has ``day``'s deadline not passed yet (a report not in is pending, not missing)?"""
    return timezone.now() <= deadline(day)


def is_on_time(day: date, at: datetime) -> bool:
    return at <= deadline(day)
