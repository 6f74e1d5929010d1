from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from qianshao.hazards import sweep


@db_periodic_task(crontab(minute="*"))
def sweep_hazards() -> int:
    """Every minute: mark overdue steps and climb the supervision ladder (catches up)."""
    return sweep.sweep()
