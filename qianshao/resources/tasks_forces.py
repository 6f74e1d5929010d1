"""The forces part's periodic tasks."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from huey import crontab

from qianshao.notify.jobs import periodic
from qianshao.resources import sweep_forces


@periodic(crontab(minute="17"), every=timedelta(hours=1), label=_("队伍与专家到期提醒"))
def sweep_forces_due() -> dict:
    """Every hour (each step taken once, whatever runs twice): experts not verified within
    12 months flagged and their keepers told; certificates expiring within 30 days told."""
    return sweep_forces.sweep()
