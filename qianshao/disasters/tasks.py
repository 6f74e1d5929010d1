from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from huey import crontab

from qianshao.disasters import sweep
from qianshao.notify.jobs import periodic


@periodic(crontab(minute="*"), every=timedelta(minutes=1), label=_("零报告催报"))
def sweep_zero_reports() -> int:
    """Every minute: past the day's deadline, tell the dispatchers who has not reported."""
    return sweep.sweep()
