"""The reporting day: which cells report (零报告), by when, and when the level above is
told of those missing — the rule in the admin (零报告规则), read through ``lib.settled``."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Min
from django.utils import timezone

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


def _load() -> Rule:
    found = ReportingRule.objects.order_by("pk").first()
    if found is None:
        return Rule(time(16, 0), tuple(REPORTING_KINDS), timedelta(minutes=60))
    kinds = tuple(found.kinds) or tuple(REPORTING_KINDS)
    return Rule(found.deadline, kinds, timedelta(minutes=found.escalate_minutes), found.start)


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
    return timezone.localdate()


def deadline(day: date) -> datetime:
    """When the zero report of ``day`` is due (local time)."""
    return timezone.make_aware(datetime.combine(day, rule().deadline))


def before_deadline(day: date) -> bool:
    """Has ``day``'s deadline not passed yet (a report not in is pending, not missing)?"""
    return timezone.now() <= deadline(day)


def is_on_time(day: date, at: datetime) -> bool:
    return at <= deadline(day)
