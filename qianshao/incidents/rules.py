"""The incidents' reporting rule (one row, from the admin), read once a minute per process
(``lib.settled``)."""

from datetime import datetime, timedelta

from qianshao.incidents.models import SHORT_WINDOW_CATEGORIES, ReportingRule
from qianshao.lib.settled import Settled


def _rule() -> ReportingRule:
    return ReportingRule.objects.get_or_create(pk=1)[0]


_RULE = Settled(_rule).forget_on(ReportingRule)


def rule() -> ReportingRule:
    return _RULE.get()


def casualty_window_ends(category: str, occurred_at: datetime) -> datetime:
    """Until when changes in casualties are reported (补报): 30 days from the incident, 7 for
    road traffic and fire (生产安全事故报告和调查处理条例 §13)."""
    days = 7 if category in SHORT_WINDOW_CATEGORIES else 30
    return occurred_at + timedelta(days=days)
