from datetime import datetime

from ninja import Router
from ninja.pagination import paginate

from qianshao.lib.schemas import Error, OutSchema, Pagination
from qianshao.notify.access import access_inbox_item, visible_inbox
from qianshao.notify.actions import mark_read

router = Router(tags=["inbox"])


class InboxItemOut(OutSchema):
    id: int
    subject: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None


@router.get("", response=list[InboxItemOut])
@paginate(Pagination)
def list_inbox(request, unread: bool = False):
    """Your in-app messages, newest first."""
    items = visible_inbox(request.user)
    if unread:
        items = items.filter(read_at__isnull=True)
    return items


@router.post("/{int:item_id}/read", response={200: InboxItemOut, 404: Error})
def read_item(request, item_id: int):
    item = access_inbox_item(request.user, item_id)
    mark_read(request.user, [item])
    item.refresh_from_db()
    return item
