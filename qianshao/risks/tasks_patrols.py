"""The patrols part's periodic tasks."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from huey import crontab

from qianshao.notify.jobs import periodic
from qianshao.risks import sweep


@periodic(crontab(minute="*"), every=timedelta(minutes=1), label=_("风险点巡查催办"))
def sweep_patrols() -> int:
    """Every minute: overdue patrols chased (the patroller, then the cell's dispatchers),
    missed ones written once the next due time has come."""
    return sweep.sweep()
