"""The reporting day: which cells report (零报告), by when, and when the level above is
told of those missing — the rule in the admin (零报告规则), read through ``lib.settled``."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Min
from django.utils import timezone

from qianshao.disasters.models import REPORTING_KINDS, ReportingRule, ZeroReport
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


def start() -> date | None:
    """The first day whose missing reports are chased: the rule's, or the day of the first
    zero report filed (a county that has not begun reporting is not told it is late)."""
    return rule().start or ZeroReport.objects.aggregate(first=Min("day"))["first"]


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


def is_on_time(day: date, at: datetime) -> bool:
    return at <= deadline(day)
