"""The supplies part's periodic tasks."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from huey import crontab

from qianshao.notify.jobs import periodic
from qianshao.resources import sweep_supplies


@periodic(crontab(minute="7"), every=timedelta(hours=1), label=_("物资临期提醒"))
def sweep_supply_expiry() -> int:
    """Every hour (a day's bands move in the first run after midnight; the others read
    nothing): batches into their expiry bands, points' managers and the level above told."""
    return sweep_supplies.sweep()
