"""The notification worker's periodic tasks. The task that delivers what was just queued
is ``delivery.deliver_messages``, which the outbox calls without importing this module;
the one that writes the rest of a large fan-out is ``fanout.continue_fan_out``."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from huey import crontab

from qianshao.notify import anchor, delivery, fanout
from qianshao.notify.delivery import deliver_messages
from qianshao.notify.fanout import continue_fan_out
from qianshao.notify.jobs import heartbeat, periodic

__all__ = [
    "anchor_daily",
    "continue_fan_out",
    "deliver_messages",
    "heartbeat",
    "resume_fan_outs",
    "sweep_outbox",
]


@periodic(crontab(minute="*"), every=timedelta(minutes=1), label=_("消息外发重试"))
def sweep_outbox() -> int:
    """Every minute: retry what is due and catch up on anything queued while down."""
    return delivery.deliver_due()


@periodic(crontab(minute="*"), every=timedelta(minutes=1), label=_("批量通知续发"))
def resume_fan_outs() -> int:
    """Every minute: finish the fan-outs a stopped worker left in the middle."""
    return fanout.resume_stalled()


@periodic(
    crontab(hour="16", minute="5"), every=timedelta(days=1), label=_("审计链每日锚定")
)  # UTC (settings.HUEY): 00:05 in China
def anchor_daily() -> str:
    """Every day: write the audit chain head's anchor to the log and the webhooks."""
    return str(anchor.publish())
