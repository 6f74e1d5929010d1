from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from qianshao.audit import anchor


@db_periodic_task(crontab(hour="16", minute="5"))  # UTC (settings.HUEY): 00:05 in China
def anchor_daily() -> str:
    """Every day: write the chain head's anchor to the log and the webhooks."""
    return str(anchor.publish())
