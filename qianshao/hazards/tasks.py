from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from huey import crontab

from qianshao.hazards import sweep
from qianshao.notify.jobs import periodic


@periodic(crontab(minute="*"), every=timedelta(minutes=1), label=_("隐患督办"))
def sweep_hazards() -> int:
    """Every minute: mark overdue steps and climb the supervision ladder (catches up)."""
    return sweep.sweep()
