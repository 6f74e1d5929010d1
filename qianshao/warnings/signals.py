"""A delivery is delivered when its first message (the warning or its resend) is sent."""

from django.dispatch import receiver
from django.utils import timezone

from qianshao.notify.signals import message_sent
from qianshao.warnings.models import Delivery

EVENTS = {"warnings.issue", "warnings.resend"}


@receiver(message_sent, dispatch_uid="warnings.mark_delivered")
def mark_delivered(sender, message, **kwargs) -> None:
    delivery_id = message.payload.get("delivery") if message.event in EVENTS else None
    if delivery_id:
        Delivery.objects.filter(pk=delivery_id, delivered_at__isnull=True).update(
            delivered_at=timezone.now()
        )
