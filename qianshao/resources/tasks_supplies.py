"""The supplies part's periodic tasks."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from qianshao.resources import sweep_supplies


@db_periodic_task(crontab(minute="7"))
def sweep_supply_expiry() -> int:
    """Every hour (a day's bands move in the first run after midnight; the others read
    nothing): batches into their expiry bands, points' managers and the level above told."""
    return sweep_supplies.sweep()
