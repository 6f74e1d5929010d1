from django.http import Http404

from qianshao.notify.models import InboxItem


def visible_inbox(user):
    """A user's inbox is their own: nobody sees another's messages, whatever their scope."""
    return InboxItem.objects.filter(user=user)


def access_inbox_item(user, item_id: int) -> InboxItem:
    item = visible_inbox(user).filter(pk=item_id).first()
    if item is None:
        raise Http404(item_id)
    return item
