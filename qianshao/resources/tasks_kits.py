"""The kits part's periodic tasks."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from qianshao.resources import sweep_kits


@db_periodic_task(crontab(minute="7", hour="*"))
def sweep_kit_cards() -> int:
    """Hourly (the work is a day's): reconcile the kit cards whose terms ended or began by
    date; idempotent, so the runs after the first of a day find nothing due."""
    return sweep_kits.sweep()
