from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from qianshao.disasters import sweep


@db_periodic_task(crontab(minute="*"))
def sweep_zero_reports() -> int:
    """Every minute: past the day's deadline, tell the dispatchers who has not reported."""
    return sweep.sweep()
