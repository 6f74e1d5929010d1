"""The patrols part's periodic tasks."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from qianshao.risks import sweep


@db_periodic_task(crontab(minute="*"))
def sweep_patrols() -> int:
    """Every minute: overdue patrols chased (the patroller, then the cell's dispatchers),
    missed ones written once the next due time has come."""
    return sweep.sweep()
