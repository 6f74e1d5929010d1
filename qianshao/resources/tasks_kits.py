"""The kits part's periodic tasks."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from huey import crontab

from qianshao.notify.jobs import periodic
from qianshao.resources import sweep_kits


@periodic(crontab(minute="7", hour="*"), every=timedelta(hours=1), label=_("装备检查提醒"))
def sweep_kit_cards() -> int:
    """Hourly (the work is a day's): reconcile the kit cards whose terms ended or began by
    date; idempotent, so the runs after the first of a day find nothing due."""
    return sweep_kits.sweep()
