"""The top bar: the platform's own links (首页, 网格, 名册导入, 消息, 接口, 管理后台) and
each area's (its ``panels.py``), in their order, for one request."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qianshao.grid.permissions import management_scope
from qianshao.lib import panels
from qianshao.lib.panels import NavEntry


def _manages(user) -> bool:
    scope = management_scope(user)
    return scope.everything or bool(scope.paths)


def _staff(user) -> bool:
    return user.is_staff


OWN = (
    NavEntry(_("首页"), "home", 10, frozenset({"home"})),
    NavEntry(_("网格"), "tree", 20, frozenset({"tree", "cell"})),
    NavEntry(_("名册导入"), "roster", 90, frozenset({"roster"}), shown=_manages),
    NavEntry(_("消息"), "inbox", 100, frozenset({"inbox"})),
)
API_DOCS, ADMIN = 110, 120


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    active: bool = False
    badge: int = 0  # unread messages, on 消息


def links(request, unread: int) -> list[Link]:
    user = request.user
    match = getattr(request, "resolver_match", None)
    here = match.url_name if match else None
    entries = [e for p in panels.registered() for e in p.nav] + list(OWN)
    placed = [
        (e.order, Link(e.label, reverse(e.url_name), e.lit(here), unread * (e.url_name == "inbox")))
        for e in entries
        if e.shown(user)
    ]
    placed.append((API_DOCS, Link(_("接口"), "/api/v1/docs")))
    if _staff(user):
        placed.append((ADMIN, Link(_("管理后台"), reverse("admin:index"))))
    return [link for _order, link in sorted(placed, key=lambda pair: pair[0])]
