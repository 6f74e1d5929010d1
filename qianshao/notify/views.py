from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from qianshao.lib import keyset, panels
from qianshao.lib.errors import ActionError
from qianshao.notify import kinds
from qianshao.notify.access import access_inbox_item, visible_inbox
from qianshao.notify.actions import mark_all_read, mark_read


def inbox(request):
    """The user's messages, newest first, of one kind with ``?kind=``; the tabs count the
    unread of each kind."""
    try:
        kind = kinds.parse(request.GET.get("kind"))
    except ActionError as error:
        return render(request, "400.html", {"error": error}, status=error.status)
    items = visible_inbox(request.user)
    counts = kinds.unread_counts(items)
    shown = items.filter(kinds.of_kind(kind)) if kind else items
    tabs = [(k, counts.get(k.name, 0)) for k in panels.inbox_kinds()]
    context = {
        "page": keyset.page(request, shown, 30),
        "kind": kind,
        "tabs": tabs,
        "unread_all": sum(counts.values()),
        "unread_shown": counts.get(kind.name, 0) if kind else sum(counts.values()),
    }
    return render(request, "notify/inbox.html", context)


@require_POST
def read(request, item_id: int):
    item = access_inbox_item(request.user, item_id)
    mark_read(request.user, [item])
    if item.link.startswith("/") and url_has_allowed_host_and_scheme(item.link, allowed_hosts=None):
        return redirect(item.link)  # a path on this site: never "//host" or "/\\host"
    return redirect("inbox")


@require_POST
def read_all(request):
    """全部标为已读: every unread message, or those of the kind shown (``kind``)."""
    try:
        kind = kinds.parse(request.POST.get("kind"))
    except ActionError as error:
        return render(request, "400.html", {"error": error}, status=error.status)
    items = visible_inbox(request.user)
    if kind:
        items = items.filter(kinds.of_kind(kind))
    mark_all_read(request.user, items, kind.name if kind else "")
    return redirect(reverse("inbox") + (f"?kind={kind.name}" if kind else ""))
