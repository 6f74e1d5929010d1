from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from huey import crontab

from qianshao.notify.jobs import periodic
from qianshao.warnings import feeds, sweep


@periodic(crontab(minute="*"), every=timedelta(minutes=1), label=_("预警叫应催办"))
def sweep_warnings() -> int:
    """Every minute: end what has run out, chase who has not answered (catches up)."""
    return sweep.sweep()


@periodic(crontab(minute="*"), every=timedelta(minutes=1), label=_("CAP 预警源拉取"))
def poll_cap_feeds() -> int:
    """Every minute: poll each active CAP feed whose interval has passed (raises nothing)."""
    return feeds.poll_due()
