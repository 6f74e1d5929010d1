"""The incidents area's periodic tasks (found by Huey's autodiscovery)."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from huey import crontab

from qianshao.incidents import sweep, sweep_duty
from qianshao.notify.jobs import periodic


@periodic(crontab(minute="*"), every=timedelta(minutes=1), label=_("事件续报与指令催办"))
def sweep_incidents() -> int:
    """Every minute: levels late passing an incident up, 续报 due, orders nobody answered."""
    return sweep.sweep()


@periodic(crontab(minute="7"), every=timedelta(hours=1), label=_("值班表缺岗提醒"))
def warn_roster_gaps() -> int:
    """Hourly (the first run of a day does it): the duty cells' days of the coming week
    with nobody on duty."""
    return sweep_duty.gaps()
