"""The incidents area's periodic tasks (found by Huey's autodiscovery)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from qianshao.incidents import sweep, sweep_duty


@db_periodic_task(crontab(minute="*"))
def sweep_incidents() -> int:
    """Every minute: levels late passing an incident up, 续报 due, orders nobody answered."""
    return sweep.sweep()


@db_periodic_task(crontab(minute="7"))
def warn_roster_gaps() -> int:
    """Hourly (the first run of a day does it): the duty cells' days of the coming week
    with nobody on duty."""
    return sweep_duty.gaps()
