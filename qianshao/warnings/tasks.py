from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from qianshao.warnings import feeds, sweep


@db_periodic_task(crontab(minute="*"))
def sweep_warnings() -> int:
    """Every minute: end what has run out, chase who has not answered (catches up)."""
    return sweep.sweep()


@db_periodic_task(crontab(minute="*"))
def poll_cap_feeds() -> int:
    """Every minute: poll each active CAP feed whose interval has passed (raises nothing)."""
    return feeds.poll_due()
