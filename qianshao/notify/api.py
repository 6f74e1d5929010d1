from datetime import datetime

from ninja import Router
from ninja.pagination import paginate

from qianshao.lib import panels
from qianshao.lib.keyset import Pagination
from qianshao.lib.schemas import Error, OutSchema
from qianshao.notify import kinds
from qianshao.notify.access import access_inbox_item, visible_inbox
from qianshao.notify.actions import mark_read

router = Router(tags=["inbox"])


class InboxItemOut(OutSchema):
    id: int
    subject: str
    body: str
    link: str
    # the label of the button that opens ``link`` (what the body tells the reader to tap)
    button: str
    kind: str
    created_at: datetime
    read_at: datetime | None

    @staticmethod
    def resolve_kind(item) -> str:
        return panels.kind_of(item.event).name


class KindOut(OutSchema):
    name: str
    label: str
    unread: int


@router.get("", response={200: list[InboxItemOut], 400: Error})
@paginate(Pagination)
def list_inbox(request, unread: bool = False, kind: str = ""):
    """Your in-app messages, newest first; with ``kind`` only those of that kind (see
    ``/inbox/kinds``; 400 naming ``kind`` for one that does not exist)."""
    items = visible_inbox(request.user)
    found = kinds.parse(kind)
    if found:
        items = items.filter(kinds.of_kind(found))
    if unread:
        items = items.filter(read_at__isnull=True)
    return items


@router.get("/kinds", response=list[KindOut])
def list_kinds(request):
    """The inbox's kinds in their order, with how many of your messages of each are unread
    (one grouped query)."""
    counts = kinds.unread_counts(visible_inbox(request.user))
    return [
        {"name": k.name, "label": str(k.label), "unread": counts.get(k.name, 0)}
        for k in panels.inbox_kinds()
    ]


@router.post("/{int:item_id}/read", response={200: InboxItemOut, 404: Error})
def read_item(request, item_id: int):
    item = access_inbox_item(request.user, item_id)
    mark_read(request.user, [item])
    item.refresh_from_db()
    return item
