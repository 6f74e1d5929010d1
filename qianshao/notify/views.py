from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from qianshao.notify.access import access_inbox_item, visible_inbox
from qianshao.notify.actions import mark_read


def inbox(request):
    page = Paginator(visible_inbox(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "notify/inbox.html", {"page": page})


@require_POST
def read(request, item_id: int):
    item = access_inbox_item(request.user, item_id)
    mark_read(request.user, [item])
    if item.link.startswith("/") and url_has_allowed_host_and_scheme(item.link, allowed_hosts=None):
        return redirect(item.link)  # a path on this site: never "//host" or "/\\host"
    return redirect("inbox")


@require_POST
def read_all(request):
    mark_read(request.user, list(visible_inbox(request.user).filter(read_at__isnull=True)))
    return redirect("inbox")
