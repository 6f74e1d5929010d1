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
        _audit_read(user, ids, count)
    return count


def _audit_read(user, ids: list[int], count: int, kind: str = "") -> None:
    audit(
        actor=user,
        action="notify.mark_read",
        object_type="notify.inboxitem",
        object_id=",".join(map(str, ids))[:64],
        label=f"{count}",
        after={"read": ids} | ({"kind": kind} if kind else {}),
    )


READ_CHUNK = 10_000


def mark_all_read(user, items, kind: str = "") -> int:
    """Mark the user's unread ``items`` (their inbox, or one kind of it) read, one UPDATE
    per 10,000. Side effects: one audit record naming the items and the kind."""
    with transaction.atomic():
        unread = items.filter(user=user, read_at__isnull=True)
        ids = list(unread.order_by("pk").values_list("pk", flat=True))
        if not ids:
            return 0
        # exactly those listed (an item delivered meanwhile, whatever its id, was not shown
        # and stays unread), one statement per 10,000
        now = timezone.now()
        count = sum(
            unread.filter(pk__in=ids[i : i + READ_CHUNK]).update(read_at=now)
            for i in range(0, len(ids), READ_CHUNK)
        )
        _audit_read(user, ids, count, kind)
    return count
