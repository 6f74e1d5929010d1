"""The notification worker's periodic tasks. The task that delivers what was just queued
is ``delivery.deliver_messages``, which the outbox calls without importing this module;
the one that writes the rest of a large fan-out is ``fanout.continue_fan_out``."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from qianshao.notify import anchor, delivery, fanout
from qianshao.notify.delivery import deliver_messages
from qianshao.notify.fanout import continue_fan_out

__all__ = [
    "anchor_daily",
    "continue_fan_out",
    "deliver_messages",
    "resume_fan_outs",
    "sweep_outbox",
]


@db_periodic_task(crontab(minute="*"))
def sweep_outbox() -> int:
    """Every minute: retry what is due and catch up on anything queued while down."""
    return delivery.deliver_due()


@db_periodic_task(crontab(minute="*"))
def resume_fan_outs() -> int:
    """Every minute: finish the fan-outs a stopped worker left in the middle."""
    return fanout.resume_stalled()


@db_periodic_task(crontab(hour="16", minute="5"))  # UTC (settings.HUEY): 00:05 in China
def anchor_daily() -> str:
    """Every day: write the audit chain head's anchor to the log and the webhooks."""
    return str(anchor.publish())
