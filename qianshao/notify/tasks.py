"""The notification worker's periodic tasks; the task that delivers what was just queued
is ``delivery.deliver_messages``, which the outbox calls without importing this module."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from qianshao.notify import anchor, delivery
from qianshao.notify.delivery import deliver_messages

__all__ = ["anchor_daily", "deliver_messages", "sweep_outbox"]


@db_periodic_task(crontab(minute="*"))
def sweep_outbox() -> int:
    """Every minute: retry what is due and catch up on anything queued while down."""
    return delivery.deliver_due()


@db_periodic_task(crontab(hour="16", minute="5"))  # UTC (settings.HUEY): 00:05 in China
def anchor_daily() -> str:
    """Every day: write the audit chain head's anchor to the log and the webhooks."""
    return str(anchor.publish())
