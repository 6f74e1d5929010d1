"""The forces part's periodic tasks."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from qianshao.resources import sweep_forces


@db_periodic_task(crontab(minute="17"))
def sweep_forces_due() -> dict:
    """Every hour (each step taken once, whatever runs twice): experts not verified within
    12 months flagged and their keepers told; certificates expiring within 30 days told."""
    return sweep_forces.sweep()
