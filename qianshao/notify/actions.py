from django.db import transaction
from django.utils import timezone

from qianshao.audit.chain import append as audit
from qianshao.notify.models import InboxItem


def mark_read(user, items) -> int:
    """Mark the user's own inbox ``items`` read. Side effects: one audit record."""
    ids = [item.pk for item in items if item.user_id == user.pk and item.read_at is None]
    if not ids:
        return 0
    with transaction.atomic():
        count = InboxItem.objects.filter(pk__in=ids, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        audit(
            actor=user,
            action="notify.mark_read",
            object_type="notify.inboxitem",
            object_id=",".join(map(str, ids))[:64],
            label=f"{count}",
            after={"read": ids},
        )
    return count
