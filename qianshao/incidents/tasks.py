"""The incidents area's periodic tasks (found by Huey's autodiscovery)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from qianshao.incidents import sweep


@db_periodic_task(crontab(minute="*"))
def sweep_incidents() -> int:
    """Every minute: levels late passing an incident up, 续报 due, orders nobody answered."""
    return sweep.sweep()
